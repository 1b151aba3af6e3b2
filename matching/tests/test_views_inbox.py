"""The inbox over HTTP: anyone's unread notifications, and the team's open alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import membership_cache, user_memberships
from cases.models import Alert
from cases.services import alert_acknowledge, alert_raise
from matching.tests.conftest import _as
from matching.views.inbox import ALERTS_PER_PAGE
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


def _alert(actor, organization, case, *, severity="high", alert_type="neglect", minutes_ago=0):
    alert = alert_raise(
        actor=actor,
        organization=organization,
        alert_type=alert_type,
        severity=severity,
        case=case,
    )
    Alert.objects.filter(pk=alert.pk).update(
        created=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return alert


def test_new_alerts_come_first_then_the_gravest_and_the_newest(
    client, caseworker, provider, provider_org, case
):
    seen_grave = _alert(provider, provider_org, case, severity="very_high", minutes_ago=1)
    alert_acknowledge(actor=caseworker, alert=seen_grave, close=False)
    old_low = _alert(provider, provider_org, case, severity="low", minutes_ago=90)
    new_low = _alert(provider, provider_org, case, severity="low", minutes_ago=5)
    grave = _alert(
        provider,
        provider_org,
        case,
        severity="very_high",
        alert_type="physical_abuse",
        minutes_ago=60,
    )
    moderate = _alert(provider, provider_org, case, severity="moderate", minutes_ago=2)
    response = _as(client, caseworker).get(reverse("matching:inbox"))
    order = [a.pk for a in response.context["page"].object_list]
    assert order == [grave.pk, moderate.pk, new_low.pk, old_low.pk, seen_grave.pk]


def test_the_inbox_is_paged_and_filtered_by_type_and_state(
    client, caseworker, provider, provider_org, case
):
    for i in range(ALERTS_PER_PAGE + 2):
        _alert(provider, provider_org, case, minutes_ago=i)
    abuse = _alert(provider, provider_org, case, alert_type="physical_abuse", minutes_ago=500)
    client = _as(client, caseworker)
    first = client.get(reverse("matching:inbox"))
    assert len(first.context["page"].object_list) == ALERTS_PER_PAGE
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("matching:inbox"), {"page": 2})
    assert [a.pk for a in second.context["page"].object_list][-1] == abuse.pk
    only = client.get(reverse("matching:inbox"), {"alert_type": "physical_abuse"})
    assert [a.pk for a in only.context["page"].object_list] == [abuse.pk]
    assert (
        client.get(reverse("matching:inbox"), {"status": "acknowledged"})
        .context["page"]
        .paginator.count
        == 0
    )
    # The filter is kept in the pager's links, and an answer goes back to it.
    paged = client.get(reverse("matching:inbox"), {"status": "open"}).content.decode()
    assert "?status=open&amp;page=2" in paged
    answered = client.post(
        reverse("matching:alert_answer", args=[abuse.pk]),
        {"action": "acknowledge", "next": "inbox", "inbox_query": "status=open&page=2&x=1"},
    )
    assert answered["Location"] == reverse("matching:inbox") + "?status=open&page=2"


@pytest.mark.parametrize(
    "query",
    [
        {"alert_type": "bogus"},
        {"status": "closed"},
        {"page": "0"},
        {"page": "99999999999999999999"},
        {"page": "x"},
    ],
)
def test_a_filter_out_of_bounds_is_a_400_that_names_it(client, caseworker, case, query):
    response = _as(client, caseworker).get(reverse("matching:inbox"), query)
    assert response.status_code == 400
    assert 'id="filter-refused"' in response.content.decode()
    assert set(response.context["form"].errors) == set(query)


def test_the_navigation_counts_unread_notifications_and_new_alerts_in_two_queries(
    client, caseworker, provider, provider_org, case, django_assert_max_num_queries
):
    """Two besides the user's memberships, which a request reads once for every use."""
    _alert(provider, provider_org, case)  # notifies the caseworker, too
    _alert(provider, provider_org, case)
    Notification.objects.create(user=provider, text="de otra persona")
    request = RequestFactory().get("/")
    request.user = caseworker
    with membership_cache():
        user_memberships(user=caseworker)
        with django_assert_max_num_queries(2):
            html = Template(
                "{% load inbox_tags %}{% inbox_counts as c %}{{ c.notifications }}/"
                "{{ c.alerts }}/{{ c.total }}"
            ).render(Context({"user": caseworker, "request": request}))
    assert html == "2/2/4"
    page = _as(client, caseworker).get(reverse("matching:case_list")).content.decode()
    assert 'id="inbox-count" data-notifications="2" data-alerts="2"' in page
    assert '<span aria-hidden="true">4</span><span class="visually-hidden">(4 ' in page
    # Nothing new: no count at all.
    Notification.objects.filter(user=caseworker).update(read_at="2026-01-01T00:00Z")
    Alert.objects.update(status="acknowledged")
    assert 'id="inbox-count"' not in client.get(reverse("matching:case_list")).content.decode()
