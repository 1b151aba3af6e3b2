"""The slot, waitlist and round pages over HTTP: each for its role, scoped, never a 500."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import Referral, ReferralStatus
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, user_with_role
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    RoundStatus,
    SlotOffer,
    WaitlistEntry,
)
from waitlists.rounds import allocation_round_propose
from waitlists.services import referral_place, slot_offer_next

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"


# --- data -------------------------------------------------------------------------------


def accepted(*, case, site, creator):
    return Referral.objects.create(
        case=case,
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=creator,
        sent_at=timezone.now(),
    )


@pytest.fixture
def site(provider_org):
    return ServiceAtSiteFactory(
        service__organization=provider_org, service__name="Apoyo Psico", capacity=1
    )


@pytest.fixture
def foreign_site(other_org):
    return ServiceAtSiteFactory(service__organization=other_org, service__name="Programa Ajeno")


@pytest.fixture
def stranger_caseworker(other_org):
    return user_with_role(Role.CASEWORKER, organization=other_org, username="otro-gestor")


@pytest.fixture
def full_site(caseworker, provider, site):
    """One child in the only slot, another waiting for it."""
    inside = accepted(case=case_of(caseworker), site=site, creator=caseworker)
    waiting = accepted(
        case=case_of(caseworker, risk_level=RiskLevel.HIGH), site=site, creator=caseworker
    )
    referral_place(actor=provider, referral=inside)
    referral_place(actor=provider, referral=waiting)
    return inside, waiting


@pytest.fixture
def offered(caseworker, provider, site, full_site):
    """The slot freed: offered to the child who was waiting."""
    inside, _waiting = full_site
    Enrolment.objects.filter(referral=inside).update(
        status=EnrolmentStatus.COMPLETED, ended_at=timezone.now()
    )
    (offer,) = slot_offer_next(service_at_site=site)
    return offer


@pytest.fixture
def round_world(caseworker, provider_org):
    territory = TerritoryFactory(name="Comuna Norte")
    term = TaxonomyTerm.objects.get(code=PSY)
    near = ServiceAtSiteFactory(
        service__organization=provider_org,
        site__point=Point(-70.601, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    far = ServiceAtSiteFactory(
        service__organization=provider_org,
        site__point=Point(-70.65, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    for sas in (near, far):
        sas.service.categories.add(term)
    cases = [
        case_of(caseworker, risk_level=level, territory=territory)
        for level in (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.LOW)
    ]
    for case in cases:
        WaitlistEntry.objects.create(case=case, service=near.service)
    return territory, term, near, far, cases


def _as(client, user):
    client.force_login(user)
    return client


def _messages(response):
    """Messages stored by this response (earlier unread ones stay in the session too)."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _last_message(response):
    return _messages(response)[-1]


# --- who may open what ------------------------------------------------------------------------

ROLE_PAGES = {
    "waitlists:provider_slots": "provider",
    "waitlists:network": "coordinator",
    "waitlists:rounds": "coordinator",
}


@pytest.mark.parametrize("name", list(ROLE_PAGES))
def test_a_role_page_asks_an_anonymous_visitor_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "role"), list(ROLE_PAGES.items()))
def test_each_page_opens_for_its_role_and_is_forbidden_to_the_others(
    client, name, role, caseworker, provider, coordinator, planner, administrator
):
    users = {
        "caseworker": caseworker,
        "provider": provider,
        "coordinator": coordinator,
        "planner": planner,
        "administrator": administrator,
    }
    for user_role, user in users.items():
        client.force_login(user)
        expected = 200 if user_role == role else 403
        assert client.get(reverse(name)).status_code == expected, (name, user_role)


