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

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import AnyUser, user_organization_ids
from cases.models import AlertStatus, Case, CaseNeed
from cases.selectors import case_team_organization_ids
from matching.models import ACTIVE_REFERRAL_STATUSES, PriorityPolicy, Referral, ReferralStatus
from matching.priority import PriorityComponent, priority_explain

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
