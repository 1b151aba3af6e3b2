"""The permission matrix of docs/permissions.md, cell by cell, through the real URLs.

Every row is one action on one kind of record through one surface (a page, the API or
the admin); every cell is one role trying it. A cell either allows (and the record is
really there) or refuses the way the matrix says: 404 for a record one must not know
exists, 403 for a whole page or endpoint of another role, the login page for anonymous
visitors. Rows follow the order of the document.

The records live in one world built once for the module; each cell runs in its own
savepoint, so a cell that writes (a transition, an enrolment) leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import User
from matching.forms import need_terms
from matching.models import ReferralStatus
from tests.permission_world import IDENTITY_NAME, PSY, ROLES, World, world_build

pytestmark = pytest.mark.django_db

# --- what a cell expects ------------------------------------------------------------------

ALLOW = "allow"  # 200, 201 or a redirect after a write; the marker, if any, is on the page
HIDDEN = "hidden"  # the list answers 200, and the record is not in it
NOT_FOUND = "404"  # as if the record did not exist
FORBIDDEN = "403"  # a page or endpoint of another role
LOGIN = "login"  # anonymous: the login page (pages, admin) or 401/403 (API)
UNKNOWN = "400"  # the body names a record the user cannot see: the same 400 as a made-up one
WRONG_SIDE = "wrong side"  # the user's own record, but not a move their side may make
NOT_OFFERED = "405"  # no role may: the method is not offered at all
READ_ONLY = "read-only"  # admin: the record opens, without a save button
NO_IDENTITY = "no identity"  # whatever the role reads, the child's identity is not in it


@dataclass(frozen=True)
class Request:
    method: str
    path: Callable[[World], str]
    data: Callable[[World, User | None], dict[str, Any]] | None = None
    marker: Callable[[World], str] | None = None


@dataclass(frozen=True)
class Row:
    object: str
    action: str
    surface: str  # page, api or admin
    request: Request
    expected: tuple[str, ...]  # in the order of ROLES


A, H, N, F, L, U, W, X, R = (
    ALLOW,
    HIDDEN,
    NOT_FOUND,
    FORBIDDEN,
    LOGIN,
    UNKNOWN,
    WRONG_SIDE,
    NOT_OFFERED,
    READ_ONLY,
)


def _admitted() -> dict[str, str]:
    from cases.models import AdmissibilityCriterion

    answers = {
        f"criterion_{c.pk}": "yes" for c in AdmissibilityCriterion.objects.filter(active=True)
    }
    return {**answers, "admissibility": "admitted"}


def _code(w: World) -> str:
    return w.case.code


def _organization_of(user: User | None) -> str:
    membership = user.memberships.first() if user is not None else None
    return str(membership.organization_id) if membership else ""


def _new_case(w: World, user: User | None) -> dict[str, Any]:
    return {
        "birth_date": str(date.today() - timedelta(days=7 * 365)),
        "sex": "male",
        "latitude": -33.45,
        "longitude": -70.6,
        "risk_level": "high",
        "access_route": "referral",
        "need_codes": [PSY],
    }


def _alert(w: World, user: User | None) -> dict[str, Any]:
    return {
        "organization_id": _organization_of(user),
        "alert_type": w.alert.alert_type,
        "severity": "high",
        "case_code": w.case.code,
    }


#                                           anon cw  cw2 prov prov2 coord plan admin
ROWS: list[Row] = [
    # --- cases ------------------------------------------------------------------------
    Row("case", "list", "page", Request("GET", lambda w: "/casos/", marker=_code),
        (L, A, H, F, F, F, F, F)),
    Row("case", "list", "api", Request("GET", lambda w: "/api/cases/", marker=_code),
        (L, A, H, H, H, H, H, H)),
    Row("case", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("case", "read", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/", marker=_code),
        (L, A, N, N, N, N, N, N)),
    Row("case", "read priority", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/priority/", marker=lambda w: "risk"),
        (L, A, N, N, N, N, N, N)),
    Row("case", "read options", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/opciones/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("case", "read options", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/options/",
                marker=lambda w: str(w.site.pk)),
        (L, A, N, N, N, N, N, N)),
    Row("case", "create", "page", Request("GET", lambda w: "/casos/nuevo/"),
        (L, A, A, F, F, F, F, F)),
    Row("case", "create", "api", Request("POST", lambda w: "/api/cases/", _new_case),
        (L, A, A, F, F, F, F, F)),
    Row("case", "update", "api",
        Request("PATCH", lambda w: f"/api/cases/{w.case.pk}/", lambda w, u: {"risk_level": "high"}),
        (L, A, N, N, N, N, N, N)),
    Row("case", "delete", "api", Request("DELETE", lambda w: f"/api/cases/{w.case.pk}/"),
        (L, X, X, X, X, X, X, X)),
    # --- the child's identity: no page or API of any role prints it ---------------------
    Row("case identity", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/", marker=lambda w: IDENTITY_NAME),
        (L, NO_IDENTITY, N, F, F, F, F, F)),
    Row("case identity", "read", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/", marker=lambda w: IDENTITY_NAME),
        (L, NO_IDENTITY, N, N, N, N, N, N)),
    Row("case identity", "read packet", "api",
        Request("GET", lambda w: f"/api/provider/referrals/{w.referral.pk}/",
                marker=lambda w: IDENTITY_NAME),
        (L, N, N, NO_IDENTITY, N, N, N, N)),
    # --- consents and needs ---------------------------------------------------------------
    Row("consent", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/consentimientos/",
                lambda w, u: {"given_by": "padre", "scopes": ["referral"]}),
        (L, A, N, F, F, F, F, F)),
    Row("consent", "create", "api",
        Request("POST", lambda w: f"/api/cases/{w.case.pk}/consents/",
                lambda w, u: {"given_by": "padre", "scopes": ["referral"]}),
        (L, A, N, N, N, N, N, N)),
    Row("need", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/necesidades/",
                lambda w, u: {"term": _other_need_term(w)}),
        (L, A, N, F, F, F, F, F)),
    # --- admissibility -----------------------------------------------------------------------
    Row("admissibility", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/admisibilidad/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("admissibility", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/admisibilidad/decidir/",
                lambda w, u: _admitted()),
        (L, A, N, F, F, F, F, F)),
    Row("admissibility", "read", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/admissibility/"),
        (L, A, N, N, N, N, N, N)),
    Row("task list", "list", "page", Request("GET", lambda w: "/tareas/"),
        (L, A, A, F, F, F, F, F)),
    Row("route decision", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/via/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    # --- follow-up --------------------------------------------------------------------------
    Row("follow-up", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/seguimiento/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("follow-up", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/seguimiento/planificar/",
                lambda w, u: {"kind": "call", "due_on": date.today().isoformat()}),
        (L, A, N, F, F, F, F, F)),
    # --- notes ------------------------------------------------------------------------------
    Row("case note", "list", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/notas/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("case note", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/notas/nueva/",
                lambda w, u: {"text": "Llamada a la escuela", "visibility": "team"}),
        (L, A, N, F, F, F, F, F)),
    # --- closing ----------------------------------------------------------------------------
    Row("closure", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/cierre/", marker=_code),
        (L, A, N, F, F, F, F, F)),
    Row("closure", "create", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/cierre/solicitar/",
                lambda w, u: {"reason": "moved_away"}),
        (L, A, N, F, F, F, F, F)),
    Row("closure", "list", "api",
        Request("GET", lambda w: f"/api/cases/{w.case.pk}/closures/"),
        (L, A, N, N, N, N, N, N)),
    Row("closure", "create", "api",
        Request("POST", lambda w: f"/api/cases/{w.case.pk}/closures/",
                lambda w, u: {"reason": "moved_away"}),
        (L, A, N, N, N, N, N, N)),
    # --- alerts ---------------------------------------------------------------------------
    Row("alert", "create", "page", Request("GET", lambda w: "/alertas/nueva/"),
        (L, A, A, A, A, A, A, F)),
    Row("alert", "create", "api", Request("POST", lambda w: "/api/alerts/", _alert),
        (L, A, A, A, A, A, A, F)),
    Row("alert", "list", "page",
        Request("GET", lambda w: "/bandeja/", marker=lambda w: f'data-alert="{w.alert.pk}"'),
        (L, A, H, H, H, H, H, H)),
    Row("alert", "update", "page",
        Request("POST", lambda w: f"/alertas/{w.alert.pk}/responder/",
                lambda w, u: {"action": "acknowledge"}),
        (L, A, N, F, F, F, F, F)),
    # --- referrals and their packets --------------------------------------------------------
    Row("referral packet", "list", "page",
        Request("GET", lambda w: "/prestador/derivaciones/", marker=_code),
        (L, F, F, A, H, F, F, F)),
    Row("referral packet", "list", "api",
        Request("GET", lambda w: "/api/provider/referrals/", marker=_code),
        (L, H, H, A, H, H, H, H)),
    Row("referral packet", "read", "page",
        Request("GET", lambda w: f"/prestador/derivaciones/{w.referral.pk}/", marker=_code),
        (L, F, F, A, N, F, F, F)),
    Row("referral packet", "read", "api",
        Request("GET", lambda w: f"/api/provider/referrals/{w.referral.pk}/", marker=_code),
        (L, N, N, A, N, N, N, N)),
    Row("referral packet", "delete", "api",
        Request("DELETE", lambda w: f"/api/provider/referrals/{w.referral.pk}/"),
        (L, X, X, X, X, X, X, X)),
    Row("referral", "create and send", "page",
        Request("POST", lambda w: f"/casos/{w.case.pk}/opciones/",
                lambda w, u: {"service_at_site": str(w.other_site.pk), "shared_note": "Nota"}),
        (L, A, N, F, F, F, F, F)),
    Row("referral", "create and send", "api",
        Request("POST", lambda w: "/api/referrals/",
                lambda w, u: {"case_id": str(w.case.pk),
                              "service_at_site_id": str(w.other_site.pk)}),
        (L, A, U, U, U, U, U, U)),
    Row("referral", "transition: answer", "page",
        Request("POST", lambda w: f"/prestador/derivaciones/{w.referral.pk}/",
                lambda w, u: {"to_status": ReferralStatus.ACCEPTED}),
        (L, F, F, A, N, F, F, F)),
    Row("referral", "transition: answer", "api",
        Request("POST", lambda w: f"/api/referrals/{w.referral.pk}/transition/",
                lambda w, u: {"to_status": ReferralStatus.ACCEPTED}),
        (L, W, N, A, N, N, N, N)),
    Row("referral", "transition: withdraw", "page",
        Request("POST", lambda w: f"/derivaciones/{w.referral.pk}/retirar/",
                lambda w, u: {"note": "Ya no lo necesita"}),
        (L, A, N, F, F, F, F, F)),
    Row("referral", "transition: withdraw", "api",
        Request("POST", lambda w: f"/api/referrals/{w.referral.pk}/transition/",
                lambda w, u: {"to_status": ReferralStatus.WITHDRAWN}),
        (L, A, N, W, N, N, N, N)),
    Row("referral events", "read", "page",
        Request("GET", lambda w: f"/casos/{w.case.pk}/",
                marker=lambda w: str(ReferralStatus.SENT.label)),
        (L, A, N, F, F, F, F, F)),
    # --- referral letters and their links (a service with no one on Puente) ------------------
    Row("referral letter", "read", "page",
        Request("GET", lambda w: f"/derivaciones/{w.referral.pk}/carta/",
                marker=lambda w: w.case.code),
        (L, A, N, F, F, F, F, F)),
    Row("referral letter", "make with its link", "page",
        Request("POST", lambda w: f"/derivaciones/{w.referral.pk}/carta/",
                marker=lambda w: "/derivacion-externa/"),
        (L, A, N, F, F, F, F, F)),
    Row("referral link", "send again", "page",
        Request("POST", lambda w: f"/derivaciones/{w.referral.pk}/enlace/reenviar/"),
        (L, A, N, F, F, F, F, F)),
    Row("referral link", "revoke", "page",
        Request("POST", lambda w: f"/derivaciones/{w.referral.pk}/enlace/revocar/"),
        (L, A, N, F, F, F, F, F)),
    Row("referral link", "read the state", "api",
        Request("GET", lambda w: f"/api/referrals/{w.referral.pk}/link/"),
        (L, A, N, N, N, N, N, N)),
    Row("referral link", "revoke", "api",
        Request("POST", lambda w: f"/api/referrals/{w.referral.pk}/link/",
                lambda w, u: {"action": "revoke"}),
        (L, A, N, N, N, N, N, N)),
    # The token is the credential: whoever holds it, signed in or not, sees the packet.
    Row("referral link", "read the packet", "page",
        Request("GET", lambda w: _link_path(w), marker=lambda w: w.case.code),
        (A, A, A, A, A, A, A, A)),
    Row("referral link", "read with a made-up token", "page",
        Request("GET", lambda w: "/derivacion-externa/inventado/"),
        (N, N, N, N, N, N, N, N)),
    # --- the coordinator's follow-up lists ----------------------------------------------------
    Row("overdue referrals", "list", "page",
        Request("GET", lambda w: "/coordinacion/", marker=_code),
        (L, F, F, F, F, A, F, F)),
    Row("overdue referrals", "list", "api",
        Request("GET", lambda w: "/api/coordination/overdue-referrals/", marker=_code),
        (L, F, F, F, F, A, F, F)),
    Row("multiple alerts", "list", "api",
        Request("GET", lambda w: "/api/coordination/multiple-alerts/"),
        (L, F, F, F, F, A, F, F)),
    Row("overdue referral", "follow-up", "page",
        Request("GET", lambda w: f"/coordinacion/derivaciones/{w.referral.pk}/", marker=_code),
        (L, F, F, F, F, A, F, F)),
    Row("overdue referral", "remind the provider", "page",
        Request("POST", lambda w: f"/coordinacion/derivaciones/{w.referral.pk}/recordar/",
                lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    Row("overdue referral", "ask the case team to redirect", "page",
        Request("POST", lambda w: f"/coordinacion/derivaciones/{w.referral.pk}/redirigir/",
                lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    Row("multiple alerts", "follow-up", "page",
        Request("GET", lambda w: f"/coordinacion/casos/{w.case.pk}/", marker=_code),
        (L, F, F, F, F, A, F, F)),
    Row("multiple alerts", "ask the case team to review", "page",
        Request("POST", lambda w: f"/coordinacion/casos/{w.case.pk}/revisar/", lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    # --- enrolments, waitlists, offers ------------------------------------------------------
    Row("enrolment", "list", "page",
        Request("GET", lambda w: "/prestador/cupos/", marker=lambda w: w.enrolment.case.code),
        (L, F, F, A, H, F, F, F)),
    Row("enrolment", "create", "page",
        Request("POST", lambda w: f"/prestador/derivaciones/{w.accepted.pk}/ubicar/",
                lambda w, u: {}),
        (L, F, F, A, N, F, F, F)),
    Row("enrolment", "create", "api",
        Request("POST", lambda w: "/api/enrolments/",
                lambda w, u: {"referral_id": str(w.accepted.pk)}),
        (L, N, N, A, N, N, N, N)),
    Row("enrolment", "end", "page",
        Request("POST", lambda w: f"/prestador/inscripciones/{w.enrolment.pk}/terminar/",
                lambda w, u: {"status": "completed", "feedback": "Cumplió", "note": ""}),
        (L, F, F, A, N, F, F, F)),
    Row("enrolment", "end", "api",
        Request("POST", lambda w: f"/api/enrolments/{w.enrolment.pk}/end/",
                lambda w, u: {"status": "completed"}),
        (L, N, N, A, N, N, N, N)),
    Row("capacity", "update", "page",
        Request("POST", lambda w: f"/prestador/cupos/{w.site.pk}/capacidad/",
                lambda w, u: {"capacity": 3}),
        (L, F, F, A, N, F, F, F)),
    Row("waitlist entry", "list (case)", "page",
        Request("GET", lambda w: f"/casos/{w.entry.case_id}/listas/",
                marker=lambda w: w.entry.case.code),
        (L, A, N, F, F, F, F, F)),
    Row("waitlist entry", "list (service)", "api",
        Request("GET", lambda w: f"/api/waitlists/{w.service.pk}/",
                marker=lambda w: w.entry.case.code),
        (L, N, N, A, N, A, N, N)),
    Row("waitlist entry", "list (network)", "page",
        Request("GET", lambda w: "/coordinacion/listas/", marker=lambda w: w.service.name),
        (L, F, F, F, F, A, F, F)),
    Row("waitlist entry", "list (network)", "api",
        Request("GET", lambda w: "/api/waitlists/", marker=lambda w: w.service.name),
        (L, F, F, F, F, A, F, F)),
    Row("waitlist entry", "history", "api",
        Request("GET", lambda w: "/api/waitlists/history/"),
        (L, F, F, F, F, A, F, F)),
    Row("waitlist entry", "withdraw", "page",
        Request("POST", lambda w: f"/casos/{w.entry.case_id}/listas/retirar/",
                lambda w, u: {"note": "Se mudó"}),
        (L, A, N, F, F, F, F, F)),
    Row("slot offer", "answer", "page",
        Request("POST", lambda w: f"/casos/{w.entry.case_id}/listas/ofertas/{w.offer.pk}/",
                lambda w, u: {"answer": "accept"}),
        (L, A, N, F, F, F, F, F)),
    Row("slot offer", "answer", "api",
        Request("POST", lambda w: f"/api/offers/{w.offer.pk}/answer/",
                lambda w, u: {"accept": True}),
        (L, A, N, N, N, N, N, N)),
    # --- allocation rounds ------------------------------------------------------------------
    Row("allocation round", "list", "page",
        Request("GET", lambda w: "/coordinacion/rondas/", marker=lambda w: w.territory.name),
        (L, F, F, F, F, A, F, F)),
    Row("allocation round", "read", "page",
        Request("GET", lambda w: f"/coordinacion/rondas/{w.round.pk}/",
                marker=lambda w: w.territory.name),
        (L, F, F, F, F, A, F, F)),
    Row("allocation round", "create", "api",
        Request("POST", lambda w: "/api/allocation-rounds/",
                lambda w, u: {"territory_id": str(w.territory.pk), "category_code": PSY}),
        (L, F, F, F, F, A, F, F)),
    Row("allocation round", "confirm", "page",
        Request("POST", lambda w: f"/coordinacion/rondas/{w.round.pk}/confirmar/",
                lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    Row("allocation round", "confirm", "api",
        Request("POST", lambda w: f"/api/allocation-rounds/{w.round.pk}/confirm/",
                lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    Row("allocation round", "discard", "page",
        Request("POST", lambda w: f"/coordinacion/rondas/{w.round.pk}/descartar/",
                lambda w, u: {}),
        (L, F, F, F, F, A, F, F)),
    # --- the prioritization policy --------------------------------------------------------------
    Row("priority policy", "read", "api",
        Request("GET", lambda w: "/api/priority-policy/", marker=lambda w: "version"),
        (L, A, A, A, A, A, A, A)),
    Row("priority policy", "read", "page", Request("GET", lambda w: "/coordinacion/politica/"),
        (L, F, F, F, F, A, F, F)),
    Row("priority policy", "publish", "api",
        Request("POST", lambda w: "/api/priority-policy/",
                lambda w, u: {"change_note": "Ventana de alertas"}),
        (L, F, F, F, F, A, F, F)),
    # --- gap figures: aggregates for planners and coordinators --------------------------------
    Row("gap figures", "read", "page", Request("GET", lambda w: "/brechas/"),
        (L, F, F, F, F, A, A, F)),
    Row("gap figures", "read", "api", Request("GET", lambda w: "/api/gaps/inventory/"),
        (L, F, F, F, F, A, A, F)),
    Row("gap figures", "read network", "api", Request("GET", lambda w: "/api/gaps/network/"),
        (L, F, F, F, F, A, A, F)),
    Row("gap figures", "download", "page",
        Request("GET", lambda w: "/brechas/descargas/brechas.csv"),
        (L, F, F, F, F, A, A, F)),
    # --- the audit log: searched by coordinators and administrators, changed by nobody --------
    Row("audit log", "list", "page", Request("GET", lambda w: "/auditoria/"),
        (L, F, F, F, F, A, F, A)),
    Row("audit log", "download", "page", Request("GET", lambda w: "/auditoria/exportar.csv"),
        (L, F, F, F, F, A, F, A)),
    Row("audit log", "list", "admin", Request("GET", lambda w: "/admin/audit/auditentry/"),
        (L, L, L, F, F, A, L, A)),
    Row("audit log", "create", "admin", Request("GET", lambda w: "/admin/audit/auditentry/add/"),
        (L, L, L, F, F, F, L, F)),
    # --- the directory: public reads, edits by the offer rule in the admin ------------------------
    Row("directory", "read", "page", Request("GET", lambda w: "/buscar/"),
        (A, A, A, A, A, A, A, A)),
    Row("directory", "read", "api",
        Request("GET", lambda w: "/api/services/search/", marker=lambda w: w.service.name),
        (A, A, A, A, A, A, A, A)),
    Row("directory", "read hsds", "api",
        Request("GET", lambda w: f"/api/hsds/services/{w.service.pk}",
                marker=lambda w: w.service.name),
        (A, A, A, A, A, A, A, A)),
    Row("directory service", "list", "admin",
        Request("GET", lambda w: "/admin/directory/service/", marker=lambda w: w.service.name),
        (L, L, L, A, A, A, L, A)),
    Row("directory service", "update", "admin",
        Request("GET", lambda w: f"/admin/directory/service/{w.service.pk}/change/",
                marker=lambda w: 'name="_save"'),
        (L, L, L, A, R, A, L, R)),
    Row("directory capacity", "update", "admin",
        Request("GET", lambda w: f"/admin/directory/serviceatsite/{w.site.pk}/change/",
                marker=lambda w: 'name="_save"'),
        (L, L, L, A, R, A, L, R)),
    Row("directory organization", "update", "admin",
        Request("GET", lambda w: f"/admin/directory/organization/{w.provider_org.pk}/change/",
                marker=lambda w: 'name="_save"'),
        (L, L, L, R, R, A, L, A)),
    Row("directory territory", "update", "admin",
        Request("GET", lambda w: f"/admin/directory/territory/{w.territory.pk}/change/",
                marker=lambda w: 'name="_save"'),
        (L, L, L, R, R, A, L, R)),
    # --- case records in the admin: not registered, for nobody ------------------------------------
    *[
        Row(f"{model} (admin)", "list", "admin",
            Request("GET", lambda w, path=path: path),
            (L, L, L, N, N, N, L, N))
        for model, path in (
            ("case", "/admin/matching/case/"),
            ("case identity", "/admin/matching/caseidentity/"),
            ("consent", "/admin/matching/consent/"),
            ("alert", "/admin/matching/alert/"),
            ("referral", "/admin/matching/referral/"),
            ("referral events", "/admin/matching/referralevent/"),
            ("enrolment", "/admin/waitlists/enrolment/"),
            ("waitlist entry", "/admin/waitlists/waitlistentry/"),
        )
    ],
    # --- users and settings ---------------------------------------------------------------------
    Row("users", "list", "admin",
        Request("GET", lambda w: "/admin/accounts/user/", marker=lambda w: "gestora"),
        (L, L, L, F, F, F, L, A)),
    Row("users", "roles", "admin",
        Request("GET", lambda w: "/admin/accounts/membership/", marker=lambda w: "gestora"),
        (L, L, L, F, F, F, L, A)),
    Row("settings", "periodic jobs", "admin",
        Request("GET", lambda w: "/admin/django_celery_beat/periodictask/"),
        (L, L, L, F, F, F, L, A)),
]  # fmt: skip

# Cells where the application contradicts the intent of issue 8 (see docs/permissions.md).
FINDINGS: dict[tuple[str, str, str, str], str] = {}


def _link_path(w: World) -> str:
    """A fresh printed letter's link for the world's referral (inside the cell's savepoint)."""
    from matching.services import referral_link_print

    return referral_link_print(actor=w.users["caseworker"], referral=w.referral).path


def _other_need_term(w: World) -> str:
    term = need_terms().exclude(pk=w.term.pk).first()
    assert term is not None
    return str(term.pk)


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(ROLES), row
        for role, expected in zip(ROLES, row.expected, strict=True):
            key = (row.object, row.action, row.surface, role)
            marks = []
            if key in FINDINGS:
                marks.append(pytest.mark.xfail(strict=True, reason=FINDINGS[key]))
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"), marks=marks)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once; rolled back when the module is done (each cell runs in a savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_build()
        yield built
        transaction.set_rollback(True)


def _client(world: World, role: str) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None:
        client.force_login(user)  # a real session, through the real middleware
    return client


def _send(client: APIClient, request: Request, world: World, user: User | None) -> Any:
    path = request.path(world)
    data = request.data(world, user) if request.data else None
    if path.startswith("/api/"):
        return client.generic(
            request.method,
            path,
            data=json.dumps(data) if data is not None else "",
            content_type="application/json",
        )
    if request.method == "POST":
        return client.post(path, data or {})
    return client.generic(request.method, path)


def _is_login_redirect(response: Any) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code == 302 and ("/entrar/" in location or "/admin/login/" in location)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def cell_check(world: World, row: Row, role: str, expected: str) -> None:
    """Send the row's request as the role and check the answer is the cell's (shared by
    the matrices of the front door and the case team)."""
    client = _client(world, role)
    user = world.users[role]
    response = _send(client, row.request, world, user)
    status = response.status_code
    body = _body(response)
    marker = row.request.marker(world) if row.request.marker else None
    api = row.surface == "api"
    if expected == ALLOW:
        assert status in (200, 201, 302) and not _is_login_redirect(response), (status, body[:500])
        if marker is not None and status != 302:
            assert marker in body, f"{marker!r} not in the answer"
    elif expected == NO_IDENTITY:
        assert status == 200, status
        assert IDENTITY_NAME not in body
    elif expected == HIDDEN:
        assert status == 200, status
        assert marker is not None and marker not in body
    elif expected == READ_ONLY:
        assert status == 200, status
        assert 'name="_save"' not in body
    elif expected == NOT_FOUND:
        assert status == 404, (status, body[:300])
    elif expected == FORBIDDEN:
        assert status == 403, (status, body[:300])
    elif expected == LOGIN:
        if api:
            assert status in (401, 403), status
        else:
            assert _is_login_redirect(response), (status, response.headers.get("Location"))
    elif expected == UNKNOWN:
        assert status == 400, (status, body[:300])
    elif expected == WRONG_SIDE:
        assert status in (400, 403), (status, body[:300])
    elif expected == NOT_OFFERED:
        assert status == 405, status
    else:  # pragma: no cover
        raise AssertionError(f"unknown expectation {expected}")


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_matrix_cell(world: World, row: Row, role: str, expected: str) -> None:
    cell_check(world, row, role, expected)


def test_a_made_up_record_is_answered_like_a_record_of_another_team(world: World) -> None:
    """The 404s above do not tell a stranger's record from one that does not exist."""
    from uuid import uuid4

    stranger = _client(world, "caseworker_other_org")
    for path in (f"/casos/{world.case.pk}/", f"/api/cases/{world.case.pk}/"):
        real = stranger.get(path)
        made_up = stranger.get(path.replace(str(world.case.pk), str(uuid4())))
        assert real.status_code == made_up.status_code == 404
        assert real.content == made_up.content
    refused = stranger.post(
        "/api/referrals/",
        {"case_id": str(world.case.pk), "service_at_site_id": str(world.site.pk)},
        format="json",
    )
    unknown = stranger.post(
        "/api/referrals/",
        {"case_id": str(uuid4()), "service_at_site_id": str(world.site.pk)},
        format="json",
    )
    assert refused.status_code == unknown.status_code == 400
    assert refused.json() == unknown.json()