def test_the_post_only_addresses_refuse_other_roles_and_methods(
    client, caseworker, provider, coordinator, site, offered, round_world
):
    territory, term, *_ = round_world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    case = offered.entry.case
    client.force_login(caseworker)
    for url in (
        reverse("waitlists:capacity_set", args=[site.pk]),
        reverse("waitlists:round_confirm", args=[round.pk]),
        reverse("waitlists:round_discard", args=[round.pk]),
    ):
        assert client.post(url, {"capacity": "5"}).status_code == 403, url
    client.force_login(provider)
    assert client.post(reverse("waitlists:withdraw", args=[case.pk])).status_code == 403
    client.force_login(coordinator)
    assert client.get(reverse("waitlists:round_confirm", args=[round.pk])).status_code == 405
    round.refresh_from_db()
    assert round.status == RoundStatus.PROPOSED
    site.refresh_from_db()
    assert site.capacity == 1


def test_unknown_and_malformed_ids_are_404_not_500(client, caseworker, provider, coordinator):
    client.force_login(provider)
    assert client.post(f"/prestador/cupos/{uuid.uuid4()}/capacidad/").status_code == 404
    assert client.post("/prestador/cupos/nope/capacidad/").status_code == 404
    assert client.post(f"/prestador/inscripciones/{uuid.uuid4()}/terminar/").status_code == 404
    assert client.post(f"/prestador/derivaciones/{uuid.uuid4()}/ubicar/").status_code == 404
    client.force_login(caseworker)
    assert client.get(f"/casos/{uuid.uuid4()}/listas/").status_code == 404
    assert client.get("/casos/123/listas/").status_code == 404
    client.force_login(coordinator)
    assert client.get(f"/coordinacion/rondas/{uuid.uuid4()}/").status_code == 404
    assert client.post(f"/coordinacion/rondas/{uuid.uuid4()}/confirmar/").status_code == 404
    assert client.get("/coordinacion/rondas/x/").status_code == 404


# --- provider: slots, enrolments, waitlist ------------------------------------------------------


def test_the_provider_sees_each_site_slots_enrolments_and_queue_of_their_own_services(
    client, provider, site, full_site, foreign_site
):
    inside, waiting = full_site
    response = _as(client, provider).get(reverse("waitlists:provider_slots"))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="service-{site.service.pk}"' in content
    assert f'id="service-{foreign_site.service.pk}"' not in content
    assert "Programa Ajeno" not in content
    (block,) = response.context["blocks"]
    (row,) = block.sites
    assert (row.link.capacity, row.enrolled, row.held, row.free) == (1, 1, 0, 0)
    assert f'id="waitlist-length-{site.service.pk}">1<' in content
    enrolment = Enrolment.objects.get(referral=inside)
    assert f'data-enrolment="{enrolment.pk}"' in content
    assert f'id="end-{enrolment.pk}"' in content
    assert f'data-code="{waiting.case.code}" data-position="1"' in content
    # Nobody has left the service yet: no basis for an estimate.
    assert 'class="muted no-estimate"' in content


def test_the_queue_shows_an_estimated_wait_once_children_have_left(
    client, caseworker, provider, site, full_site
):
    old = accepted(case=case_of(caseworker), site=site, creator=caseworker)
    Enrolment.objects.create(
        case=old.case,
        service_at_site=site,
        status=EnrolmentStatus.COMPLETED,
        started_at=timezone.now() - timedelta(days=60),
        ended_at=timezone.now() - timedelta(days=10),
    )
    response = _as(client, provider).get(reverse("waitlists:provider_slots"))
    (block,) = response.context["blocks"]
    assert block.queue[0].estimated_wait_days == 90.0
    assert 'class="estimate" data-days="90.0"' in response.content.decode()


