"""Reads of referrals, the policy and the case plan, and who may see which.

Who sees what (the permission rules of matching; those of the case file are in
``cases.selectors``):
- caseworkers of the owning organization work a case's options and referrals;
- provider staff see the referral packet of referrals sent to their organization's
  services: needs, age band, what the caseworker chose to share; never the case file;
- coordinators see the network's operational views (overdue referrals), never the
  case contents.
Records one may not see are answered as if they did not exist (404), not 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Case as CaseWhen
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import AnyUser, user_organization_ids
from audit.models import AuditAction, AuditEntry
from cases.models import Alert, AlertStatus, Case, CaseNeed, CaseStatus, Consent, NeedStatus
from cases.selectors import (
    alert_inbox_for_case_team,
    alert_organization_ids,
    case_list_for_user,
    case_team_organization_ids,
    organization_members,
)
from directory.models import Organization, Service, ServiceAtSite, TaxonomyTerm
from matching.models import (
    ACTIVE_REFERRAL_STATUSES,
    PriorityPolicy,
    Referral,
    ReferralEvent,
    ReferralLink,
    ReferralStatus,
)
from matching.priority import PriorityComponent, priority_explain
from notifications.selectors import notification_list_unread

# --- permissions ---------------------------------------------------------------


def provider_organization_ids(*, user: AnyUser) -> set[UUID]:
    return user_organization_ids(user=user, role=Role.PROVIDER)


def referral_list_for_provider(*, user: AnyUser) -> QuerySet[Referral]:
    """Referrals sent to the user's organizations' services (drafts are not sent)."""
    return (
        Referral.objects.filter(service__organization_id__in=provider_organization_ids(user=user))
        .exclude(status=ReferralStatus.DRAFT)
        .select_related("case", "need__term", "service", "service_at_site__site")
    )


def referral_get_for_provider(*, user: AnyUser, referral_id: UUID) -> Referral | None:
    return referral_list_for_provider(user=user).filter(pk=referral_id).first()


def _referrals_for_provider(*, user: AnyUser, status: str | None) -> QuerySet[Referral]:
    referrals = referral_list_for_provider(user=user)
    return referrals.filter(status=status) if status else referrals


def referral_inbox_for_provider(*, user: AnyUser, status: str | None = None) -> QuerySet[Referral]:
    """The provider's inbox (in ``status``, if given): referrals still waiting for an
    answer first, the nearest deadline first."""
    return (
        _referrals_for_provider(user=user, status=status)
        .annotate(
            answered=CaseWhen(
                When(status=ReferralStatus.SENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("answered", "response_due", "-sent_at")
    )


def referral_latest_for_provider(
    *, user: AnyUser, status: str | None = None, limit: int
) -> list[Referral]:
    """The last ``limit`` referrals sent to the provider (in ``status``, if given)."""
    return list(_referrals_for_provider(user=user, status=status).order_by("-sent_at")[:limit])


def referral_get_for_case_team(*, user: AnyUser, referral_id: UUID) -> Referral | None:
    return (
        Referral.objects.filter(
            pk=referral_id, case__organization_id__in=case_team_organization_ids(user=user)
        )
        .select_related("case", "service", "service_at_site__site", "need__term")
        .first()
    )


# --- policy and priority --------------------------------------------------------


DEFAULT_POLICY_NOTE = "Default policy"


def policy_current() -> PriorityPolicy:
    """The policy in force: the latest published version (migration 0002 publishes v1).

    A read only: with no version saved (a database emptied by a test's flush) it is an
    unsaved version 1 with the model's defaults. Whoever stores the policy's id calls
    ``matching.services.policy_ensure_current``, which saves that version 1.
    """
    policy = PriorityPolicy.objects.order_by("-version").first()
    if policy is None:
        policy = PriorityPolicy(version=1, change_note=DEFAULT_POLICY_NOTE)
    return policy


def case_priority_explain(*, case: Case) -> list[PriorityComponent]:
    return priority_explain(components=case.priority_components)


def case_active_alert_count(*, case: Case, policy: PriorityPolicy) -> int:
    since = timezone.now() - timedelta(days=policy.alert_window_days)
    return case.alerts.filter(created__gte=since).exclude(status=AlertStatus.CLOSED).count()


def policy_versions() -> QuerySet[PriorityPolicy]:
    """Every published version, newest first, with who published it."""
    return PriorityPolicy.objects.select_related("created_by").order_by("-version")


# --- lists for each role's work ---------------------------------------------------


def case_plan(*, case: Case) -> list[tuple[CaseNeed, list[Referral]]]:
    """Each need with the referrals that address it, newest first."""
    needs = list(case.needs.select_related("term").order_by("created"))
    referrals = list(
        case.referrals.select_related("service", "service_at_site__site").order_by("-created")
    )
    return [(need, [r for r in referrals if r.need_id == need.pk]) for need in needs]


def referral_list_overdue(*, now: datetime | None = None) -> QuerySet[Referral]:
    """Sent referrals past their answer deadline: the coordinator's follow-up list."""
    return (
        Referral.objects.filter(status=ReferralStatus.SENT, response_due__lt=now or timezone.now())
        .select_related("case", "case__organization", "service", "service__organization")
        .order_by("response_due")
    )


def referral_get_for_coordination(*, referral_id: UUID) -> Referral | None:
    """A sent referral as the coordinator follows it up: who, to whom, since when.

    Drafts never left the case team, so they do not exist for anyone else.
    """
    return (
        Referral.objects.exclude(status=ReferralStatus.DRAFT)
        .select_related(
            "case",
            "case__organization",
            "service",
            "service__organization",
            "service_at_site__site",
        )
        .filter(pk=referral_id)
        .first()
    )


def case_get_for_coordination(*, case_id: UUID) -> Case | None:
    """A case as the coordinator follows it up: code, team, territory and figures only."""
    return (
        Case.objects.select_related("organization", "territory")
        .annotate(open_alerts=Count("alerts", filter=~Q(alerts__status=AlertStatus.CLOSED)))
        .filter(pk=case_id)
        .first()
    )


def case_referrals_awaiting_answer(*, case: Case) -> QuerySet[Referral]:
    """A case's referrals still waiting for the provider, oldest deadline first."""
    return (
        case.referrals.filter(status=ReferralStatus.SENT)
        .select_related("service", "service__organization")
        .order_by("response_due")
    )


def follow_up_reminders(
    *, record_type: str, record_id: object, case_id: UUID, limit: int = 20
) -> list[AuditEntry]:
    """The reminders sent about one record, newest first, from the audit log."""
    return list(
        AuditEntry.objects.filter(
            case_id=case_id,
            action=AuditAction.SEND,
            record_type=record_type,
            record_id=str(record_id),
            detail__startswith="reminder=",
        ).order_by("-at")[:limit]
    )


def follow_up_recent(
    *, record_type: str, case_ids: list[UUID], since: datetime
) -> dict[tuple[str, str], datetime]:
    """(record id, detail) → when the latest reminder since ``since`` went out: one query."""
    latest: dict[tuple[str, str], datetime] = {}
    entries = AuditEntry.objects.filter(
        case_id__in=case_ids,
        action=AuditAction.SEND,
        record_type=record_type,
        detail__startswith="reminder=",
        at__gt=since,
    ).values_list("record_id", "detail", "at")
    for record_id, detail, at in entries:
        key = (record_id, detail)
        if key not in latest or at > latest[key]:
            latest[key] = at
    return latest


# --- the case team's pages and API ----------------------------------------------------
# The case itself comes from ``cases.selectors`` (``case_get_for_user``), which is
# where the team's right to it is checked; these read what hangs from it.


def case_worklist(*, user: AnyUser) -> QuerySet[Case]:
    """The team's open cases, most urgent first, each with its open needs counted."""
    return (
        case_list_for_user(user=user)
        .filter(status=CaseStatus.OPEN)
        .annotate(
            open_needs=Count(
                "needs", filter=Q(needs__status__in=[NeedStatus.OPEN, NeedStatus.ADDRESSED])
            )
        )
        .order_by("-priority_score", "requested_at", "code")
    )


def case_list_open(*, user: AnyUser, limit: int) -> list[Case]:
    """The team's open cases for the API: most urgent first, at most ``limit``."""
    return list(
        case_list_for_user(user=user)
        .filter(status=CaseStatus.OPEN)
        .select_related("territory", "priority_policy")
        .order_by("-priority_score", "requested_at")[:limit]
    )


def case_need_list(*, case: Case) -> QuerySet[CaseNeed]:
    """The case's needs with their terms, in the order they were recorded."""
    return case.needs.select_related("term").order_by("created")


def case_need_get(*, case: Case, need_id: UUID) -> CaseNeed | None:
    """One need of ``case``, with its term; ``None`` for any other case's need."""
    return case.needs.select_related("term").filter(pk=need_id).first()


def case_referral_history(*, case: Case) -> QuerySet[Referral]:
    """The case's referrals, newest first, each with its events in order and their actors."""
    return (
        case.referrals.select_related(
            "service__organization", "service_at_site__site", "need__term"
        )
        .prefetch_related(
            Prefetch(
                "events", queryset=ReferralEvent.objects.select_related("actor").order_by("at")
            )
        )
        .order_by("-created")
    )


def case_consent_list(*, case: Case) -> QuerySet[Consent]:
    return case.consents.all()


def case_alert_list(*, case: Case) -> list[Alert]:
    return list(case.alerts.select_related("raised_by_organization"))


def alert_get_for_case_team(*, user: AnyUser, alert_id: UUID) -> Alert | None:
    """An alert still open on a case of the user's teams, or ``None`` as if none existed."""
    return alert_inbox_for_case_team(user=user).filter(pk=alert_id).first()


def notification_unread_ids(*, user: AnyUser) -> list[int]:
    return list(notification_list_unread(user=user).values_list("pk", flat=True))


# --- raising alerts, and what the API looks up by id ------------------------------------


def alert_organizations(*, user: AnyUser) -> QuerySet[Organization]:
    """The organizations on whose behalf the user may raise an alert, by name."""
    return Organization.objects.filter(pk__in=list(alert_organization_ids(user=user))).order_by(
        "name"
    )


def case_get_for_alert_by_code(*, code: str) -> Case | None:
    """The case with this code, for someone raising an alert on it, open or closed.

    Whoever asks may not read the case: they get it to attach the alert, nothing more.
    A closed case takes the alert and opens again (``alert_raise``); an anonymised one
    no longer knows who the child is, and the alert starts an intake instead.
    """
    return Case.objects.filter(code=code, anonymised_at__isnull=True).first()


def organization_get(*, organization_id: UUID) -> Organization:
    """An organization the caller knows exists (one of the user's own)."""
    return Organization.objects.get(pk=organization_id)


def organization_find(*, organization_id: UUID) -> Organization | None:
    return Organization.objects.filter(pk=organization_id).first()


def service_at_site_get(*, service_at_site_id: UUID) -> ServiceAtSite | None:
    return ServiceAtSite.objects.select_related("service").filter(pk=service_at_site_id).first()


def taxonomy_term_choices() -> QuerySet[TaxonomyTerm]:
    """The terms a need may name through the API: any term of the taxonomy."""
    return TaxonomyTerm.objects.all()


# --- the referral packet: all a provider sees ---------------------------------------

AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 5), (6, 11), (12, 14), (15, 17))


