"""The permission matrix of the front door (docs/permissions.md, "Reports, outreach and
links"): reports, their document and decisions, outreach lists and findings, the
duplicate check and link requests, cell by cell through the real URLs.

Built on the matrix's world (tests/test_permission_matrix.py): the report is received
by the provider's organization and addressed to the caseworker's team; the outreach
list is the provider's; the link request comes from the other team's caseworker, whose
case may be the same child as the world's case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings

from accounts.models import Role, User
from cases.models import (
    CaseDuplicateKey,
    CaseIdentity,
    CaseLinkRequest,
    OutreachFinding,
    OutreachList,
    Report,
)
from tests.factories import case_of
from tests.permission_world import IDENTITY_NAME, ROLES, World
from tests.test_permission_matrix import (
    ALLOW,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    NOT_FOUND,
    WRONG_SIDE,
    Request,
    Row,
    _body,
    _client,
    cell_check,
    world,
)

__all__ = ["world"]
pytestmark = pytest.mark.django_db

A, H, N, F, L, W = ALLOW, HIDDEN, NOT_FOUND, FORBIDDEN, LOGIN, WRONG_SIDE


@dataclass
class Front:
    report: Report
    outreach: OutreachList
    finding: OutreachFinding
    link: CaseLinkRequest


# Set by the module fixture; the rows' lambdas read it when a cell runs.
FRONT: dict[str, Front] = {}


def _f() -> Front:
    return FRONT["front"]


@pytest.fixture(scope="module")
def front(world: World, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Front]:
    """The front door's records on top of the world (rolled back with it)."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        provider = world.users["provider"]
        stranger = world.users["caseworker_other_org"]
        assert provider is not None and stranger is not None
        report = Report.objects.create(
            modality="self_referral",
            reporter_role="madre",
            observed="Llega sin adulto responsable.",
            concern_types=["neglect"],
            urgency="high",
            receiving_organization=world.provider_org,
            received_by=provider,
            addressed_to=world.team,
        )
        report.document.save("informe.pdf", ContentFile(b"%PDF-1.4 ficticio"), save=True)
        outreach = OutreachList.objects.create(
            organization=world.provider_org,
            territory=world.territory,
            title="Ronda plaza",
            created_by=provider,
        )
        finding = OutreachFinding.objects.create(
            outreach_list=outreach, description="Niño de unos 9 años", approximate_age=9
        )
        theirs = case_of(stranger, territory=world.territory)
        CaseIdentity.objects.create(case=theirs, full_name=IDENTITY_NAME, national_id="1-9")
        for case in (world.case, theirs):
            CaseDuplicateKey.objects.create(case=case, key="f" * 64)
        link = CaseLinkRequest.objects.create(
            from_case=theirs, to_case=world.case, requested_by=stranger
        )
        FRONT["front"] = Front(report=report, outreach=outreach, finding=finding, link=link)
        yield FRONT["front"]
        transaction.set_rollback(True)


def _report_body(w: World, user: User | None) -> dict[str, Any]:
    return {
        "modality": "referral",
        "addressed_to": str(w.team.pk),
        "reporter_institution": "Escuela 12",
        "observed": "Ausencias repetidas.",
        "concern_types": ["school_absence"],
        "urgency": "moderate",
    }


def _case_body(w: World, user: User | None) -> dict[str, Any]:
    return {
        "birth_date": str(date.today() - timedelta(days=7 * 365)),
        "sex": "male",
        "latitude": -33.45,
        "longitude": -70.6,
    }


def _duplicate_body(w: World, user: User | None) -> dict[str, Any]:
    return {
        "full_name": "Ana Pérez",
        "birth_date": str(date.today() - timedelta(days=7 * 365)),
        "sex": "male",
        "latitude": -33.45,
        "longitude": -70.6,
    }


def _finding_convert(w: World, user: User | None) -> dict[str, Any]:
    return {"addressed_to": str(w.team.pk), "urgency": "high", "concern_types": ["neglect"]}


def _reason(w: World, user: User | None) -> dict[str, Any]:
    return {"dismissal_reason": "Atendido por otra red."}


def _case_code(w: World, user: User | None) -> dict[str, Any]:
    return {"case_code": w.case.code}


def _accept(w: World, user: User | None) -> dict[str, Any]:
    return {"accept": True}


def _accept_page(w: World, user: User | None) -> dict[str, Any]:
    return {"decision": "accept"}


def _report_id(w: World) -> str:
    return str(_f().report.pk)


def _outreach_id(w: World) -> str:
    return str(_f().outreach.pk)


def _rp(w: World) -> str:
    return f"/ingreso/reportes/{_f().report.pk}/"


def _ra(w: World) -> str:
    return f"/api/reports/{_f().report.pk}/"


def _op(w: World) -> str:
    return f"/ingreso/busqueda-activa/{_f().outreach.pk}/"


def _oa(w: World) -> str:
    return f"/api/outreach-lists/{_f().outreach.pk}/"