def test_placing_accepted_referrals_enrols_then_waitlists(client, caseworker, provider, site):
    first = accepted(case=case_of(caseworker), site=site, creator=caseworker)
    second = accepted(case=case_of(caseworker), site=site, creator=caseworker)
    client.force_login(provider)
    content = client.get(reverse("waitlists:provider_slots")).content.decode()
    assert f'id="place-{first.pk}"' in content and f'id="place-{second.pk}"' in content

    response = client.post(reverse("waitlists:referral_place", args=[first.pk]))
    assert response.status_code == 302
    assert [tag for tag, _text in _messages(response)] == ["success"]
    first.refresh_from_db()
    assert first.status == ReferralStatus.IN_SERVICE
    assert Enrolment.objects.filter(referral=first, status=EnrolmentStatus.ACTIVE).exists()

    response = client.post(reverse("waitlists:referral_place", args=[second.pk]))
    assert response.status_code == 302
    tag, text = _last_message(response)
    assert tag == "info" and second.case.code in text and "1" in text
    second.refresh_from_db()
    assert second.status == ReferralStatus.WAITING
    assert WaitlistEntry.objects.get(referral=second).status == EntryStatus.WAITING

    # Twice: the referral is no longer accepted; the error shows, nothing changes.
    response = client.post(reverse("waitlists:referral_place", args=[second.pk]))
    assert response.status_code == 400
    assert 'id="stray-errors"' in response.content.decode()
    assert WaitlistEntry.objects.filter(referral=second).count() == 1


def test_another_organization_cannot_place_its_neighbours_referrals(
    client, caseworker, foreign_site, provider
):
    referral = accepted(case=case_of(caseworker), site=foreign_site, creator=caseworker)
    response = _as(client, provider).post(reverse("waitlists:referral_place", args=[referral.pk]))
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


@pytest.mark.parametrize("value", ["-1", "abc", "", "1000000"])
def test_a_bad_capacity_is_a_field_error(client, provider, site, value):
    response = _as(client, provider).post(
        reverse("waitlists:capacity_set", args=[site.pk]), {"capacity": value}
    )
    assert response.status_code == 400
    assert f'id="id_capacity_{site.pk}_capacity_errors"' in response.content.decode()
    site.refresh_from_db()
    assert site.capacity == 1


