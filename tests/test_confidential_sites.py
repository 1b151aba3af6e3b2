"""Confidential sites (issue 20): no public page, endpoint, export or cluster puts a
protection residence closer than its published area; only the roles that need it see
the exact point, and every view of it is audited.

The attack: read every number that looks like a latitude or a longitude in a public
answer, try every pair of them as a point, and fail if any lies within 1 km of the
true point. Distances are read too: none may place the point closer than its area.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from directory.confidential import (
    AREA_RADIUS_M,
    published_area,
    site_exact_location_allowed,
)
from directory.models import TaxonomyTerm
from matching.models import Referral, ReferralStatus
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    case_of,
    user_with_role,
)

pytestmark = pytest.mark.django_db

TRUE_POINT = Point(-70.62, -33.43, srid=4326)
SECRET_ADDRESS = "Pasaje Reservado 4471"
MIN_M = 1000.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1 = map(math.radians, a)
    lon2, lat2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def closest_recovered_m(text: str) -> float:
    """The nearest any pair (lon, lat) of numbers in ``text`` comes to the true point."""
    numbers = {float(n) for n in NUMBER.findall(text)}
    lats = [n for n in numbers if -34.0 < n < -33.0]
    lons = [n for n in numbers if -71.0 < n < -70.0]
    best = math.inf
    for lat in lats:
        for lon in lons:
            best = min(best, metres((lon, lat), TRUE_POINT.coords))
    return best


def assert_not_revealed(text: str, where: str) -> None:
    assert SECRET_ADDRESS not in text, where
    assert closest_recovered_m(text) >= MIN_M, where


@pytest.fixture
def world() -> dict[str, Any]:
    TerritoryFactory()
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    residence_org = OrganizationFactory(name="Residencia Protegida")
    hidden = ServiceAtSiteFactory(
        service__organization=residence_org,
        service__name="Residencia de protección",
        service__email="contacto@residencia.invalid",
        site__point=TRUE_POINT,
        site__address_1=SECRET_ADDRESS,
        site__postal_code="8320000",
        site__confidential=True,
    )
    hidden.service.categories.add(term)
    # An ordinary service 8 km away: its own coordinates must not pair up to the point.
    ordinary = ServiceAtSiteFactory(
        service__name="Centro psicológico comunal",
        site__point=Point(-70.55, -33.48, srid=4326),
    )
    ordinary.service.categories.add(term)
    return {"hidden": hidden, "ordinary": ordinary, "org": residence_org, "term": term}


def test_the_published_area_is_a_disc_of_at_least_1_km_off_the_point_and_holding_it(world):
    site = world["hidden"].site
    area = published_area(site_id=site.pk, point=site.point)
    offset = metres(area.centre.coords, TRUE_POINT.coords)
    assert area.radius_m >= MIN_M
    assert MIN_M <= offset < area.radius_m
    # Deterministic: a second request cannot average it away.
    assert published_area(site_id=site.pk, point=site.point).centre == area.centre


PROBES = [
    (TRUE_POINT.y, TRUE_POINT.x),
    (TRUE_POINT.y + 0.004, TRUE_POINT.x),
    (TRUE_POINT.y, TRUE_POINT.x + 0.004),
    (TRUE_POINT.y - 0.003, TRUE_POINT.x - 0.003),
]


def public_urls(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    hidden, ordinary = world["hidden"], world["ordinary"]
    card = reverse("maps:service_card", args=[hidden.pk])
    urls: list[tuple[str, dict[str, Any]]] = [
        (card, {}),
        (card, {"fragment": "1"}),
        (reverse("maps:service_search"), {"q": "residencia"}),
        (reverse("maps:service_search"), {"page": "1"}),
        (reverse("maps:service_map_list"), {}),
        (reverse("directory:service-search"), {"q": "residencia"}),
        (reverse("directory:geo-services"), {}),
        (reverse("directory:geo-sites"), {}),
        (reverse("directory:hsds:services"), {}),
        (reverse("directory:hsds:service", args=[hidden.service_id]), {}),
        (reverse("directory:hsds:service_at_locations"), {}),
        (reverse("directory:hsds:service_at_location", args=[hidden.pk]), {}),
        (reverse("directory:hsds:organization", args=[world["org"].pk]), {}),
        (reverse("directory:hsds:organization", args=[world["org"].pk]), {"full_service": "1"}),
        (reverse("directory:hsds:service", args=[ordinary.service_id]), {}),
    ]
    for lat, lon in PROBES:
        near = {"lat": lat, "lon": lon}
        urls += [
            (reverse("maps:service_search"), near),
            (reverse("directory:service-search"), near),
            (reverse("directory:geo-services"), near),
            (reverse("directory:hsds:services"), near),
            (reverse("directory:hsds:service_at_locations"), near),
        ]
    for zoom in (10, 13, 15, 17, 19):
        bbox = "-70.7,-33.5,-70.5,-33.4"
        urls += [
            (reverse("maps:service_map_data"), {"bbox": bbox, "zoom": zoom}),
            (reverse("maps:service_map_list"), {"bbox": bbox, "zoom": zoom}),
        ]
    return urls


def test_no_public_page_or_endpoint_reveals_the_point_or_the_address(client, world):
    for url, params in public_urls(world):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])
        text = response.content.decode()
        for value in params.values():  # what the client sent and is echoed is no news
            text = text.replace(str(value), "")
        assert_not_revealed(text, f"{url} {params}")


def test_the_card_shows_the_approximate_area_and_a_contact(client, world):
    body = client.get(reverse("maps:service_card", args=[world["hidden"].pk])).content.decode()
    assert "Ubicación confidencial" in body or "Confidential location" in body
    assert "contacto@residencia.invalid" in body


def test_a_cluster_never_isolates_the_point_at_any_zoom(client, world):
    for zoom in range(8, 20):
        for bbox in ("-70.7,-33.5,-70.5,-33.4", "-70.63,-33.44,-70.61,-33.42"):
            data = client.get(reverse("maps:service_map_data"), {"bbox": bbox, "zoom": zoom})
            for feature in data.json()["features"]:
                lon, lat = feature["geometry"]["coordinates"]
                assert metres((lon, lat), TRUE_POINT.coords) >= MIN_M, zoom
                for value in feature["properties"].get("bounds", []) or []:
                    assert isinstance(value, float)
                assert_not_revealed(json.dumps(feature), f"cluster z{zoom}")


def test_public_distances_are_whole_km_from_the_area_never_below_its_radius(client, world):
    hidden = str(world["hidden"].pk)
    for lat, lon in PROBES:
        page = client.get(reverse("directory:service-search"), {"lat": lat, "lon": lon}).json()
        found = [r for r in page["results"] if r["service_at_site_id"] == hidden]
        assert found
        distance = found[0]["distance_m"]
        assert distance >= AREA_RADIUS_M and distance % 1000 == 0
        links = client.get(
            reverse("directory:hsds:service_at_locations"), {"lat": lat, "lon": lon}
        ).json()
        (link,) = [c for c in links["contents"] if c["id"] == hidden]
        assert link["distance"] >= AREA_RADIUS_M and link["distance"] % 1000 == 0
        assert "distance" not in next(
            s
            for s in client.get(
                reverse("directory:hsds:services"), {"lat": lat, "lon": lon}
            ).json()["contents"]
            if s["id"] == str(world["hidden"].service_id)
        )


def test_shrinking_radii_find_no_closer_bound_than_the_published_centre(client, world):
    """A radius filter measures a confidential site from its published centre: the
    smallest radius that still finds it, from the true point, is the centre's offset."""
    site = world["hidden"].site
    centre = published_area(site_id=site.pk, point=site.point).centre
    offset = metres(centre.coords, TRUE_POINT.coords)
    near = {"lat": TRUE_POINT.y, "lon": TRUE_POINT.x}
    hidden = str(world["hidden"].pk)
    for radius in (100, 500, 900, offset - 50):
        page = client.get(reverse("directory:service-search"), {**near, "radius": radius}).json()
        assert hidden not in [r["service_at_site_id"] for r in page["results"]], radius
        links = client.get(
            reverse("directory:hsds:service_at_locations"), {**near, "radius": radius}
        ).json()
        assert hidden not in [c["id"] for c in links["contents"]], radius
    page = client.get(reverse("directory:service-search"), {**near, "radius": offset + 50}).json()
    assert hidden in [r["service_at_site_id"] for r in page["results"]]


