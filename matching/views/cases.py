"""The caseworker's pages: the team's cases, one case, its referral options.

The inbox (notifications and the team's alerts) is in ``matching.views.inbox``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.selectors import audit_entries_for_case
from audit.services import audit_list, audit_record, audit_refused
from cases.forms_family import FamilyLinkForm
from cases.models import (
    Admissibility,
    AlertStatus,
    Case,
    CaseNeed,
    CaseStatus,
    ConsentScope,
    NeedStatus,
    VulnerabilityFactor,
)
from cases.selectors import case_consent_for, case_team_organization_ids
from cases.selectors_family import family_summary_for_case
from cases.selectors_intake import case_duplicates_for_case
from cases.selectors_plan import plan_summary_for_case
from cases.services import alert_acknowledge, case_create, case_need_add, consent_record
from cases.services.intake import report_case_initial, report_convert
from cases.views import case_or_404
from cases.views.intake import report_converted_audit, report_to_convert_or_404
from directory.selectors import format_distance
from matching.confidential import options_redact_for
from matching.forms import (
    HOME_FIELDS,
    AlertAnswerForm,
    CaseCreateForm,
    ConsentForm,
    NeedAddForm,
    ReferralSendForm,
    ReferralWithdrawForm,
    add_service_errors,
    case_team_organizations,
)
from matching.models import (
    ACTIVE_REFERRAL_STATUSES,
    Referral,
    ReferralLinkState,
    ReferralStatus,
)
from matching.options import CANDIDATES, ReferralOption, ReferralOptions, referral_options
from matching.selectors import (
    alert_get_for_case_team,
    case_alert_list,
    case_consent_list,
    case_need_get,
    case_need_list,
    case_plan,
    case_priority_explain,
    case_referral_history,
    case_worklist,
    organization_is_outside,
    referral_contact_email,
    referral_get_for_case_team,
    referral_is_external,
    referral_link_latest,
    service_contact_email,
)
from matching.services import (
    CASE_TEAM,
    referral_allowed_moves,
    referral_create,
    referral_send,
    referral_transition,
)
from matching.views.common import audit_referral_moved, audit_referral_sent, uuid_or_404
from matching.views.inbox import inbox_query, inbox_url

OPTIONS_SHOWN = 10
CASES_PER_PAGE = 50
# How many of the latest accesses the case page lists.
ACCESSES_SHOWN = 20

# --- the team's cases --------------------------------------------------------------


@require_GET
@role_required(Role.CASEWORKER)
def case_list(request: HttpRequest) -> HttpResponse:
    cases = case_worklist(user=request.user)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    audit_list(
        request, record_type=AuditRecordType.CASE, count=len(page.object_list), page=page.number
    )
    return render(request, "matching/case_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@role_required(Role.CASEWORKER)
def case_new(request: HttpRequest) -> HttpResponse:
    teams = case_team_organizations(organization_ids=case_team_organization_ids(user=request.user))
    # ?reporte=<id>: a case opened from a report of the team's queue, prefilled from it.
    report = report_to_convert_or_404(request, request.GET.get("reporte", ""))
    form = CaseCreateForm(
        request.POST if request.method == "POST" else None,
        teams=teams,
        initial=report_case_initial(report=report) if report else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if report is None:
                case = case_create(actor=actor_of(request), **form.service_arguments())
            else:
                case = report_convert(
                    actor=actor_of(request), report=report, **form.service_arguments()
                )
        except ValidationError as error:
            add_service_errors(form, error, rename=HOME_FIELDS)
        else:
            audit_record(
                request=request,
                action=AuditAction.CREATE,
                record_type=AuditRecordType.CASE,
                record_id=case.pk,
                case=case,
                detail=f"from report={report.pk}" if report else "",
            )
            if report is not None:
                report_converted_audit(request, report=report, case=case)
            messages.success(request, _("Case %(code)s was registered.") % {"code": case.code})
            if case_duplicates_for_case(case=case):
                return redirect("cases:case_links", case_id=case.pk)
            return redirect("matching:case_detail", case_id=case.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "matching/case_form.html",
        {
            "form": form,
            "missing": form.missing_labels() if form.is_bound else [],
            "point_i18n": {"home": _("Home location")},
        },
        status=status,
    )


# --- one case -------------------------------------------------------------------------


def _outside(referral: Referral) -> dict[str, Any] | None:
    """The referral letter's link, for a service whose organization has no one on Puente."""
    link = referral_link_latest(referral=referral)
    if link is None and (
        referral.status not in ACTIVE_REFERRAL_STATUSES
        or not referral_is_external(referral=referral)
    ):
        return None
    state = link.state() if link is not None else ""
    return {
        "link": link,
        "state": state,
        "state_label": ReferralLinkState(state).label if state else "",
        "email": referral_contact_email(referral=referral),
        "active": referral.status in ACTIVE_REFERRAL_STATUSES,
        "live": link is not None
        and state not in (ReferralLinkState.REVOKED, ReferralLinkState.EXPIRED),
    }


