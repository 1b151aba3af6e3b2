"""The notification preferences page: each person's own, nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.models import Delivery, NotificationKind, NotificationSettings
from tests.factories import signed_in, user_with_role

pytestmark = pytest.mark.django_db

URL = "/cuenta/avisos/"


def _choices(**chosen: str) -> dict[str, str]:
    data = {kind: Delivery.DIGEST for kind in NotificationKind.values[:9]}
    return {**data, "language": "es", **chosen}


def test_the_page_lives_under_the_account_and_shows_the_defaults():
    person = user_with_role(Role.CASEWORKER, email="ana@example.org")
    assert reverse("notifications:preferences") == URL
    page = signed_in(person).get(URL)
    assert page.status_code == 200
    content = page.content.decode()
    assert "ana@example.org" in content
    # Alerts at once, news only in Puente, until the person chooses.
    assert (
        'name="alert_raised" value="immediate" id="id_alert_raised_0" required checked' in content
    )
    assert 'name="case_update" value="none" id="id_case_update_2" required checked' in content
    assert 'name="webhook_paused"' not in content


def test_a_person_saves_their_own_choices_and_language():
    person = user_with_role(Role.PROVIDER)
    answer = signed_in(person).post(
        URL, _choices(referral_received=Delivery.IMMEDIATE, language="en")
    )
    assert answer.status_code == 302
    saved = NotificationSettings.objects.get(user=person)
    assert saved.language == "en"
    assert saved.delivery_for(NotificationKind.REFERRAL_RECEIVED) == Delivery.IMMEDIATE
    assert saved.delivery_for(NotificationKind.ALERT_RAISED) == Delivery.DIGEST


def test_it_refuses_to_edit_anyone_elses_choices_whatever_the_form_says():
    me = user_with_role(Role.CASEWORKER)
    other = user_with_role(Role.CASEWORKER)
    NotificationSettings.objects.create(user=other, language="es")
    signed_in(me).post(
        f"{URL}?user={other.pk}", {**_choices(alert_raised=Delivery.NONE), "user": other.pk}
    )
    assert NotificationSettings.objects.get(user=other).deliveries == {}
    assert NotificationSettings.objects.get(user=me).delivery_for("alert_raised") == "none"


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing():
    from django.test import Client

    for method in ("get", "post"):
        response = getattr(Client(), method)(URL, _choices())
        assert response.status_code == 302
        assert response["Location"].startswith("/entrar/")
    assert not NotificationSettings.objects.exists()


def test_a_bad_choice_or_language_is_named_and_changes_nothing():
    person = user_with_role(Role.CASEWORKER)
    answer = signed_in(person).post(URL, _choices(alert_raised="sometimes", language="fr"))
    assert answer.status_code == 400
    content = answer.content.decode()
    assert 'id="id_alert_raised_errors"' in content
    assert 'id="id_language_errors"' in content
    assert not NotificationSettings.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reaches_its_own_page(role):
    assert signed_in(user_with_role(role)).get(URL).status_code == 200