def test_setting_capacity_saves_and_offers_the_new_slots_to_the_queue(
    client, provider, site, full_site
):
    _inside, waiting = full_site
    response = _as(client, provider).post(
        reverse("waitlists:capacity_set", args=[site.pk]), {"capacity": "3"}
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.capacity == 3
    offer = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert offer.entry.case == waiting.case
    content = client.get(reverse("waitlists:provider_slots")).content.decode()
    (row,) = client.get(reverse("waitlists:provider_slots")).context["blocks"][0].sites
    assert (row.enrolled, row.held, row.free) == (1, 1, 1)
    assert "status-offered" in content


def test_the_capacity_of_another_organization_is_not_found(client, provider, foreign_site):
    response = _as(client, provider).post(
        reverse("waitlists:capacity_set", args=[foreign_site.pk]), {"capacity": "0"}
    )
    assert response.status_code == 404
    foreign_site.refresh_from_db()
    assert foreign_site.capacity == 10


def test_ending_an_enrolment_needs_feedback_when_completed_and_frees_the_slot(
    client, provider, site, full_site
):
    inside, waiting = full_site
    enrolment = Enrolment.objects.get(referral=inside)
    url = reverse("waitlists:enrolment_end", args=[enrolment.pk])
    client.force_login(provider)
    response = client.post(url, {"status": "completed", "feedback": "  "})
    assert response.status_code == 400
    assert f'id="id_end_{enrolment.pk}_feedback_errors"' in response.content.decode()
    response = client.post(url, {"status": "active"})
    assert response.status_code == 400
    assert f'id="id_end_{enrolment.pk}_status_errors"' in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    response = client.post(url, {"status": "completed", "feedback": "Terminó bien.", "note": ""})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    inside.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert inside.status == ReferralStatus.COMPLETED and inside.feedback == "Terminó bien."
    # The freed slot went to the child waiting.
    assert SlotOffer.objects.get(status=OfferStatus.PENDING).entry.case == waiting.case

    # Ending it again: the service's error, shown on top (the row is gone).
    response = client.post(url, {"status": "moved"})
    assert response.status_code == 400
    assert 'id="stray-errors"' in response.content.decode()


def test_another_provider_cannot_end_an_enrolment(client, other_org, full_site):
    enrolment = Enrolment.objects.get(referral=full_site[0])
    stranger = user_with_role(Role.PROVIDER, organization=other_org)
    response = _as(client, stranger).post(
        reverse("waitlists:enrolment_end", args=[enrolment.pk]), {"status": "moved"}
    )
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


# --- caseworker: the case's lists and offers --------------------------------------------------


def test_the_caseworker_sees_the_places_and_the_offer_of_the_case(client, caseworker, offered):
    case = offered.entry.case
    response = _as(client, caseworker).get(reverse("waitlists:case_waitlists", args=[case.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-entry="{offered.entry.pk}" data-position="1"' in content
    assert f'id="offer-form-{offered.pk}"' in content
    assert 'id="withdraw-form"' in content


def test_the_case_lists_are_forbidden_to_other_roles_and_unknown_to_other_teams(
    client, provider, coordinator, stranger_caseworker, offered
):
    case = offered.entry.case
    url = reverse("waitlists:case_waitlists", args=[case.pk])
    assert _as(client, provider).get(url).status_code == 403
    assert _as(client, coordinator).get(url).status_code == 403
    client.force_login(stranger_caseworker)
    assert client.get(url).status_code == 404
    answer = reverse("waitlists:offer_answer", args=[case.pk, offered.pk])
    assert client.post(answer, {"answer": "accept"}).status_code == 404
    assert client.post(reverse("waitlists:withdraw", args=[case.pk])).status_code == 404
    offered.refresh_from_db()
    assert offered.status == OfferStatus.PENDING


def test_accepting_an_offer_enrols_the_child(client, caseworker, offered):
    case = offered.entry.case
    url = reverse("waitlists:offer_answer", args=[case.pk, offered.pk])
    client.force_login(caseworker)
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    response = client.post(url, {"answer": "accept", "note": "La familia acepta."})
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == OfferStatus.ACCEPTED
    assert Enrolment.objects.filter(case=case, status=EnrolmentStatus.ACTIVE).exists()
    # Answered already: the error comes back, shown on top.
    response = client.post(url, {"answer": "decline"})
    assert response.status_code == 400
    assert 'id="stray-errors"' in response.content.decode()


def test_declining_an_offer_leaves_that_list(client, caseworker, offered):
    case = offered.entry.case
    response = _as(client, caseworker).post(
        reverse("waitlists:offer_answer", args=[case.pk, offered.pk]), {"answer": "decline"}
    )
    assert response.status_code == 302
    offered.refresh_from_db()
    offered.entry.refresh_from_db()
    assert offered.status == OfferStatus.DECLINED
    assert offered.entry.status == EntryStatus.WITHDRAWN


def test_an_offer_of_another_case_is_not_found_through_this_case(client, caseworker, offered):
    other_case = case_of(caseworker)
    response = _as(client, caseworker).post(
        reverse("waitlists:offer_answer", args=[other_case.pk, offered.pk]), {"answer": "accept"}
    )
    assert response.status_code == 404


def test_withdrawing_keeps_the_ticked_lists_only(client, caseworker):
    case = case_of(caseworker)
    keep, leave_one, leave_two = (ServiceAtSiteFactory().service for _ in range(3))
    entries = {
        service: WaitlistEntry.objects.create(case=case, service=service)
        for service in (keep, leave_one, leave_two)
    }
    url = reverse("waitlists:withdraw", args=[case.pk])
    client.force_login(caseworker)
    # Everything ticked: nothing would be left; an unknown entry: not a choice.
    everything = [str(e.pk) for e in entries.values()]
    response = client.post(url, {"keep": everything})
    assert response.status_code == 400
    assert 'id="id_withdraw_keep_errors"' in response.content.decode()
    response = client.post(url, {"keep": [str(uuid.uuid4())]})
    assert response.status_code == 400
    assert WaitlistEntry.objects.filter(status=EntryStatus.WAITING).count() == 3

    response = client.post(url, {"keep": [str(entries[keep].pk)], "note": "Eligió uno."})
    assert response.status_code == 302
    statuses = {s: WaitlistEntry.objects.get(pk=e.pk).status for s, e in entries.items()}
    assert statuses == {
        keep: EntryStatus.WAITING,
        leave_one: EntryStatus.WITHDRAWN,
        leave_two: EntryStatus.WITHDRAWN,
    }
