"""The inbox over HTTP: anyone's unread notifications, and the team's open alerts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.services import alert_raise
from matching.tests.conftest import _as
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_inbox_lists_unread_notifications_and_the_teams_open_alerts(
    client, caseworker, provider, provider_org, case
):
    alert = alert_raise(
        actor=provider, organization=provider_org, alert_type="neglect", severity="high", case=case
    )
    notification = Notification.objects.get(user=caseworker)
    client.force_login(caseworker)
    content = client.get(reverse("matching:inbox")).content.decode()
    assert f'data-notification="{notification.pk}"' in content
    assert f'data-alert="{alert.pk}"' in content and case.code in content
    url = reverse("matching:notification_read")
    assert client.post(url, {"notification": "x"}).status_code == 302
    assert client.post(url, {"notification": notification.pk}).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="no-notifications"' in client.get(reverse("matching:inbox")).content.decode()


def test_mark_all_read_touches_only_ones_own_notifications(client, caseworker, provider):
    mine = Notification.objects.create(user=caseworker, text="a")
    theirs = Notification.objects.create(user=provider, text="b")
    _as(client, caseworker).post(reverse("matching:notification_read"))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    client.force_login(caseworker)
    client.post(reverse("matching:notification_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
