"""The assessment's pages and API: who may read, assess and decide, and what they see."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import Assessment, AssessmentDecision, ConsentScope, PartnerRole
from cases.services import consent_record
from cases.services.assessment import assessment_domain_record, assessment_start
from cases.services.partners import case_partner_add
from tests.factories import (
    OrganizationFactory,
    api_client_for,
    case_of,
    signed_in,
    user_with_role,
)

pytestmark = pytest.mark.django_db

UNSAFE = {
    "answer_violencia-hogar": "2",
    "answer_adulto-protector": "0",
    "answer_trabajo-infantil": "0",
}


@pytest.fixture(autouse=True)
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    health = OrganizationFactory(name="CESFAM Sur")
    caseworker = user_with_role(Role.CASEWORKER, lead, username="ana")
    nurse = user_with_role(Role.CASEWORKER, health, username="enfermera")
    supervisor = user_with_role(Role.SUPERVISOR, lead, username="sup")
    stranger = user_with_role(Role.CASEWORKER, OrganizationFactory(), username="otra")
    case = case_of(caseworker)
    case_partner_add(
        actor=caseworker, case=case, organization_id=health.pk, role=PartnerRole.PROVIDER
    )
    return {
        "caseworker": caseworker,
        "nurse": nurse,
        "supervisor": supervisor,
        "stranger": stranger,
        "case": case,
    }


def _share(world: dict[str, Any]) -> None:
    consent_record(
        actor=world["caseworker"],
        case=world["case"],
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )


def _open(world: dict[str, Any]) -> Assessment:
    return assessment_start(actor=world["caseworker"], case=world["case"])


def _page(world: dict[str, Any]) -> str:
    return reverse("cases:case_assessments", args=[world["case"].pk])


def _domain_url(world: dict[str, Any], assessment: Assessment, code: str) -> str:
    return reverse("cases:assessment_domain", args=[world["case"].pk, assessment.pk, code])


# --- the pages ------------------------------------------------------------------------


def test_the_caseworker_assesses_a_domain_and_sees_the_suggestion_with_its_reasons(
    world: dict[str, Any],
) -> None:
    client = signed_in(world["caseworker"])
    assert (
        client.post(reverse("cases:assessment_start", args=[world["case"].pk])).status_code == 302
    )
    assessment = Assessment.objects.get(case=world["case"])
    response = client.post(_domain_url(world, assessment, "seguridad"), UNSAFE)
    assert response.status_code == 302
    page = client.get(_page(world)).content.decode()
    assert 'data-level="moderate"' in page
    assert 'data-item="violencia-hogar"' in page
    assert 'data-need="protection"' in page
    assert 'id="decide-form"' in page
    assert 'id="assessment-domains"' in page  # the chart, with its table


def test_a_missing_answer_is_named_and_nothing_is_saved(world: dict[str, Any]) -> None:
    assessment = _open(world)
    response = signed_in(world["caseworker"]).post(
        _domain_url(world, assessment, "seguridad"), {"answer_violencia-hogar": "2"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert 'class="choices item has-error" id="item-answer_adulto-protector"' in content
    assert 'class="choices item" id="item-answer_violencia-hogar"' in content
    assert not assessment.entries.exists()


def test_the_override_on_the_page_asks_for_a_reason(world: dict[str, Any]) -> None:
    assessment = _open(world)
    client = signed_in(world["caseworker"])
    client.post(_domain_url(world, assessment, "seguridad"), UNSAFE)
    url = reverse("cases:assessment_decide", args=[world["case"].pk, assessment.pk])
    refused = client.post(url, {"risk_level": "very_high"})
    assert refused.status_code == 400
    assert 'id="id_decide_reason_errors"' in refused.content.decode()
    done = client.post(url, {"risk_level": "very_high", "reason": "Amenaza relatada"})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.decision == AssessmentDecision.OVERRIDDEN
    again = client.post(url, {"risk_level": "low", "reason": "otra"})
    assert again.status_code == 409


def test_a_partner_with_the_consent_sees_what_was_assessed_before_assessing_again(
    world: dict[str, Any],
) -> None:
    _share(world)
    assessment = _open(world)
    signed_in(world["caseworker"]).post(_domain_url(world, assessment, "seguridad"), UNSAFE)
    assessment.decision = AssessmentDecision.ACCEPTED
    assessment.save()
    second = _open(world)
    client = signed_in(world["nurse"])
    form = client.get(_domain_url(world, second, "seguridad"))
    assert form.status_code == 200
    content = form.content.decode()
    assert 'id="earlier-list"' in content and "OPD Norte" in content
    without_reason = client.post(_domain_url(world, second, "seguridad"), UNSAFE)
    assert without_reason.status_code == 400
    with_reason = client.post(
        _domain_url(world, second, "seguridad"), {**UNSAFE, "repeat_reason": "Nueva alerta"}
    )
    assert with_reason.status_code == 302
    assert second.entries.get().is_repeat


def test_a_partner_without_the_consent_to_share_is_refused(world: dict[str, Any]) -> None:
    assessment = _open(world)
    client = signed_in(world["nurse"])
    assert client.get(_page(world)).status_code == 403
    assert client.get(_domain_url(world, assessment, "salud")).status_code == 403
    api = api_client_for(world["nurse"])
    url = reverse("cases-api:assessments", args=[world["case"].pk])
    assert api.get(url).status_code == 403
    assert AuditEntry.objects.filter(
        user=world["nurse"], action=AuditAction.REFUSED, record_type=AuditRecordType.ASSESSMENT
    ).exists()


def test_a_user_of_an_unrelated_organization_gets_a_404_everywhere(world: dict[str, Any]) -> None:
    assessment = _open(world)
    client = signed_in(world["stranger"])
    case_id = world["case"].pk
    assert client.get(_page(world)).status_code == 404
    assert client.get(_domain_url(world, assessment, "salud")).status_code == 404
    assert client.post(reverse("cases:assessment_start", args=[case_id])).status_code == 404
    assert (
        client.post(reverse("cases:assessment_decide", args=[case_id, assessment.pk])).status_code
        == 404
    )
    api = api_client_for(world["stranger"])
    assert api.get(reverse("cases-api:assessments", args=[case_id])).status_code == 404
    assert (
        api.get(reverse("cases-api:assessment", args=[case_id, assessment.pk])).status_code == 404
    )
    assert (
        api.post(
            reverse("cases-api:assessment-domains", args=[case_id, assessment.pk]),
            {"domain": "salud", "answers": {}},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            reverse("cases-api:assessment-decision", args=[case_id, assessment.pk]),
            {"risk_level": "low"},
            format="json",
        ).status_code
        == 404
    )
    assert AuditEntry.objects.filter(
        user=world["stranger"], action=AuditAction.REFUSED, record_type=AuditRecordType.ASSESSMENT
    ).exists()


def test_the_supervisor_reads_but_does_not_assess_or_decide(world: dict[str, Any]) -> None:
    assessment = _open(world)
    client = signed_in(world["supervisor"])
    page = client.get(_page(world))
    assert page.status_code == 200 and 'id="decide-form"' not in page.content.decode()
    assert client.get(_domain_url(world, assessment, "salud")).status_code == 403


def test_a_partner_cannot_decide_even_with_the_consent(world: dict[str, Any]) -> None:
    _share(world)
    assessment = _open(world)
    api = api_client_for(world["nurse"])
    response = api.post(
        reverse("cases-api:assessment-decision", args=[world["case"].pk, assessment.pk]),
        {"risk_level": "low"},
        format="json",
    )
    assert response.status_code == 403


# --- the API ----------------------------------------------------------------------------


def test_the_api_walks_start_assess_and_accept(world: dict[str, Any]) -> None:
    api = api_client_for(world["caseworker"])
    case_id = world["case"].pk
    started = api.post(reverse("cases-api:assessments", args=[case_id]))
    assert started.status_code == 201
    assessment_id = started.json()["id"]
    assert api.post(reverse("cases-api:assessments", args=[case_id])).status_code == 409
    domains = reverse("cases-api:assessment-domains", args=[case_id, assessment_id])
    bad = api.post(
        domains,
        {"domain": "seguridad", "answers": {"violencia-hogar": 9}},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {
        "answer_violencia-hogar",
        "answer_adulto-protector",
        "answer_trabajo-infantil",
    }
    entry = api.post(
        domains,
        {
            "domain": "seguridad",
            "answers": {"violencia-hogar": 2, "adulto-protector": 0, "trabajo-infantil": 0},
        },
        format="json",
    )
    assert entry.status_code == 201
    detail = api.get(reverse("cases-api:assessment", args=[case_id, assessment_id])).json()
    assert detail["suggested_risk_level"] == "moderate"
    needs = [need["code"] for need in detail["suggestion"]["needs"]]
    decision = api.post(
        reverse("cases-api:assessment-decision", args=[case_id, assessment_id]),
        {"risk_level": "moderate", "needs": needs},
        format="json",
    )
    assert decision.status_code == 200
    assert decision.json()["decision"] == "accepted"
    assert sorted(decision.json()["accepted_needs"]) == sorted(needs)
    world["case"].refresh_from_db()
    assert world["case"].risk_level == "moderate"


def test_the_api_lists_the_recent_assessments_of_a_domain(world: dict[str, Any]) -> None:
    assessment = _open(world)
    assessment_domain_record(
        actor=world["caseworker"],
        assessment=assessment,
        domain=assessment.instrument.domains.get(code="salud"),
        answers={"controles-salud": 2, "salud-mental": 0},
    )
    api = api_client_for(world["caseworker"])
    url = reverse("cases-api:assessment-domains", args=[world["case"].pk, assessment.pk])
    rows = api.get(url, {"domain": "salud"}).json()
    assert [row["organization"] for row in rows] == ["OPD Norte"]


def test_a_coordinator_opens_no_assessment_but_configures_the_instrument(
    world: dict[str, Any],
) -> None:
    coordinator = user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord")
    assessment = _open(world)
    case_id = world["case"].pk
    client = signed_in(coordinator)
    assert client.get(_page(world)).status_code == 403
    api = api_client_for(coordinator)
    assert api.get(reverse("cases-api:assessments", args=[case_id])).status_code == 404
    assert (
        api.post(
            reverse("cases-api:assessment-decision", args=[case_id, assessment.pk]),
            {"risk_level": "low"},
            format="json",
        ).status_code
        == 404
    )
    assert client.get("/admin/cases/assessmentinstrument/").status_code == 200
    assert client.get("/admin/cases/assessmentinstrument/import/").status_code == 200
    assert (
        signed_in(world["caseworker"]).get("/admin/cases/assessmentinstrument/").status_code == 302
    )


def test_the_admin_import_names_the_row_and_field_and_changes_nothing(
    world: dict[str, Any],
) -> None:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import AssessmentInstrument

    coordinator = user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord")
    data = {
        "code": "otra",
        "name": "Otra",
        "domains": [
            {
                "code": "d",
                "name": "D",
                "items": [{"code": "i", "question": "¿?", "definition": "x", "factor": "bad"}],
            }
        ],
    }
    upload = SimpleUploadedFile(
        "i.json", json.dumps(data).encode(), content_type="application/json"
    )
    before = AssessmentInstrument.objects.count()
    response = signed_in(coordinator).post(
        "/admin/cases/assessmentinstrument/import/", {"file": upload}
    )
    assert response.status_code == 400
    assert "domains[0].items[0].factor" in response.content.decode()
    assert AssessmentInstrument.objects.count() == before


def test_the_admin_exports_the_instrument_as_json(world: dict[str, Any]) -> None:
    import json

    from cases.selectors_assessment import instrument_current

    coordinator = user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord")
    instrument = instrument_current()
    assert instrument is not None
    response = signed_in(coordinator).post(
        "/admin/cases/assessmentinstrument/",
        {"action": "export_json", "_selected_action": [str(instrument.pk)]},
    )
    assert response.status_code == 200
    assert json.loads(response.content)["code"] == "valoracion-comun"


def test_only_the_lead_team_starts_an_assessment(world: dict[str, Any]) -> None:
    _share(world)
    url = reverse("cases:assessment_start", args=[world["case"].pk])
    assert signed_in(world["nurse"]).post(url).status_code == 403
    assert signed_in(world["supervisor"]).post(url).status_code == 403
    api_url = reverse("cases-api:assessments", args=[world["case"].pk])
    assert api_client_for(world["nurse"]).post(api_url).status_code == 403
    listed = api_client_for(world["nurse"]).get(api_url)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert not Assessment.objects.filter(case=world["case"]).exists()
