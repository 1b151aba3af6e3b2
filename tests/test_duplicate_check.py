"""Likely duplicates found at registration without revealing identities, and the link
that two teams agree on (a keyed hash of identity, birth date, sex and territory)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from accounts.models import Role
from cases.models import Case, CaseDuplicateKey, CaseLinkRequest, LinkRequestStatus
from cases.selectors_intake import (
    case_duplicate_find,
    duplicate_key_compute,
    name_normalise,
    national_id_normalise,
)
from cases.services import case_create, case_update
from cases.services.intake import case_link_answer, case_link_request
from notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import (
    OrganizationFactory,
    TerritoryFactory,
    api_client_for,
    signed_in,
    user_with_role,
)

BIRTH = date.today() - timedelta(days=9 * 365)


def _teams() -> dict[str, Any]:
    territory = TerritoryFactory()
    north = OrganizationFactory(name="Oficina Local Norte")
    south = OrganizationFactory(name="Oficina Local Sur")
    return {
        "territory": territory,
        "north": north,
        "south": south,
        "north_cw": user_with_role(Role.CASEWORKER, organization=north, username="norte"),
        "south_cw": user_with_role(Role.CASEWORKER, organization=south, username="sur"),
        "stranger": user_with_role(Role.CASEWORKER, username="ajena"),
    }


@pytest.fixture
def teams(db: None) -> dict[str, Any]:
    return _teams()


def _register(user: Any, organization: Any, **identity: Any) -> Case:
    return case_create(
        actor=user,
        organization=organization,
        birth_date=BIRTH,
        sex="female",
        home=Point(-70.6, -33.45, srid=4326),
        risk_level="moderate",
        access_route="referral",
        **identity,
    )


def test_names_are_compared_without_case_accents_spacing_or_word_order() -> None:
    assert name_normalise(full_name="  José  PÉREZ   Ana-María ") == name_normalise(
        full_name="ana maria perez jose"
    )
    assert name_normalise(full_name="Núñez") == "nunez"
    assert national_id_normalise(national_id="12.345.678-k") == "12345678K"


def test_the_key_is_keyed_and_depends_on_every_field(settings: Any) -> None:
    base = {
        "full_name": "Ana Pérez",
        "national_id": "1-9",
        "birth_date": BIRTH,
        "sex": "female",
        "territory_id": 1,
    }
    key = duplicate_key_compute(**base)
    assert key is not None and len(key) == 64
    for field, other in [
        ("full_name", "Ana Pérez Soto"),
        ("national_id", "2-7"),
        ("birth_date", BIRTH - timedelta(days=1)),
        ("sex", "male"),
        ("territory_id", 2),
    ]:
        assert duplicate_key_compute(**{**base, field: other}) != key, field
    settings.DUPLICATE_KEY_SECRET = "another secret"
    assert duplicate_key_compute(**base) != key
    assert duplicate_key_compute(**{**base, "full_name": "  "}) is None


@pytest.mark.django_db
def test_a_case_without_an_identity_has_no_key(teams: dict[str, Any]) -> None:
    case = _register(teams["north_cw"], teams["north"])
    assert not CaseDuplicateKey.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_the_check_is_one_query_through_the_key_s_index(teams: dict[str, Any]) -> None:
    case = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    key = CaseDuplicateKey.objects.get(case=case).key
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        found = case_duplicate_find(key=key)
    assert len(queries) == 1
    assert [d.organization_name for d in found] == ["Oficina Local Norte"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = CaseDuplicateKey.objects.filter(key=key).explain()
    assert "Index" in plan and "key" in plan


@pytest.mark.django_db
def test_a_second_team_registering_the_same_child_sees_only_the_first_team_s_name(
    teams: dict[str, Any],
) -> None:
    first = _register(
        teams["north_cw"], teams["north"], full_name="Ana María Pérez", national_id="12.345.678-5"
    )
    client = signed_in(teams["south_cw"])
    response = client.post(
        "/casos/nuevo/",
        {
            "birth_date": str(BIRTH),
            "sex": "female",
            "latitude": "-33.45",
            "longitude": "-70.6",
            "risk_level": "moderate",
            "access_route": "self_referral",
            "full_name": "perez  ANA maria",
            "national_id": "12345678-5",
        },
    )
    assert response.status_code == 302
    second = Case.objects.exclude(pk=first.pk).get()
    assert response["Location"] == f"/ingreso/casos/{second.pk}/vinculos/"
    page = client.get(response["Location"]).content.decode()
    assert "Oficina Local Norte" in page
    # Nothing of the other case: not its code, id or contents.
    assert first.code not in page and str(first.pk) not in page
    # The first team is not told anything until someone asks to link.
    assert not Notification.objects.filter(user=teams["north_cw"]).exists()


@pytest.mark.django_db
def test_the_api_checks_for_duplicates_before_registering_and_names_teams_only(
    teams: dict[str, Any],
) -> None:
    first = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    api = api_client_for(teams["south_cw"])
    body = {
        "full_name": "ana perez",
        "birth_date": str(BIRTH),
        "sex": "female",
        "latitude": -33.45,
        "longitude": -70.6,
    }
    response = api.post("/api/duplicate-check/", body, format="json")
    assert response.status_code == 200
    assert [d["team"] for d in response.json()["possible_duplicates"]] == ["Oficina Local Norte"]
    assert first.code not in response.content.decode()
    assert str(first.pk) not in response.content.decode()
    other = api.post("/api/duplicate-check/", {**body, "sex": "male"}, format="json")
    assert other.json()["possible_duplicates"] == []
    outside = api.post("/api/duplicate-check/", {**body, "latitude": 10.0}, format="json")
    assert outside.status_code == 400 and "latitude" in outside.json()
    provider = user_with_role(Role.PROVIDER, username="prest")
    assert api_client_for(provider).post("/api/duplicate-check/", body).status_code == 403


@pytest.mark.django_db
def test_a_link_request_tells_the_other_team_by_case_code_and_accepting_shows_codes_only(
    teams: dict[str, Any],
) -> None:
    first = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    second = _register(teams["south_cw"], teams["south"], full_name="Ana Pérez")
    south = signed_in(teams["south_cw"])
    asked = south.post(
        f"/ingreso/casos/{second.pk}/vinculos/pedir/", {"organization": str(teams["north"].pk)}
    )
    assert asked.status_code == 302
    link = CaseLinkRequest.objects.get()
    assert (link.from_case, link.to_case) == (second, first)
    note = Notification.objects.get(user=teams["north_cw"])
    assert first.code in note.text and second.code not in note.text
    assert "Ana" not in note.text
    # Before the answer, the asking team sees the other team, not its case code.
    assert first.code not in south.get(f"/ingreso/casos/{second.pk}/vinculos/").content.decode()
    north = signed_in(teams["north_cw"])
    listing = north.get("/ingreso/vinculos/").content.decode()
    assert f'id="link-{link.pk}"' in listing and second.code not in listing
    answered = north.post(f"/ingreso/vinculos/{link.pk}/responder/", {"decision": "accept"})
    assert answered.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkRequestStatus.ACCEPTED
    south_page = south.get(f"/ingreso/casos/{second.pk}/vinculos/").content.decode()
    north_page = north.get(f"/ingreso/casos/{first.pk}/vinculos/").content.decode()
    assert first.code in south_page and "Oficina Local Norte" in south_page
    assert second.code in north_page and "Oficina Local Sur" in north_page
    # A stranger sees neither the request nor the pages.
    stranger = signed_in(teams["stranger"])
    assert (
        stranger.post(f"/ingreso/vinculos/{link.pk}/responder/", {"decision": "refuse"}).status_code
        == 404
    )
    assert stranger.get(f"/ingreso/casos/{first.pk}/vinculos/").status_code == 404


@pytest.mark.django_db
def test_a_team_may_only_ask_a_team_that_holds_a_possible_duplicate(
    teams: dict[str, Any],
) -> None:
    _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    lone = _register(teams["south_cw"], teams["south"], full_name="Berta Soto")
    api = api_client_for(teams["south_cw"])
    response = api.post(
        f"/api/cases/{lone.pk}/links/", {"organization_id": str(teams["north"].pk)}, format="json"
    )
    assert response.status_code == 400 and "organization_id" in response.json()
    assert not CaseLinkRequest.objects.exists()


@pytest.mark.django_db
def test_refusing_a_link_keeps_the_codes_hidden(teams: dict[str, Any]) -> None:
    first = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    second = _register(teams["south_cw"], teams["south"], full_name="Ana Pérez")
    link = case_link_request(actor=teams["south_cw"], case=second, organization=teams["north"])
    case_link_answer(actor=teams["north_cw"], link_request=link, accept=False)
    api = api_client_for(teams["south_cw"])
    links = api.get(f"/api/cases/{second.pk}/links/").json()
    assert links["links"][0]["status"] == "refused"
    assert links["links"][0]["other_case_code"] == ""
    assert first.code not in str(links)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_to_one_link_request_at_once_one_wins_the_other_is_a_conflict() -> None:
    teams = _teams()
    _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    second = _register(teams["south_cw"], teams["south"], full_name="Ana Pérez")
    link = case_link_request(actor=teams["south_cw"], case=second, organization=teams["north"])
    colleague = user_with_role(Role.CASEWORKER, organization=teams["north"], username="norte2")
    answers = iter([(teams["north_cw"], True), (colleague, False)])

    def answer() -> int:
        user, accept = next(answers)
        response = api_client_for(user).post(
            f"/api/link-requests/{link.pk}/answer/", {"accept": accept}, format="json"
        )
        return int(response.status_code)

    statuses = sorted(at_once(answer))
    assert statuses == [200, 409]
    link.refresh_from_db()
    assert link.status in (LinkRequestStatus.ACCEPTED, LinkRequestStatus.REFUSED)
    assert link.answered_by is not None


@pytest.mark.django_db
def test_the_team_deciding_a_report_sees_which_teams_may_hold_its_child(
    teams: dict[str, Any],
) -> None:
    from cases.services.intake import report_register

    first = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    report = report_register(
        actor=teams["north_cw"],
        receiving_organization=teams["north"],
        addressed_to=teams["south"],
        modality="referral",
        observed="Derivada por la escuela.",
        concern_types=["school_absence"],
        urgency="moderate",
        reporter_institution="Escuela 3",
        child_full_name="PEREZ ana",
        child_birth_date=BIRTH,
        child_sex="female",
        child_home=Point(-70.6, -33.45, srid=4326),
    )
    page = signed_in(teams["south_cw"]).get(f"/ingreso/reportes/{report.pk}/").content.decode()
    assert 'id="report-duplicates"' in page and "Oficina Local Norte" in page
    assert first.code not in page
    # The receiving side does not decide, and is not shown the check.
    sender = signed_in(teams["north_cw"]).get(f"/ingreso/reportes/{report.pk}/").content.decode()
    assert 'id="report-duplicates"' not in sender


@pytest.mark.django_db
def test_a_corrected_birth_date_moves_the_key_so_the_next_registration_still_finds_the_case(
    teams: dict[str, Any],
) -> None:
    case = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    before = CaseDuplicateKey.objects.get(case=case).key
    corrected = BIRTH - timedelta(days=40)
    case_update(actor=teams["north_cw"], case=case, birth_date=corrected)
    after = CaseDuplicateKey.objects.get(case=case).key
    assert after != before
    assert after == duplicate_key_compute(
        full_name="ana perez",
        national_id="",
        birth_date=corrected,
        sex="female",
        territory_id=case.territory_id,
    )
    assert case_duplicate_find(key=before) == []
    assert [d.organization_id for d in case_duplicate_find(key=after)] == [teams["north"].pk]


@pytest.mark.django_db
def test_editing_the_risk_level_leaves_the_key_alone(teams: dict[str, Any]) -> None:
    case = _register(teams["north_cw"], teams["north"], full_name="Ana Pérez")
    before = CaseDuplicateKey.objects.get(case=case).key
    case_update(actor=teams["north_cw"], case=case, risk_level="high")
    assert CaseDuplicateKey.objects.get(case=case).key == before


def _api_register(user: Any, **identity: Any) -> Any:
    payload = {
        "birth_date": str(BIRTH),
        "sex": "female",
        "latitude": -33.45,
        "longitude": -70.6,
        "risk_level": "moderate",
        "access_route": "referral",
        **identity,
    }
    return api_client_for(user).post("/api/cases/", payload, format="json")


@pytest.mark.django_db
def test_a_case_registered_through_the_api_with_an_identity_is_found_by_the_next_team(
    teams: dict[str, Any],
) -> None:
    first = _api_register(teams["north_cw"], full_name="Ana Pérez", national_id="12.345.678-5")
    assert first.status_code == 201, first.json()
    assert first.json()["possible_duplicates"] == []
    second = _api_register(teams["south_cw"], full_name="PÉREZ  ana", national_id="123456785")
    assert second.status_code == 201, second.json()
    assert second.json()["possible_duplicates"] == [
        {"organization_id": str(teams["north"].pk), "organization_name": "Oficina Local Norte"}
    ]
    text = second.content.decode()
    assert "Ana" not in text and "12345678" not in text and first.json()["code"] not in text


@pytest.mark.django_db
def test_a_national_id_without_a_name_is_refused_naming_the_field(teams: dict[str, Any]) -> None:
    response = _api_register(teams["north_cw"], national_id="1-9")
    assert response.status_code == 400
    assert "full_name" in response.json()
    assert not Case.objects.exists()