def _referral_history(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "referral": referral,
            "events": list(referral.events.all()),
            "can_withdraw": ReferralStatus.WITHDRAWN
            in referral_allowed_moves(referral=referral, side=CASE_TEAM),
            "outside": _outside(referral),
        }
        for referral in case_referral_history(case=case)
    ]


def _labels(choices: type[TextChoices], values: list[str]) -> list[str]:
    return [str(choices(v).label) for v in values if v in choices.values]


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    consent_form: ConsentForm | None = None,
    need_form: NeedAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    history = _referral_history(case)
    # Recorded before the accesses are read, so the page lists this visit too.
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case=case,
    )
    context = {
        "case": case,
        "components": case_priority_explain(case=case),
        "plan": case_plan(case=case),
        "integrated_plan": plan_summary_for_case(case=case, today=timezone.localdate()),
        "family_summary": family_summary_for_case(user=request.user, case=case),
        "family_forms": {"link": FamilyLinkForm(auto_id="id_family_%s")},
        "unplanned": [row for row in history if row["referral"].need_id is None],
        "history": history,
        "factors": _labels(VulnerabilityFactor, case.vulnerability_factors),
        "consents": [
            {"consent": consent, "scopes": _labels(ConsentScope, consent.scopes)}
            for consent in case_consent_list(case=case)
        ],
        "has_consent": case_consent_for(case=case) is not None,
        "consent_form": consent_form or ConsentForm(),
        "need_form": need_form or NeedAddForm(),
        "alerts": case_alert_list(case=case),
        "AlertStatus": AlertStatus,
        "open_need_statuses": (NeedStatus.OPEN, NeedStatus.ADDRESSED),
        "is_open": case.status == CaseStatus.OPEN,
        "accesses": audit_entries_for_case(case_id=case.pk, limit=ACCESSES_SHOWN),
        "AuditAction": AuditAction,
    }
    return render(request, "matching/case_detail.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_case(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def consent_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent = consent_record(
                actor=actor_of(request),
                case=case,
                given_by=form.cleaned_data["given_by"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.CREATE,
                record_type=AuditRecordType.CONSENT,
                record_id=consent.pk,
                case=case,
            )
            messages.success(request, _("The consent was recorded."))
            return redirect("matching:case_detail", case_id=case.pk)
    return _render_case(request, case, consent_form=form, status=400)


@require_POST
@role_required(Role.CASEWORKER)
def need_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = NeedAddForm(request.POST)
    if form.is_valid():
        try:
            need = case_need_add(actor=actor_of(request), case=case, term=form.cleaned_data["term"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.CREATE,
                record_type=AuditRecordType.NEED,
                record_id=need.pk,
                case=case,
            )
            messages.success(request, _("The need was added to the case plan."))
            return redirect("matching:case_detail", case_id=case.pk)
    return _render_case(request, case, need_form=form, status=400)


@require_POST
@role_required(Role.CASEWORKER)
def alert_answer(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    alert = alert_get_for_case_team(user=request.user, alert_id=alert_id)
    if alert is None:
        audit_refused(request, record_type=AuditRecordType.ALERT, record_id=alert_id)
        raise Http404
    form = AlertAnswerForm(request.POST)
    if form.is_valid():
        close = form.cleaned_data["action"] == "close"
        alert_acknowledge(actor=actor_of(request), alert=alert, close=close)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.ALERT,
            record_id=alert.pk,
            case=alert.case,
            detail="closed" if close else "acknowledged",
        )
        messages.success(
            request, _("The alert was closed.") if close else _("The alert was marked as seen.")
        )
    else:
        messages.error(request, _("Choose whether to mark the alert as seen or close it."))
    if request.POST.get("next") == "inbox":
        # Back to the same filter and page of the inbox the answer was given from.
        return redirect(inbox_url(inbox_query(QueryDict(request.POST.get("inbox_query", "")))))
    return redirect("matching:case_detail", case_id=alert.case_id)


@require_POST
@role_required(Role.CASEWORKER)
def referral_withdraw(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = referral_get_for_case_team(user=request.user, referral_id=referral_id)
    if referral is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
        raise Http404
    form = ReferralWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long."))
        return redirect("matching:case_detail", case_id=referral.case_id)
    if ReferralStatus.WITHDRAWN not in referral_allowed_moves(referral=referral, side=CASE_TEAM):
        return _withdraw_conflict(request, referral)
    try:
        referral_transition(
            actor=actor_of(request),
            referral=referral,
            to_status=ReferralStatus.WITHDRAWN,
            note=form.cleaned_data["note"],
        )
    except ValidationError:
        # Moved by someone else between the page and this request, or at this moment:
        # the move was refused under the row's lock. Say what the referral is now.
        return _withdraw_conflict(request, referral)
    audit_referral_moved(request, referral=referral, to_status=ReferralStatus.WITHDRAWN)
    messages.success(request, _("The referral was withdrawn."))
    return redirect("matching:case_detail", case_id=referral.case_id)


def _withdraw_conflict(request: HttpRequest, referral: Referral) -> HttpResponse:
    """409: the referral is no longer in a state the case team may withdraw it from."""
    referral.refresh_from_db(fields=["status"])
    message = _(
        "The referral of case %(code)s to %(service)s is now “%(status)s”: it can no "
        "longer be withdrawn. Someone else moved it first; the case page shows it as it is."
    ) % {
        "code": referral.case.code,
        "service": referral.service.name,
        "status": referral.get_status_display(),
    }
    context = {"message": message, "referral": referral}
    return render(request, "matching/referral_conflict.html", context, status=409)


# --- referral options -------------------------------------------------------------------


def _need_from_query(request: HttpRequest, case: Case) -> CaseNeed | None:
    raw = request.GET.get("need", "")
    if not raw:
        return None
    need = case_need_get(case=case, need_id=uuid_or_404(raw))
    if need is None:
        raise Http404
    return need


def _option_row(option: ReferralOption, *, eligible: bool) -> dict[str, Any]:
    sas = option.service_at_site
    return {
        "id": str(sas.pk),
        "name": sas.service.name,
        "organization": sas.service.organization.name,
        "site": sas.site.name,
        "address": sas.site.address_1,
        "lat": sas.site.point.y,
        "lon": sas.site.point.x,
        "eligible": eligible,
        "score": option.score,
        "distance": format_distance(option.distance_m),
        "free_slots": option.free_slots,
        "capacity_status": option.capacity.status if option.capacity else "",
        "reasons": [r.sentence for r in option.reasons],
        "excluded_because": list(option.excluded_because),
    }


def _may_override_admissibility(case: Case) -> bool:
    return case.admissibility == Admissibility.PENDING and case.urgent_safety


def _render_options(
    request: HttpRequest,
    case: Case,
    need: CaseNeed | None,
    options: ReferralOptions,
    *,
    bound: ReferralSendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    has_consent = case_consent_for(case=case) is not None
    is_open = case.status == CaseStatus.OPEN
    options_redact_for(user=request.user, options=options, home=case.home)
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case=case,
        detail="referral options",
    )
    eligible = options.eligible[:OPTIONS_SHOWN]
    excluded = options.excluded[:OPTIONS_SHOWN]
    rows = []
    bound_shown = False
    outside: dict[Any, dict[str, str] | None] = {}
    for rank, option in enumerate(eligible, start=1):
        sas_id = option.service_at_site.pk
        auto_id = f"id_{sas_id}_%s"
        form: ReferralSendForm
        if bound is not None and str(bound.data.get("service_at_site")) == str(sas_id):
            form = bound
            form.auto_id = auto_id
            bound_shown = True
        else:
            form = ReferralSendForm(
                initial={"service_at_site": sas_id},
                has_consent=has_consent,
                may_override_admissibility=_may_override_admissibility(case),
                auto_id=auto_id,
            )
        service = option.service_at_site.service
        if service.organization_id not in outside:
            outside[service.organization_id] = (
                {"email": service_contact_email(service=service)}
                if organization_is_outside(organization_id=service.organization_id)
                else None
            )
        rows.append(
            {
                "rank": rank,
                "option": option,
                "form": form,
                "distance": format_distance(option.distance_m),
                "outside": outside[service.organization_id],
            }
        )
    map_data = {
        "home": {"lat": case.home.y, "lon": case.home.x},
        "options": [_option_row(o, eligible=True) for o in eligible]
        + [_option_row(o, eligible=False) for o in excluded],
        "i18n": {
            "home": _("The child's home"),
            "excluded": _("Excluded"),
            "score": _("Score"),
            "slots": _("Free slots"),
        },
    }
    context = {
        "case": case,
        "need": need,
        "admissibility_pending": case.admissibility == Admissibility.PENDING,
        "needs": list(case_need_list(case=case)),
        "rows": rows,
        "excluded": [
            {"option": option, "distance": format_distance(option.distance_m)}
            for option in excluded
        ],
        "has_consent": has_consent,
        "map_data": map_data,
        # Errors of a form the page cannot show in place (closed case, vanished option).
        "orphan_form": bound if bound is not None and not (bound_shown and is_open) else None,
        "is_open": is_open,
    }
    return render(request, "matching/case_options.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.CASEWORKER)
def case_options(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    need = _need_from_query(request, case)
    if request.method != "POST":
        return _render_options(request, case, need, referral_options(case=case, need=need))
    # The option chosen must still be eligible now, not only when the page was drawn.
    options = referral_options(case=case, need=need, limit=CANDIDATES)
    form = ReferralSendForm(
        request.POST,
        has_consent=case_consent_for(case=case) is not None,
        may_override_admissibility=_may_override_admissibility(case),
    )
    if form.is_valid():
        chosen = next(
            (
                o
                for o in options.eligible
                if o.service_at_site.pk == form.cleaned_data["service_at_site"]
            ),
            None,
        )
        if chosen is None:
            form.add_error(None, _("This service is not among the eligible options for the case."))
        else:
            try:
                with transaction.atomic():
                    referral = referral_create(
                        actor=actor_of(request),
                        case=case,
                        service=chosen.service_at_site.service,
                        service_at_site=chosen.service_at_site,
                        need=need,
                        shared_note=form.cleaned_data["shared_note"],
                    )
                    referral = referral_send(
                        actor=actor_of(request),
                        referral=referral,
                        consent_override_reason=form.cleaned_data.get(
                            "consent_override_reason", ""
                        ),
                        admissibility_override_reason=form.cleaned_data.get(
                            "admissibility_override_reason", ""
                        ),
                    )
            except ValidationError as error:
                add_service_errors(
                    form,
                    error,
                    rename={
                        "consent": "consent_override_reason",
                        "admissibility": "admissibility_override_reason",
                    },
                )
            else:
                audit_referral_sent(request, referral=referral)
                messages.success(
                    request,
                    _("The referral to %(service)s was sent.")
                    % {"service": chosen.service_at_site.service.name},
                )
                if referral_is_external(referral=referral) and not referral_contact_email(
                    referral=referral
                ):
                    # Nobody to mail: the letter to print is the way the referral arrives.
                    return redirect("matching:referral_letter", referral_id=referral.pk)
                return redirect("matching:case_detail", case_id=case.pk)
    return _render_options(request, case, need, options, bound=form, status=400)


__all__ = [
    "alert_answer",
    "case_detail",
    "case_list",
    "case_new",
    "case_options",
    "consent_add",
    "need_add",
    "referral_withdraw",
]
