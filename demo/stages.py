"""The demo's cases at every stage of a case's path, some worked by two organizations.

The drawn cases (``demo.cases``) are mostly admitted, referred and some closed. This
step, run after them and through the same services, makes sure a new user finds each
stage the field work names (seed 004): reports waiting in a team's queue, a case
pending admissibility, a case in its plan with a partner team, a case in service with
the provider and the family court on its case team (the family agreed to share), a
case in follow-up, a "rights restored" closure waiting for the court's verification,
closed cases, a case reopened by a new alert, and a transfer waiting for the
supervisor's approval. The cases are chosen from the drawn ones by code, so a seed
still gives the same demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User
from cases.models import (
    AccompanimentIntensity,
    Admissibility,
    AlertType,
    Case,
    CaseCloseReason,
    CaseStatus,
    ConsentScope,
    FollowUpKind,
    NoteVisibility,
    PartnerRole,
)
from cases.services import alert_raise, consent_record
from cases.services.closure import case_closure_request
from cases.services.family import (
    accompaniment_session_log,
    accompaniment_start,
    caregiver_add,
    family_child_link,
    family_create,
    family_goal_add,
)
from cases.services.follow_up import follow_up_schedule
from cases.services.intake import report_register
from cases.services.notes import case_note_write
from cases.services.partners import case_partner_add, case_progress_report, case_transfer_request
from cases.services.plan import (
    plan_action_add,
    plan_agreement_record,
    plan_approve,
    plan_goal_add,
    plan_start,
    plan_submit,
)
from directory.models import AccessRoute, Organization, RiskLevel, Sex
from matching.models import ReferralStatus


@dataclass
class DemoStagesSummary:
    #: stage → the case code (or "report") that shows it
    stages: dict[str, str] = field(default_factory=dict)


def _member(username: str, role: str) -> Membership | None:
    return (
        Membership.objects.filter(user__username=username, role=role, user__is_active=True)
        .select_related("user", "organization")
        .order_by("organization__name")
        .first()
    )


@dataclass(frozen=True)
class _Cast:
    caseworker: User
    lead: Organization
    second_team: Organization | None
    court: Organization | None
    provider: User | None
    provider_org: Organization | None


def _cast() -> _Cast | None:
    lead = _member("gestora", Role.CASEWORKER)
    if lead is None:
        return None
    second = _member("gestor", Role.CASEWORKER)
    court = _member("autoridad", Role.CASEWORKER)
    provider = _member("prestador", Role.PROVIDER)
    return _Cast(
        caseworker=lead.user,
        lead=lead.organization,
        second_team=second.organization if second else None,
        court=court.organization if court else None,
        provider=provider.user if provider else None,
        provider_org=provider.organization if provider else None,
    )


def _share(cast: _Cast, case: Case) -> None:
    consent_record(
        actor=cast.caseworker,
        case=case,
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )


def _reports(cast: _Cast, summary: DemoStagesSummary) -> None:
    """Two reports in the lead team's queue: a walk-in at the provider and a school's."""
    if cast.provider is None or cast.provider_org is None:
        return
    report_register(
        actor=cast.provider,
        receiving_organization=cast.provider_org,
        addressed_to=cast.lead,
        modality=AccessRoute.SELF_REFERRAL,
        observed=(
            "La madre consulta en el mostrador: la niña falta al colegio hace tres semanas "
            "y no duerme bien."
        ),
        concern_types=[AlertType.SCHOOL_ABSENCE, AlertType.NEGLECT],
        urgency=RiskLevel.MODERATE,
        reporter_role="madre",
        receiving_attends=True,
        child_age_years=9,
        child_sex=Sex.FEMALE,
        child_description="Niña de 9 años, cuarto básico",
    )
    report_register(
        actor=cast.provider,
        receiving_organization=cast.provider_org,
        addressed_to=cast.lead,
        modality=AccessRoute.REFERRAL,
        observed="El profesor jefe informa moretones repetidos en los brazos.",
        concern_types=[AlertType.PHYSICAL_ABUSE],
        urgency=RiskLevel.HIGH,
        reporter_institution="Escuela Básica del sector",
        reporter_role="profesor jefe",
        child_age_years=12,
        child_sex=Sex.MALE,
        child_description="Niño de 12 años",
    )
    summary.stages["reported"] = "report"


def _in_service(case: Case) -> bool:
    return case.referrals.filter(status=ReferralStatus.IN_SERVICE).exists()


def _admitted(case: Case) -> bool:
    return case.admissibility == Admissibility.ADMITTED


class _Pick:
    """Open cases of the lead team, by code; each is given to one stage only."""

    def __init__(self, cast: _Cast) -> None:
        self.cases = list(
            Case.objects.filter(organization=cast.lead, status=CaseStatus.OPEN).order_by("code")
        )
        self.taken: set[str] = set()

    def first(self, test: Callable[[Case], bool]) -> Case | None:
        for case in self.cases:
            if case.code not in self.taken and test(case):
                self.taken.add(case.code)
                return case
        return None


def _pending(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    pending = pick.first(lambda c: c.admissibility == Admissibility.PENDING)
    if pending is None:
        pending = pick.first(lambda c: not c.referrals.exists())
        if pending is not None:
            Case.objects.filter(pk=pending.pk).update(admissibility=Admissibility.PENDING)
    if pending is not None:
        summary.stages["pending admissibility"] = pending.code


def _in_service_with_partners(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    case = pick.first(lambda c: _admitted(c) and _in_service(c))
    if case is None:
        return
    _share(cast, case)
    if cast.court is not None:
        case_partner_add(
            actor=cast.caseworker,
            case=case,
            organization_id=cast.court.pk,
            role=PartnerRole.AUTHORITY,
        )
    provider_org = case.referrals.filter(status=ReferralStatus.IN_SERVICE).values_list(
        "service__organization_id", flat=True
    )[0]
    case_partner_add(
        actor=cast.caseworker, case=case, organization_id=provider_org, role=PartnerRole.PROVIDER
    )
    case_note_write(
        actor=cast.caseworker,
        case=case,
        text="Se acordó con el programa una visita conjunta al domicilio el próximo mes.",
        visibility=NoteVisibility.CASE_TEAM,
    )
    if (
        cast.provider is not None
        and cast.provider_org is not None
        and (provider_org == cast.provider_org.pk)
    ):
        case_progress_report(
            actor=cast.provider,
            case=case,
            organization_id=provider_org,
            done="Cuatro sesiones individuales y una con la madre.",
            changed="Asiste a clases todos los días; la madre participa.",
        )
    _integrated_plan(cast, case, provider_org=provider_org)
    summary.stages["in service, with the provider and the court"] = case.code


def _integrated_plan(cast: _Cast, case: Case, *, provider_org: Any) -> None:
    """The case's plan with actions of three organizations (the lead, the court, the
    provider), the family's agreement, sent for approval and approved where the lead
    has a supervisor (issue 15: "the plan gathers actions of three organizations")."""
    today = timezone.localdate()
    need = case.needs.select_related("term").first()
    if need is None:
        return
    plan = plan_start(actor=cast.caseworker, case=case, review_on=today + timedelta(days=90))
    version = plan.versions.get()
    goal = plan_goal_add(
        actor=cast.caseworker,
        version=version,
        description="Que la niña sostenga su asistencia al programa y a clases.",
        need=need,
    )
    referral = case.referrals.filter(status=ReferralStatus.IN_SERVICE).first()
    writers = [
        (cast.caseworker, case.organization_id, "Visita domiciliaria con la madre", 14, None),
        (cast.caseworker, provider_org, "Sesiones del programa", 45, referral),
    ]
    if cast.court is not None:
        writers.append(
            (cast.caseworker, cast.court.pk, "Audiencia de revisión de la medida", -3, None)
        )
    for actor, organization_id, text, days, linked in writers:
        plan_action_add(
            actor=actor,
            goal=goal,
            description=text,
            responsible="Equipo del caso",
            due_on=today + timedelta(days=days),
            organization_id=organization_id,
            referral_id=linked.pk if linked is not None else None,
        )
    plan_agreement_record(
        actor=cast.caseworker,
        version=version,
        participants="La niña, su madre y la gestora",
        agreed_on=today,
        child_took_part=True,
        child_view="Le gusta ir al programa.",
        family_view="La madre está de acuerdo y pide horarios de tarde.",
    )
    plan_submit(actor=cast.caseworker, version=version)
    supervisor = (
        Membership.objects.filter(
            organization=case.organization, role=Role.SUPERVISOR, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if supervisor is not None:
        plan_approve(actor=supervisor.user, version=version)


def _in_plan_with_second_team(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    case = pick.first(lambda c: _admitted(c) and not _in_service(c))
    if case is None or cast.second_team is None:
        return
    _share(cast, case)
    case_partner_add(
        actor=cast.caseworker,
        case=case,
        organization_id=cast.second_team.pk,
        role=PartnerRole.EVALUATING,
    )
    summary.stages["in plan, with a second team evaluating"] = case.code


def _in_follow_up(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    case = pick.first(lambda c: c.follow_up_until is not None)
    if case is None:
        case = pick.first(lambda c: _admitted(c) and not _in_service(c))
        if case is not None:
            follow_up_schedule(
                actor=cast.caseworker,
                case=case,
                kind=FollowUpKind.HOME_VISIT,
                due_on=timezone.localdate() + timedelta(days=10),
            )
    if case is not None:
        summary.stages["in follow-up"] = case.code


def _closure_waiting(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    case = pick.first(_admitted)
    if case is None or cast.court is None:
        return
    case_partner_add(
        actor=cast.caseworker, case=case, organization_id=cast.court.pk, role=PartnerRole.AUTHORITY
    )
    case_closure_request(actor=cast.caseworker, case=case, reason=CaseCloseReason.PLAN_COMPLETED)
    summary.stages["closure waiting for the court's verification"] = case.code


def _transfer_waiting(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    case = pick.first(_admitted)
    if case is None or cast.second_team is None:
        return
    case_transfer_request(
        actor=cast.caseworker,
        case=case,
        to_organization_id=cast.second_team.pk,
        reason="La familia se mudó al sector del otro equipo.",
    )
    summary.stages["transfer waiting for approval"] = case.code


def _closed_and_reopened(cast: _Cast, summary: DemoStagesSummary) -> None:
    closed = list(
        Case.objects.filter(organization=cast.lead, status=CaseStatus.CLOSED).order_by("code")[:2]
    )
    if closed:
        summary.stages["closed"] = closed[-1].code
    if len(closed) < 2 or cast.provider is None or cast.provider_org is None:
        return
    # The last stays closed; the first is reopened by a successive alert.
    alert_raise(
        actor=cast.provider,
        organization=cast.provider_org,
        alert_type=AlertType.NEGLECT,
        severity=RiskLevel.HIGH,
        case=closed[0],
        note="La familia volvió a consultar: el niño no asiste al colegio.",
    )
    summary.stages["reopened by a new alert"] = closed[0].code


def _families(cast: _Cast, pick: _Pick, summary: DemoStagesSummary) -> None:
    """A family with two siblings and its plan, and an accompanied family of two
    children with two visits logged (issue 15)."""
    siblings = [pick.first(_admitted), pick.first(_admitted)]
    if None in siblings:
        return
    first, second = siblings
    assert first is not None and second is not None
    family = family_create(actor=cast.caseworker, case=first)
    family_child_link(actor=cast.caseworker, case=second, family_code=family.code)
    caregiver_add(actor=cast.caseworker, family=family, relationship="mother")
    caregiver_add(actor=cast.caseworker, family=family, relationship="grandparent")
    family_goal_add(
        actor=cast.caseworker, family=family, description="Asistencia regular de ambos a la escuela"
    )
    summary.stages["family with siblings"] = family.code
    pair = [pick.first(_admitted), pick.first(_admitted)]
    if None in pair:
        return
    one, other = pair
    assert one is not None and other is not None
    accompanied = family_create(actor=cast.caseworker, case=one)
    family_child_link(actor=cast.caseworker, case=other, family_code=accompanied.code)
    caregiver_add(actor=cast.caseworker, family=accompanied, relationship="father")
    goal = family_goal_add(
        actor=cast.caseworker,
        family=accompanied,
        description="Rutinas de cuidado y crianza positiva en el hogar",
    )
    today = timezone.localdate()
    accompaniment = accompaniment_start(
        actor=cast.caseworker,
        family=accompanied,
        accompanist=cast.caseworker,
        intensity=AccompanimentIntensity.FORTNIGHTLY,
        started_on=today - timedelta(days=30),
    )
    for days, progress, step in (
        (28, 2, "Acordar horarios con el padre"),
        (14, 3, "Visita con ambos NNA presentes"),
    ):
        accompaniment_session_log(
            actor=cast.caseworker,
            accompaniment=accompaniment,
            held_on=today - timedelta(days=days),
            participants="Padre y los dos NNA",
            progress=progress,
            goal_ids=[goal.pk],
            next_step=step,
        )
    summary.stages["family in accompaniment"] = accompanied.code


@transaction.atomic
def demo_stages_load() -> DemoStagesSummary:
    """Bring the drawn cases to every stage; a summary of which case shows which."""
    summary = DemoStagesSummary()
    cast = _cast()
    if cast is None:
        return summary
    _reports(cast, summary)
    pick = _Pick(cast)
    _pending(cast, pick, summary)
    _in_service_with_partners(cast, pick, summary)
    _in_plan_with_second_team(cast, pick, summary)
    _in_follow_up(cast, pick, summary)
    _closure_waiting(cast, pick, summary)
    _transfer_waiting(cast, pick, summary)
    _families(cast, pick, summary)
    _closed_and_reopened(cast, summary)
    return summary
