"""The front door through the pages: the three access modalities, the case team's queue,
the written report's document, outreach, and the alert that opens an intake."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry
from cases.models import (
    Case,
    FindingStatus,
    OutreachFinding,
    OutreachList,
    Report,
    ReportStatus,
)
from cases.services import alert_raise
from cases.services.intake import (
    outreach_finding_add,
    outreach_list_create,
    report_register,
)
from tests.factories import OrganizationFactory, TerritoryFactory, signed_in, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% informe ficticio\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def net(db: None) -> dict[str, Any]:
    return net_build()


def net_build() -> dict[str, Any]:
    """A territory, two case teams, a provider, a coordinator and a planner."""
    territory = TerritoryFactory()
    team = OrganizationFactory(name="Oficina Local Norte")
    other_team = OrganizationFactory(name="Oficina Local Sur")
    provider_org = OrganizationFactory(name="Centro Comunitario")
    return {
        "territory": territory,
        "team": team,
        "other_team": other_team,
        "provider_org": provider_org,
        "caseworker": user_with_role(Role.CASEWORKER, organization=team, username="gestora-n"),
        "other_caseworker": user_with_role(
            Role.CASEWORKER, organization=other_team, username="gestor-s"
        ),
        "provider": user_with_role(Role.PROVIDER, organization=provider_org, username="centro"),
        "coordinator": user_with_role(Role.COORDINATOR, username="coord"),
        "planner": user_with_role(Role.PLANNER, username="plan"),
    }


def report_of(net: dict[str, Any], **fields: Any) -> Report:
    """A report received by the provider's desk for the first team."""
    arguments: dict[str, Any] = {
        "actor": net["provider"],
        "receiving_organization": net["provider_org"],
        "addressed_to": net["team"],
        "modality": "self_referral",
        "observed": "Llega sola al centro, sin adulto responsable.",
        "concern_types": ["neglect"],
        "urgency": "high",
        "reporter_role": "madre",
        "reported_at": timezone.now() - timedelta(days=3),
    }
    arguments.update(fields)
    return report_register(**arguments)