def age_band_label(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}–{high}"
    return "18+"


@dataclass(frozen=True)
class ReferralPacket:
    referral_id: UUID
    case_code: str
    age_band: str
    sex: str
    risk_level: str
    urgent_safety: bool
    needs: list[str]
    shared_note: str
    priority_score: int
    status: str
    status_label: str
    sent_at: datetime | None
    response_due: datetime | None
    is_overdue: bool
    service_name: str
    site_name: str | None


def referral_packet(*, referral: Referral, today: date | None = None) -> ReferralPacket:
    case = referral.case
    needs = [
        n.term.name
        for n in case.needs.select_related("term").order_by("created")
        if n.status != "dropped"
    ]
    site = referral.service_at_site.site if referral.service_at_site else None
    return ReferralPacket(
        referral_id=referral.pk,
        case_code=case.code,
        age_band=age_band_label(case.age_years(today)),
        sex=case.get_sex_display(),
        risk_level=case.get_risk_level_display(),
        urgent_safety=case.urgent_safety,
        needs=needs,
        shared_note=referral.shared_note,
        priority_score=case.priority_score,
        status=referral.status,
        status_label=referral.get_status_display(),
        sent_at=referral.sent_at,
        response_due=referral.response_due,
        is_overdue=referral.is_overdue,
        service_name=referral.service.name,
        site_name=site.name if site else None,
    )