def test_the_postcode_of_a_confidential_site_finds_nothing(client, world):
    response = client.get(reverse("directory:hsds:services"), {"postcode": "8320000"})
    assert response.json()["contents"] == []


def test_the_hsds_export_marks_the_location_redacted_without_address_or_point(client, world):
    response = client.get(reverse("directory:hsds:export_zip"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8", errors="replace")
        assert_not_revealed(text, name)
    location = client.get(
        reverse("directory:hsds:service_at_location", args=[world["hidden"].pk])
    ).json()["location"]
    assert location["redacted"] is True
    assert location["addresses"] == []
    assert location["approximate_radius"] >= MIN_M


def test_the_hsds_documents_still_validate_with_the_profile(client, world):
    from directory.hsds.schemas import validation_errors

    document = client.get(
        reverse("directory:hsds:service_at_location", args=[world["hidden"].pk])
    ).json()
    assert validation_errors(document, "service_at_location", profiled=True) == []


# --- who sees the exact point -----------------------------------------------------


def card_of(client: Any, world: dict[str, Any]) -> str:
    return client.get(reverse("maps:service_card", args=[world["hidden"].pk])).content.decode()


def audited(user: Any, action: str) -> bool:
    return AuditEntry.objects.filter(
        record_type=AuditRecordType.CONFIDENTIAL_SITE, user=user, action=action
    ).exists()


def test_the_sites_own_provider_and_a_coordinator_see_the_exact_address_audited(client, world):
    for user in (
        user_with_role(Role.PROVIDER, organization=world["org"]),
        user_with_role(Role.COORDINATOR),
    ):
        client.force_login(user)
        assert SECRET_ADDRESS in card_of(client, world)
        assert audited(user, AuditAction.READ)


def test_a_caseworker_another_provider_and_a_planner_are_refused_the_point(client, world):
    for user in (
        user_with_role(Role.CASEWORKER),
        user_with_role(Role.PROVIDER),
        user_with_role(Role.PLANNER),
    ):
        client.force_login(user)
        body = card_of(client, world)
        assert_not_revealed(body, user.username)
        assert audited(user, AuditAction.REFUSED)
        assert not site_exact_location_allowed(user=user, site=world["hidden"].site)


def referral_to(world: dict[str, Any], caseworker: Any, status: str) -> Referral:
    from cases.services import case_need_add

    case = case_of(caseworker)
    need = case_need_add(actor=caseworker, case=case, term=world["term"])
    return Referral.objects.create(
        case=case,
        need=need,
        service=world["hidden"].service,
        service_at_site=world["hidden"],
        status=status,
        created_by=caseworker,
    )


def test_the_caseworker_sees_the_point_once_the_referral_there_is_accepted(client, world):
    caseworker = user_with_role(Role.CASEWORKER)
    referral = referral_to(world, caseworker, ReferralStatus.SENT)
    client.force_login(caseworker)
    assert SECRET_ADDRESS not in card_of(client, world)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACCEPTED)
    assert SECRET_ADDRESS in card_of(client, world)
    assert audited(caseworker, AuditAction.READ)
    # A colleague of another team, with no referral there, still may not.
    other = user_with_role(Role.CASEWORKER)
    assert not site_exact_location_allowed(user=other, site=world["hidden"].site)


def test_anonymous_visitors_are_refused_and_the_refusal_is_audited(client, world):
    assert SECRET_ADDRESS not in card_of(client, world)
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.CONFIDENTIAL_SITE, action=AuditAction.REFUSED, user=None
    ).exists()


