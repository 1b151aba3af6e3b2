"""Capacity as the referral standards describe it: derived from slots and waitlists
where Puente knows them, declared by the provider otherwise, and published on the card,
the search, the options, the referral form, the map filter and HSDS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from cases.services import case_need_add
from directory.capacity import CapacityStatus
from directory.hsds.schemas import validation_errors
from directory.models import Eligibility, TaxonomyTerm
from directory.selectors.capacity import service_at_site_capacity_state
from matching.options import referral_options
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, signed_in
from waitlists.models import Enrolment, WaitlistEntry

pytestmark = pytest.mark.django_db

HOME = Point(-70.6, -33.45, srid=4326)
PSY = "specialized.psychological_care"


def offer(*, name="Terapia", capacity=2, lon=-70.601, **fields):
    sas = ServiceAtSiteFactory(
        service__name=name, site__point=Point(lon, -33.45, srid=4326), capacity=capacity, **fields
    )
    sas.service.categories.add(TaxonomyTerm.objects.get(code=PSY))
    return sas


@pytest.fixture
def child(caseworker):
    TerritoryFactory()
    case = case_of(caseworker, home=HOME)
    need = case_need_add(actor=caseworker, case=case, term=TaxonomyTerm.objects.get(code=PSY))
    return case, need


def _fill(sas, caseworker, n):
    for _ in range(n):
        Enrolment.objects.create(case=case_of(caseworker, home=HOME), service_at_site=sas)


def _queue(sas, caseworker, days):
    for d in days:
        WaitlistEntry.objects.create(
            case=case_of(caseworker, home=HOME),
            service=sas.service,
            requested_at=timezone.now() - timedelta(days=d),
        )


def test_free_slots_mean_capacity(db):
    state = service_at_site_capacity_state(service_at_site=offer())
    assert (state.status, state.derived, state.free_slots) == (CapacityStatus.HAS_CAPACITY, True, 2)


def test_full_slots_without_a_queue_mean_no_capacity(caseworker):
    sas = offer()
    _fill(sas, caseworker, 2)
    state = service_at_site_capacity_state(service_at_site=sas)
    assert state.status == CapacityStatus.NO_CAPACITY and state.without_capacity


def test_full_slots_with_a_queue_mean_a_waitlist_with_its_median_wait(caseworker):
    sas = offer()
    _fill(sas, caseworker, 2)
    _queue(sas, caseworker, [10, 20, 40])
    state = service_at_site_capacity_state(service_at_site=sas)
    assert state.status == CapacityStatus.WAITLIST
    assert state.median_wait_days is not None and 19.5 <= state.median_wait_days <= 20.5
    assert "20" in state.wait_sentence


def test_a_declared_assessment_first_wins_over_the_counts(db):
    sas = offer(declared_capacity_status=CapacityStatus.ASSESSMENT_REQUIRED)
    assert service_at_site_capacity_state(service_at_site=sas).status == (
        CapacityStatus.ASSESSMENT_REQUIRED
    )


def test_without_slots_or_queue_the_providers_word_is_used(db):
    sas = offer(capacity=0, declared_capacity_status=CapacityStatus.WAITLIST, declared_wait_days=30)
    state = service_at_site_capacity_state(service_at_site=sas)
    assert (state.status, state.derived, state.median_wait_days) == ("waitlist", False, 30.0)
    unknown = service_at_site_capacity_state(service_at_site=offer(capacity=0, name="Otra"))
    assert unknown.status == "" and not unknown.without_capacity


def test_options_weigh_and_explain_the_status_and_the_form_warns_with_the_wait(child, caseworker):
    case, need = child
    free = offer(name="Con cupo", lon=-70.6012)
    waiting = offer(name="Con lista", lon=-70.601)
    _fill(waiting, caseworker, 2)
    _queue(waiting, caseworker, [12, 14])
    options = referral_options(case=case, need=need)
    by_name = {o.service_at_site.service.name: o for o in options.eligible}
    assert options.eligible[0].service_at_site == free
    reason = next(r for r in by_name["Con lista"].reasons if r.code == "availability")
    assert "waitlist" in reason.sentence.lower() or "lista" in reason.sentence.lower()
    assert "13" in reason.sentence

    page = signed_in(caseworker).get(f"/casos/{case.pk}/opciones/?need={need.pk}")
    html = page.content.decode()
    assert f'id="capacity-warning-{waiting.pk}"' in html
    assert f'id="capacity-warning-{free.pk}"' not in html


def test_the_card_and_the_search_say_the_status(client, caseworker):
    sas = offer(name="Terapia Breve")
    _fill(sas, caseworker, 2)
    _queue(sas, caseworker, [8])
    card = client.get(f"/mapa/ficha/{sas.pk}/").content.decode()
    assert 'data-status="waitlist"' in card
    results = client.get("/buscar/", {"q": "terapia"}).content.decode()
    assert 'data-status="waitlist"' in results


def test_the_map_filters_by_status(client, caseworker):
    open_one = offer(name="Abierta")
    full = offer(name="Llena", lon=-70.602)
    _fill(full, caseworker, 2)
    params = {"bbox": "-70.7,-33.5,-70.5,-33.4", "zoom": 18}
    everything = client.get("/mapa/servicios.geojson", params).json()
    assert len(everything["features"]) == 2
    only_full = client.get(
        "/mapa/servicios.geojson", {**params, "capacity_status": "no_capacity"}
    ).json()
    assert len(only_full["features"]) == 1
    assert str(open_one.pk) not in str(only_full) and str(full.pk) in str(only_full)
    bad = client.get("/mapa/servicios.geojson", {**params, "capacity_status": "lots"})
    assert bad.status_code == 400 and "capacity_status" in bad.content.decode()


def test_hsds_publishes_the_status_per_location_and_validates_against_the_schemas(
    client, caseworker
):
    sas = offer(name="Terapia HSDS")
    _fill(sas, caseworker, 2)
    _queue(sas, caseworker, [5, 7])
    sas.service.verified_by_label = "Coordinación local"
    sas.service.save()
    Eligibility.objects.filter(service=sas.service).update(min_age=5)
    body = client.get(f"/api/hsds/services/{sas.service_id}").json()
    (capacity,) = body["capacities"]
    assert capacity["capacity_status"] == "waitlist"
    assert capacity["available"] == 0 and capacity["maximum"] == 2
    assert 5.5 <= capacity["median_wait_days"] <= 6.5
    assert body["capacity_status"] == "waitlist"
    assert body["verified_by"] == "Coordinación local"
    assert validation_errors(body, "service") == []
    assert validation_errors(body, "service", profiled=True) == []
    capacity_only = {k: v for k, v in capacity.items() if k in {"id", "unit", "available"}}
    capacity_only["updated"] = capacity["updated"]
    assert validation_errors(capacity_only, "service_capacity") == []
    listing = client.get("/api/hsds/services", {"per_page": 10}).json()
    assert validation_errors(listing["contents"][0], "service", profiled=True) == []