def referral_active_for_case_and_service(*, case: Case, service_id: UUID) -> Referral | None:
    return (
        case.referrals.filter(service_id=service_id)
        .filter(status__in=[ReferralStatus.DRAFT, *ACTIVE_REFERRAL_STATUSES])
        .first()
    )


def referral_list_overdue_for_case_team(*, user: AnyUser) -> QuerySet[Referral]:
    """The team's sent referrals past their answer deadline: theirs to chase or redirect."""
    return referral_list_overdue().filter(case_team_id__in=case_team_organization_ids(user=user))


def referral_link_latest(*, referral: Referral) -> ReferralLink | None:
    """The referral's newest link (live or not): what the case page tells of it."""
    return referral.links.select_related("referral").first()


# --- services not yet on Puente --------------------------------------------------


def organization_is_outside(*, organization_id: UUID) -> bool:
    """No active provider staff in the organization: nobody on Puente to answer referrals."""
    return not organization_members(organization_id=organization_id, roles=[Role.PROVIDER]).exists()


def referral_is_external(*, referral: Referral) -> bool:
    return organization_is_outside(organization_id=referral.service.organization_id)


def service_contact_email(*, service: Service) -> str:
    """The directory's address for the service, else its organization's."""
    return (service.email or service.organization.email or "").strip()


def referral_contact_email(*, referral: Referral) -> str:
    return service_contact_email(service=referral.service)