def _walk_in(net: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = {
        "modality": "self_referral",
        "addressed_to": str(net["team"].pk),
        "reporter_role": "abuela",
        "observed": "La abuela cuenta que el niño no come en casa.",
        "concern_types": ["neglect", "school_absence"],
        "urgency": "moderate",
        "child_birth_date": str(date.today() - timedelta(days=9 * 365)),
        "child_sex": "male",
        "latitude": "-33.45",
        "longitude": "-70.6",
    }
    data.update(extra)
    return data


def test_a_provider_registers_a_walk_in_it_attends_and_the_case_team_finds_it_in_its_queue(
    net: dict[str, Any],
) -> None:
    provider = signed_in(net["provider"])
    assert provider.get("/ingreso/").status_code == 200
    response = provider.post("/ingreso/", _walk_in(net, receiving_attends="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.receiving_organization == net["provider_org"]
    assert report.receiving_attends is True
    assert report.addressed_to == net["team"]
    assert report.status == ReportStatus.RECEIVED
    assert report.modality == "self_referral"
    # The provider sees what it registered; the team sees it in its queue.
    assert provider.get(f"/ingreso/reportes/{report.pk}/").status_code == 200
    queue = signed_in(net["caseworker"]).get("/ingreso/reportes/").content.decode()
    assert f'data-report="{report.pk}"' in queue
    # The other team neither sees it in its queue nor opens it.
    other = signed_in(net["other_caseworker"])
    assert f'data-report="{report.pk}"' not in other.get("/ingreso/reportes/").content.decode()
    assert other.get(f"/ingreso/reportes/{report.pk}/").status_code == 404
    assert net["caseworker"].notifications.count() == 1


def test_a_provider_may_pass_a_walk_in_on_without_attending_it(net: dict[str, Any]) -> None:
    response = signed_in(net["provider"]).post("/ingreso/", _walk_in(net))
    assert response.status_code == 302
    assert Report.objects.get().receiving_attends is False


def test_a_coordinator_registers_a_referral_and_a_planner_may_not_open_the_intake(
    net: dict[str, Any],
) -> None:
    coordinator = signed_in(net["coordinator"])
    data = _walk_in(net, modality="referral", reporter_institution="Escuela Básica 12")
    assert coordinator.post("/ingreso/", data).status_code == 302
    report = Report.objects.get()
    assert report.modality == "referral"
    assert report.reporter_institution == "Escuela Básica 12"
    assert signed_in(net["planner"]).get("/ingreso/").status_code == 403


def test_an_empty_intake_form_names_the_fields_it_needs(net: dict[str, Any]) -> None:
    response = signed_in(net["provider"]).post("/ingreso/", {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"modality", "addressed_to", "observed", "concern_types", "urgency"} <= set(errors)
    assert not Report.objects.exists()


def test_a_report_says_who_reported_or_that_it_is_anonymous(net: dict[str, Any]) -> None:
    client = signed_in(net["provider"])
    response = client.post("/ingreso/", _walk_in(net, reporter_role=""))
    assert response.status_code == 400
    assert "reporter_institution" in response.context["form"].errors
    anonymous = _walk_in(net, reporter_role="vecina", reporter_anonymous="on")
    assert client.post("/ingreso/", anonymous).status_code == 302
    report = Report.objects.get()
    # Nothing that could identify an anonymous reporter is kept, even when typed.
    assert report.reporter_anonymous and report.reporter_role == ""


def test_the_case_team_opens_a_case_from_a_report_which_counts_from_the_report(
    net: dict[str, Any],
) -> None:
    report = report_of(
        net,
        child_birth_date=date.today() - timedelta(days=10 * 365),
        child_sex="female",
        child_full_name="Niña Ficticia Uno",
    )
    client = signed_in(net["caseworker"])
    form_page = client.get(f"/casos/nuevo/?reporte={report.pk}")
    assert form_page.status_code == 200
    initial = form_page.context["form"].initial
    assert initial["risk_level"] == "high" and initial["sex"] == "female"
    assert initial["full_name"] == "Niña Ficticia Uno"
    response = client.post(
        f"/casos/nuevo/?reporte={report.pk}",
        {
            "birth_date": str(report.child_birth_date),
            "sex": "female",
            "latitude": "-33.45",
            "longitude": "-70.6",
            "risk_level": "high",
            "access_route": "self_referral",
            "full_name": "Niña Ficticia Uno",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.status == ReportStatus.CONVERTED
    case = report.case
    assert case is not None and case.organization == net["team"]
    # Indicators read requested_at as the time of the report, not of the conversion.
    assert case.requested_at == report.reported_at
    assert case.identity.full_name == "Niña Ficticia Uno"
    assert AuditEntry.objects.filter(
        record_type="report", record_id=str(report.pk), detail="converted", case_id=case.pk
    ).exists()
    # Decided once: a second conversion of the same report is refused.
    again = client.post(
        f"/casos/nuevo/?reporte={report.pk}",
        {
            "birth_date": str(report.child_birth_date),
            "sex": "female",
            "latitude": "-33.45",
            "longitude": "-70.6",
            "risk_level": "high",
            "access_route": "self_referral",
        },
    )
    assert again.status_code == 400
    assert Case.objects.count() == 1


def test_only_the_addressed_team_may_open_a_case_from_a_report(net: dict[str, Any]) -> None:
    report = report_of(net)
    other = signed_in(net["other_caseworker"])
    assert other.get(f"/casos/nuevo/?reporte={report.pk}").status_code == 404
    assert other.get("/casos/nuevo/?reporte=not-a-uuid").status_code == 404
    assert (
        AuditEntry.objects.filter(action=AuditAction.REFUSED, record_id=str(report.pk)).count() >= 1
    )


def test_dismissing_a_report_needs_a_reason(net: dict[str, Any]) -> None:
    report = report_of(net)
    client = signed_in(net["caseworker"])
    response = client.post(f"/ingreso/reportes/{report.pk}/descartar/", {"dismissal_reason": ""})
    assert response.status_code == 400
    assert "dismissal_reason" in response.context["dismiss_form"].errors
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
    response = client.post(
        f"/ingreso/reportes/{report.pk}/descartar/",
        {"dismissal_reason": "Ya atendido por la red de salud."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DISMISSED
    assert report.dismissal_reason == "Ya atendido por la red de salud."
    # The provider that received it may read it, but not decide on it.
    provider = signed_in(net["provider"])
    assert provider.get(f"/ingreso/reportes/{report.pk}/").status_code == 200
    assert (
        provider.post(f"/ingreso/reportes/{report.pk}/descartar/", {"dismissal_reason": "x"})
    ).status_code == 403


def test_a_report_is_linked_to_a_case_the_team_already_has(net: dict[str, Any]) -> None:
    from tests.factories import case_of

    case = case_of(net["caseworker"], territory=net["territory"])
    foreign = case_of(net["other_caseworker"], territory=net["territory"])
    report = report_of(net)
    client = signed_in(net["caseworker"])
    refused = client.post(f"/ingreso/reportes/{report.pk}/vincular/", {"case_code": foreign.code})
    assert refused.status_code == 400
    assert "case_code" in refused.context["link_form"].errors
    response = client.post(f"/ingreso/reportes/{report.pk}/vincular/", {"case_code": case.code})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.LINKED and report.case == case


def test_an_institution_s_written_report_is_served_only_to_who_may_see_the_report(
    net: dict[str, Any],
) -> None:
    client = signed_in(net["provider"])
    data = _walk_in(
        net,
        modality="referral",
        reporter_institution="Escuela Básica 12",
        document_reference="Oficio 45/2026",
        document=SimpleUploadedFile("informe Juanito Pérez.pdf", PDF, "application/pdf"),
    )
    assert client.post("/ingreso/", data).status_code == 302
    report = Report.objects.get()
    # Stored under a random name: the upload's name may name the child.
    assert "Juanito" not in report.document.name and report.document.name.endswith(".pdf")
    document = f"/ingreso/reportes/{report.pk}/documento/"
    for user in ("provider", "caseworker"):
        answer = signed_in(net[user]).get(document)
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == PDF
        assert "Juanito" not in answer["Content-Disposition"]
    assert signed_in(net["other_caseworker"]).get(document).status_code == 404
    assert signed_in(net["planner"]).get(document).status_code == 403
    assert AuditEntry.objects.filter(record_id=str(report.pk), detail="document").count() == 2


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("informe.exe", b"MZ\x90\x00", "extension"),
        ("informe.pdf", PNG, "contents"),
        ("informe.pdf", b"", "empty"),
    ],
)
def test_a_document_that_is_not_an_accepted_document_is_refused_naming_the_field(
    net: dict[str, Any], name: str, content: bytes, why: str
) -> None:
    data = _walk_in(net, document=SimpleUploadedFile(name, content))
    response = signed_in(net["provider"]).post("/ingreso/", data)
    assert response.status_code == 400, why
    assert "document" in response.context["form"].errors
    assert not Report.objects.exists()


def test_a_document_over_ten_megabytes_is_refused(net: dict[str, Any]) -> None:
    big = SimpleUploadedFile("informe.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = signed_in(net["provider"]).post("/ingreso/", _walk_in(net, document=big))
    assert response.status_code == 400
    assert "document" in response.context["form"].errors


def test_an_outreach_list_s_findings_become_reports_or_are_dismissed_with_a_reason(
    net: dict[str, Any],
) -> None:
    client = signed_in(net["provider"])
    response = client.post(
        "/ingreso/busqueda-activa/",
        {"title": "Ronda plaza central", "territory": str(net["territory"].pk)},
    )
    assert response.status_code == 302
    outreach = OutreachList.objects.get()
    assert outreach.organization == net["provider_org"]
    page = f"/ingreso/busqueda-activa/{outreach.pk}/"
    for description in ("Niño de unos 10 años vendiendo dulces", "Adolescente durmiendo en banca"):
        added = client.post(
            page + "hallazgos/", {"description": description, "approximate_age": "10"}
        )
        assert added.status_code == 302
    first, second = OutreachFinding.objects.order_by("created")
    converted = client.post(
        page + f"hallazgos/{first.pk}/ingresar/",
        {
            "addressed_to": str(net["team"].pk),
            "urgency": "high",
            "concern_types": ["child_labour"],
        },
    )
    assert converted.status_code == 302
    first.refresh_from_db()
    assert first.status == FindingStatus.CONVERTED and first.report is not None
    assert first.report.modality == "outreach" and first.report.child_age_years == 10
    assert first.report.addressed_to == net["team"]
    no_reason = client.post(page + f"hallazgos/{second.pk}/descartar/", {"dismissal_reason": ""})
    assert no_reason.status_code == 400
    dismissed = client.post(
        page + f"hallazgos/{second.pk}/descartar/", {"dismissal_reason": "Mayor de edad."}
    )
    assert dismissed.status_code == 302
    second.refresh_from_db()
    assert second.status == FindingStatus.DISMISSED
    # Converting again the converted finding is a conflict, not a second report.
    again = client.post(
        page + f"hallazgos/{first.pk}/ingresar/",
        {"addressed_to": str(net["team"].pk), "urgency": "high", "concern_types": ["other"]},
    )
    assert again.status_code == 409
    assert Report.objects.count() == 1
    # Another organization's members do not see the list.
    assert signed_in(net["other_caseworker"]).get(page).status_code == 404


def test_an_outreach_finding_converted_becomes_a_case_through_the_team_s_queue(
    net: dict[str, Any],
) -> None:
    outreach = outreach_list_create(
        actor=net["provider"],
        organization=net["provider_org"],
        territory=net["territory"],
        title="Ronda feria",
    )
    finding = outreach_finding_add(
        actor=net["provider"], outreach=outreach, description="Niña de 8 años", approximate_age=8
    )
    from cases.services.intake import outreach_finding_convert

    report = outreach_finding_convert(
        actor=net["provider"],
        finding=finding,
        addressed_to=net["team"],
        urgency="moderate",
        concern_types=["street_situation"],
    )
    client = signed_in(net["caseworker"])
    response = client.post(
        f"/casos/nuevo/?reporte={report.pk}",
        {
            "birth_date": str(date.today() - timedelta(days=8 * 365)),
            "sex": "female",
            "latitude": "-33.45",
            "longitude": "-70.6",
            "risk_level": "moderate",
            "access_route": "outreach",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.case is not None and report.case.access_route == "outreach"


def test_an_alert_on_a_child_without_a_case_opens_an_intake_as_a_report(
    net: dict[str, Any],
) -> None:
    alert = alert_raise(
        actor=net["provider"],
        organization=net["provider_org"],
        alert_type="physical_abuse",
        severity="high",
        note="Moretones visibles.",
        intake_organization=net["team"],
        birth_date=date.today() - timedelta(days=7 * 365),
        sex="male",
        home=Point(-70.6, -33.45, srid=4326),
    )
    report = Report.objects.get()
    assert report.case == alert.case
    assert report.modality == "referral"
    assert report.reporter_organization == net["provider_org"]
    assert report.addressed_to == net["team"]
    assert report.status == ReportStatus.CONVERTED
    assert report.concern_types == ["physical_abuse"] and report.urgency == "high"
    assert alert.case.requested_at == report.reported_at
    # An alert on an existing case adds no report: the case is already open.
    alert_raise(
        actor=net["provider"],
        organization=net["provider_org"],
        alert_type="neglect",
        severity="moderate",
        case=alert.case,
    )
    assert Report.objects.count() == 1


def test_the_navigation_offers_the_intake_to_who_takes_children_in_and_the_queue_to_teams(
    net: dict[str, Any],
) -> None:
    expected = {
        "caseworker": {"intake", "reports"},
        "provider": {"intake"},
        "coordinator": {"intake"},
        "planner": set(),
    }
    for role, navs in expected.items():
        content = signed_in(net[role]).get("/ingreso/busqueda-activa/").content.decode()
        if role == "planner":
            content = signed_in(net[role]).get("/").content.decode()
        found = {n for n in ("intake", "reports") if f'data-nav="{n}"' in content}
        assert found == navs, role
        assert content.count('data-nav="intake"') == (1 if navs else 0)


def test_reading_and_deciding_a_report_is_audited(net: dict[str, Any]) -> None:
    report = report_of(net)
    client = signed_in(net["caseworker"])
    client.get(f"/ingreso/reportes/{report.pk}/")
    client.post(f"/ingreso/reportes/{report.pk}/descartar/", {"dismissal_reason": "Duplicado."})
    actions = set(
        AuditEntry.objects.filter(record_type="report", record_id=str(report.pk)).values_list(
            "action", flat=True
        )
    )
    assert {AuditAction.READ, AuditAction.UPDATE} <= actions
    client.get("/ingreso/reportes/")
    assert AuditEntry.objects.filter(record_type="report", action=AuditAction.LIST).exists()


def test_retention_blanks_a_closed_case_s_reports_and_drops_its_key_and_document(
    net: dict[str, Any], settings: Any
) -> None:
    from django.db import connection

    from cases.models import CaseDuplicateKey
    from cases.retention import cases_anonymise_expired, retention_days
    from cases.services.intake import report_convert

    report = report_of(
        net,
        child_full_name="Niña Ficticia Retenida",
        child_description="Vive con su abuela Rosaura.",
        document=SimpleUploadedFile("informe.pdf", PDF),
    )
    stored = report.document.name
    case = report_convert(
        actor=net["caseworker"],
        report=report,
        birth_date=date.today() - timedelta(days=10 * 365),
        sex="female",
        home=Point(-70.6, -33.45, srid=4326),
        risk_level="high",
        full_name="Niña Ficticia Retenida",
    )
    dismissed = report_of(net, observed="Rosaura llamó por otro niño.")
    from cases.services.intake import report_dismiss

    report_dismiss(actor=net["caseworker"], report=dismissed, reason="Rosaura ya tiene caso.")
    long_ago = timezone.now() - timedelta(days=retention_days() + 1)
    Case.objects.filter(pk=case.pk).update(
        status="closed", close_reason="plan_completed", closed_at=long_ago
    )
    Report.objects.filter(pk=dismissed.pk).update(decided_at=long_ago)
    assert CaseDuplicateKey.objects.filter(case=case).exists()
    assert cases_anonymise_expired() == 1
    assert not CaseDuplicateKey.objects.filter(case=case).exists()
    report.refresh_from_db()
    assert report.anonymised_at is not None and not report.document
    assert not report.document.storage.exists(stored)
    with connection.cursor() as cursor:
        for table in ("cases_report", "cases_outreachfinding"):
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s OR t::text LIKE %s",  # noqa: S608
                ["%Rosaura%", "%Retenida%"],
            )
            assert cursor.fetchone() == (0,), table