def test_a_redacted_copy_cannot_be_saved(world):
    from directory.confidential import site_redact

    site = site_redact(world["hidden"].site)
    with pytest.raises(ValueError):
        site.save()


def test_referral_options_show_a_caseworker_only_the_area_until_accepted(client, world):
    from cases.services import case_need_add, consent_record
    from tests.factories import api_client_for

    caseworker = user_with_role(Role.CASEWORKER)
    case = case_of(caseworker, home=Point(TRUE_POINT.x + 0.001, TRUE_POINT.y, srid=4326))
    case_need_add(actor=caseworker, case=case, term=world["term"])
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=["referral"])
    client.force_login(caseworker)
    page = client.get(reverse("matching:case_options", args=[case.pk]))
    assert page.status_code == 200
    assert "Residencia de protección" in page.content.decode()
    text = page.content.decode()
    for number in (str(case.home.x), str(case.home.y)):  # the child's home is theirs
        text = text.replace(number, "")
    assert_not_revealed(text, "options page")
    api = api_client_for(caseworker)
    data = api.get(reverse("matching-api:case-options", args=[case.pk]))
    assert data.status_code == 200, data.content[:300]
    body = data.content.decode()
    for number in (str(case.home.x), str(case.home.y)):
        body = body.replace(number, "")
    assert_not_revealed(body, "options API")
    hidden = [
        o for o in data.json()["eligible"] if o["service_at_site_id"] == str(world["hidden"].pk)
    ]
    assert hidden and hidden[0]["distance_m"] >= AREA_RADIUS_M