#                                           anon cw  cw2 prov prov2 coord plan admin
ROWS: list[Row] = [
    # --- reports: pages -------------------------------------------------------------------
    Row("report", "create", "page", Request("GET", lambda w: "/ingreso/"),
        (L, A, A, A, A, A, F, F)),
    Row("report", "queue", "page",
        Request("GET", lambda w: "/ingreso/reportes/", marker=_report_id),
        (L, A, H, F, F, F, F, F)),
    Row("report", "read", "page", Request("GET", _rp, marker=lambda w: "Llega sin adulto"),
        (L, A, N, A, N, N, F, F)),
    Row("report", "document", "page", Request("GET", lambda w: _rp(w) + "documento/"),
        (L, A, N, A, N, N, F, F)),
    Row("report", "convert", "page",
        Request("GET", lambda w: f"/casos/nuevo/?reporte={_f().report.pk}"),
        (L, A, N, F, F, F, F, F)),
    Row("report", "dismiss", "page",
        Request("POST", lambda w: _rp(w) + "descartar/", data=_reason),
        (L, A, N, F, F, F, F, F)),
    Row("report", "link", "page",
        Request("POST", lambda w: _rp(w) + "vincular/", data=_case_code),
        (L, A, N, F, F, F, F, F)),
    # --- reports: API ---------------------------------------------------------------------
    Row("report", "list", "api", Request("GET", lambda w: "/api/reports/", marker=_report_id),
        (L, A, H, A, H, H, H, H)),
    Row("report", "create", "api", Request("POST", lambda w: "/api/reports/", data=_report_body),
        (L, A, A, A, A, A, F, F)),
    Row("report", "read", "api", Request("GET", _ra, marker=_report_id),
        (L, A, N, A, N, N, N, N)),
    Row("report", "document", "api", Request("GET", lambda w: _ra(w) + "document/"),
        (L, A, N, A, N, N, N, N)),
    Row("report", "convert", "api",
        Request("POST", lambda w: _ra(w) + "convert/", data=_case_body),
        (L, A, N, W, N, N, N, N)),
    Row("report", "dismiss", "api",
        Request("POST", lambda w: _ra(w) + "dismiss/", data=_reason),
        (L, A, N, W, N, N, N, N)),
    Row("report", "link", "api",
        Request("POST", lambda w: _ra(w) + "link/", data=_case_code),
        (L, A, N, W, N, N, N, N)),
    # --- outreach -------------------------------------------------------------------------
    Row("outreach list", "list", "page",
        Request("GET", lambda w: "/ingreso/busqueda-activa/", marker=_outreach_id),
        (L, H, H, A, H, H, F, F)),
    Row("outreach list", "read", "page", Request("GET", _op, marker=lambda w: "Ronda plaza"),
        (L, N, N, A, N, N, F, F)),
    Row("outreach finding", "dismiss", "page",
        Request("POST", lambda w: _op(w) + f"hallazgos/{_f().finding.pk}/descartar/",
                data=_reason),
        (L, N, N, A, N, N, F, F)),
    Row("outreach list", "list", "api",
        Request("GET", lambda w: "/api/outreach-lists/", marker=_outreach_id),
        (L, H, H, A, H, H, H, H)),
    Row("outreach list", "read", "api", Request("GET", _oa, marker=_outreach_id),
        (L, N, N, A, N, N, N, N)),
    Row("outreach finding", "convert", "api",
        Request("POST", lambda w: _oa(w) + f"findings/{_f().finding.pk}/convert/",
                data=_finding_convert),
        (L, N, N, A, N, N, N, N)),
    # --- duplicates and links -------------------------------------------------------------
    Row("duplicate check", "check", "api",
        Request("POST", lambda w: "/api/duplicate-check/", data=_duplicate_body),
        (L, A, A, F, F, F, F, F)),
    Row("case links", "read", "page",
        Request("GET", lambda w: f"/ingreso/casos/{w.case.pk}/vinculos/"),
        (L, A, N, F, F, F, F, F)),
    Row("case links", "read", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/links/"),
        (L, A, N, N, N, N, N, N)),
    Row("link request", "list", "page",
        Request("GET", lambda w: "/ingreso/vinculos/", marker=lambda w: f"link-{_f().link.pk}"),
        (L, A, H, F, F, F, F, F)),
    Row("link request", "answer", "page",
        Request("POST", lambda w: f"/ingreso/vinculos/{_f().link.pk}/responder/",
                data=_accept_page),
        (L, A, W, F, F, F, F, F)),
    Row("link request", "answer", "api",
        Request("POST", lambda w: f"/api/link-requests/{_f().link.pk}/answer/", data=_accept),
        (L, A, W, N, N, N, N, N)),
    # --- not in the admin: front-door records are case records ----------------------------
    *[
        Row(f"{model} (admin)", "list", "admin", Request("GET", lambda w, path=path: path),
            (L, L, L, N, N, N, L, N))
        for model, path in (
            ("report", "/admin/cases/report/"),
            ("outreach list", "/admin/cases/outreachlist/"),
            ("outreach finding", "/admin/cases/outreachfinding/"),
            ("duplicate key", "/admin/cases/caseduplicatekey/"),
            ("link request", "/admin/cases/caselinkrequest/"),
        )
    ],
]  # fmt: skip


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(ROLES), row
        for role, expected in zip(ROLES, row.expected, strict=True):
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"))


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_front_door_cell(
    world: World, front: Front, row: Row, role: str, expected: str
) -> None:
    cell_check(world, row, role, expected)


def test_no_answer_about_a_report_names_the_child_of_another_case(
    world: World, front: Front
) -> None:
    """The duplicate check and the links answer team names, never the other identity."""
    for role in ROLES:
        client = _client(world, role)
        for path in (f"/api/cases/{world.case.pk}/links/", "/ingreso/vinculos/"):
            assert IDENTITY_NAME not in _body(client.get(path)), (role, path)


def test_roles_without_membership_are_the_only_ones_refused_the_intake(world: World) -> None:
    """Whoever holds a caseworker, provider or coordinator role opens the intake page."""
    intake_roles = {Role.CASEWORKER, Role.PROVIDER, Role.COORDINATOR}
    for role in ROLES:
        user = world.users[role]
        if user is None:
            continue
        roles = set(user.memberships.values_list("role", flat=True))
        status = _client(world, role).get("/ingreso/").status_code
        assert (status == 200) == bool(roles & intake_roles), role
