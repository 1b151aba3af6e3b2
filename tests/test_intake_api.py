"""The front door through the API: reports of every modality, their decision, the
written report's document, outreach lists and findings, and the OpenAPI schema."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Case, FindingStatus, OutreachFinding, Report, ReportStatus
from tests.concurrency import at_once
from tests.factories import api_client_for, case_of
from tests.test_intake import PDF, PNG, media_in_tmp, net, net_build, report_of

__all__ = ["media_in_tmp", "net"]
pytestmark = pytest.mark.django_db


def _report_body(net: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "modality": "referral",
        "addressed_to": str(net["team"].pk),
        "reporter_institution": "CESFAM Norte",
        "reporter_role": "enfermera",
        "observed": "Control de niño sano sin asistir, signos de descuido.",
        "concern_types": ["neglect"],
        "urgency": "moderate",
        "child_birth_date": str(date.today() - timedelta(days=6 * 365)),
        "child_sex": "male",
        "latitude": -33.45,
        "longitude": -70.6,
    }
    body.update(extra)
    return body


def _case_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "birth_date": str(date.today() - timedelta(days=6 * 365)),
        "sex": "male",
        "latitude": -33.45,
        "longitude": -70.6,
    }
    body.update(extra)
    return body


@pytest.mark.parametrize("modality", ["self_referral", "referral", "outreach"])
def test_a_report_of_each_modality_is_registered_and_becomes_a_case_dated_by_the_report(
    net: dict[str, Any], modality: str
) -> None:
    reported_at = timezone.now() - timedelta(days=5)
    provider = api_client_for(net["provider"])
    created = provider.post(
        "/api/reports/",
        _report_body(net, modality=modality, reported_at=reported_at.isoformat()),
        format="json",
    )
    assert created.status_code == 201, created.json()
    report_id = created.json()["id"]
    assert created.json()["status"] == "received"
    assert created.json()["receiving_organization_name"] == "Centro Comunitario"
    team = api_client_for(net["caseworker"])
    assert report_id in [r["id"] for r in team.get("/api/reports/").json()["results"]]
    assert team.get(f"/api/reports/{report_id}/").status_code == 200
    converted = team.post(f"/api/reports/{report_id}/convert/", _case_body(), format="json")
    assert converted.status_code == 201, converted.json()
    case = Case.objects.get(pk=converted.json()["case_id"])
    assert case.requested_at == reported_at
    assert parse_datetime(converted.json()["requested_at"]) == reported_at
    assert case.access_route == modality and case.risk_level == "moderate"
    assert case.organization == net["team"]
    report = Report.objects.get(pk=report_id)
    assert report.status == ReportStatus.CONVERTED and report.case == case


def test_a_report_refused_names_its_field(net: dict[str, Any]) -> None:
    provider = api_client_for(net["provider"])
    for field, value in [
        ("concern_types", []),
        ("urgency", "extreme"),
        ("addressed_to", str(net["provider_org"].pk)),  # no caseworkers: not a case team
        ("latitude", None),
        ("reported_at", (timezone.now() + timedelta(days=2)).isoformat()),
    ]:
        body = _report_body(net, **{field: value})
        response = provider.post("/api/reports/", body, format="json")
        assert response.status_code == 400, field
        assert field in response.json(), (field, response.json())
    nobody = _report_body(net, reporter_institution="", reporter_role="")
    response = provider.post("/api/reports/", nobody, format="json")
    assert response.status_code == 400 and "reporter_institution" in response.json()
    assert not Report.objects.exists()


def test_a_planner_may_not_register_a_report_and_sees_none(net: dict[str, Any]) -> None:
    report_of(net)
    planner = api_client_for(net["planner"])
    assert planner.post("/api/reports/", _report_body(net), format="json").status_code == 403
    assert planner.get("/api/reports/").json()["results"] == []


def test_dismissing_through_the_api_needs_a_reason(net: dict[str, Any]) -> None:
    report = report_of(net)
    team = api_client_for(net["caseworker"])
    empty = team.post(f"/api/reports/{report.pk}/dismiss/", {"dismissal_reason": ""}, format="json")
    assert empty.status_code == 400 and "dismissal_reason" in empty.json()
    blank = team.post(f"/api/reports/{report.pk}/dismiss/", {"dismissal_reason": "  "})
    assert blank.status_code == 400 and "dismissal_reason" in blank.json()
    done = team.post(
        f"/api/reports/{report.pk}/dismiss/", {"dismissal_reason": "Fuera del territorio."}
    )
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    again = team.post(f"/api/reports/{report.pk}/dismiss/", {"dismissal_reason": "Otra vez."})
    assert again.status_code == 409


def test_only_the_addressed_team_decides_and_strangers_get_404(net: dict[str, Any]) -> None:
    report = report_of(net)
    provider = api_client_for(net["provider"])
    assert provider.get(f"/api/reports/{report.pk}/").status_code == 200
    refused = provider.post(f"/api/reports/{report.pk}/convert/", _case_body(), format="json")
    assert refused.status_code == 403
    other = api_client_for(net["other_caseworker"])
    for path in ("", "convert/", "dismiss/", "link/", "document/"):
        method = other.get if path in ("", "document/") else other.post
        assert method(f"/api/reports/{report.pk}/{path}").status_code == 404, path
    assert str(report.pk) not in [r["id"] for r in other.get("/api/reports/").json()["results"]]


def test_a_report_is_linked_to_an_existing_case_through_the_api(net: dict[str, Any]) -> None:
    case = case_of(net["caseworker"], territory=net["territory"])
    report = report_of(net)
    team = api_client_for(net["caseworker"])
    wrong = team.post(f"/api/reports/{report.pk}/link/", {"case_code": "C-NOPE2345"})
    assert wrong.status_code == 400 and "case_code" in wrong.json()
    linked = team.post(f"/api/reports/{report.pk}/link/", {"case_code": case.code.lower()})
    assert linked.status_code == 200
    assert linked.json()["status"] == "linked" and linked.json()["case_code"] == case.code


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_conversions_at_once_open_one_case() -> None:
    world = net_build()
    report = report_of(world)

    def convert() -> int:
        client = api_client_for(world["caseworker"])
        return int(
            client.post(
                f"/api/reports/{report.pk}/convert/", _case_body(), format="json"
            ).status_code
        )

    assert sorted(at_once(convert)) == [201, 409]
    assert Case.objects.count() == 1


def test_a_written_report_is_uploaded_validated_and_downloaded_through_the_api(
    net: dict[str, Any],
) -> None:
    provider = api_client_for(net["provider"])
    body = _report_body(net, document_reference="Oficio 12")
    body["concern_types"] = "neglect"
    body["document"] = SimpleUploadedFile("informe.pdf", PDF, "application/pdf")
    created = provider.post("/api/reports/", body, format="multipart")
    assert created.status_code == 201, created.json()
    assert created.json()["has_document"] is True
    report_id = created.json()["id"]
    download = api_client_for(net["caseworker"]).get(f"/api/reports/{report_id}/document/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    other = api_client_for(net["other_caseworker"])
    assert other.get(f"/api/reports/{report_id}/document/").status_code == 404
    fake = _report_body(net)
    fake["concern_types"] = "neglect"
    fake["document"] = SimpleUploadedFile("informe.pdf", PNG, "application/pdf")
    refused = provider.post("/api/reports/", fake, format="multipart")
    assert refused.status_code == 400 and "document" in refused.json()
    assert Report.objects.count() == 1


def test_outreach_lists_and_findings_through_the_api(net: dict[str, Any]) -> None:
    provider = api_client_for(net["provider"])
    created = provider.post(
        "/api/outreach-lists/",
        {"title": "Ronda terminal de buses", "territory": net["territory"].pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    outreach_id = created.json()["id"]
    base = f"/api/outreach-lists/{outreach_id}/findings/"
    too_old = provider.post(base, {"description": "Joven", "approximate_age": 19}, format="json")
    assert too_old.status_code == 400 and "approximate_age" in too_old.json()
    first = provider.post(base, {"description": "Niño de 9 años solo", "approximate_age": 9})
    second = provider.post(base, {"description": "Niña con hermano menor", "place": "Andén 3"})
    assert first.status_code == second.status_code == 201
    converted = provider.post(
        base + f"{first.json()['id']}/convert/",
        {"addressed_to": str(net["team"].pk), "urgency": "high", "concern_types": ["neglect"]},
        format="json",
    )
    assert converted.status_code == 201, converted.json()
    assert converted.json()["modality"] == "outreach"
    assert converted.json()["child_age_years"] == 9
    no_reason = provider.post(base + f"{second.json()['id']}/dismiss/", {"dismissal_reason": ""})
    assert no_reason.status_code == 400 and "dismissal_reason" in no_reason.json()
    dismissed = provider.post(
        base + f"{second.json()['id']}/dismiss/", {"dismissal_reason": "Con su madre."}
    )
    assert dismissed.status_code == 200
    detail = provider.get(f"/api/outreach-lists/{outreach_id}/").json()
    assert {f["status"] for f in detail["findings"]} == {"converted", "dismissed"}
    assert OutreachFinding.objects.filter(status=FindingStatus.CONVERTED).count() == 1
    stranger = api_client_for(net["other_caseworker"])
    assert stranger.get(f"/api/outreach-lists/{outreach_id}/").status_code == 404
    assert stranger.get("/api/outreach-lists/").json()["results"] == []


def test_the_front_door_is_in_the_openapi_schema(net: dict[str, Any]) -> None:
    schema = api_client_for(net["caseworker"]).get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/reports/",
        "/api/reports/{report_id}/convert/",
        "/api/reports/{report_id}/dismiss/",
        "/api/reports/{report_id}/link/",
        "/api/outreach-lists/",
        "/api/outreach-lists/{outreach_id}/findings/{finding_id}/convert/",
        "/api/duplicate-check/",
        "/api/cases/{case_id}/links/",
        "/api/link-requests/{request_id}/answer/",
    ):
        assert path in paths, path
