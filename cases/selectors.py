"""Reads of the case file, and who may see which case.

Who sees what:
- caseworkers of the lead organization (``Case.organization``) work a case: its record,
  needs, consents, alerts and notes;
- supervisors of the lead organization read its team's caseload and each case of it,
  and approve transfers out and closures that need four eyes;
- partner organizations on the case team (``CasePartner``) read the case summary and
  the notes meant for the whole case team only while the family's consent to share
  information with the network holds; without it a partner sees the team (who is on
  the case) and the referral packet, as a provider does;
- the authority on the case team verifies a "rights restored" closure;
- coordinators see the network's operational views (cases with multiple alerts: code,
  team, priority), never the case contents;
- any member of the network may raise an alert, learning nothing about the case.
Records one may not see are answered as if they did not exist (404), not 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from django.db.models import Case as Case_
from django.db.models import Count, Q, QuerySet, Value, When

from accounts.models import Role, User
from accounts.selectors import AnyUser, user_memberships, user_organization_ids, user_roles
from cases.models import (
    Alert,
    AlertStatus,
    Case,
    CasePartner,
    CaseStatus,
    Consent,
    ConsentScope,
    PartnerRole,
)
from directory.models import RiskLevel

# --- permissions ---------------------------------------------------------------


def case_team_organization_ids(*, user: AnyUser) -> set[UUID]:
    return user_organization_ids(user=user, role=Role.CASEWORKER)


def case_can_work(*, user: AnyUser, case: Case) -> bool:
    return case.organization_id in case_team_organization_ids(user=user)


def case_supervisor_organization_ids(*, user: AnyUser) -> set[UUID]:
    return user_organization_ids(user=user, role=Role.SUPERVISOR)


# The memberships through which an organization's people act as a partner on a case.
PARTNER_MEMBER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)


def case_member_organization_ids(*, user: AnyUser) -> set[UUID]:
    return {
        organization
        for role, organization in user_memberships(user=user)
        if role in PARTNER_MEMBER_ROLES
    }


def case_can_supervise(*, user: AnyUser, case: Case) -> bool:
    return case.organization_id in case_supervisor_organization_ids(user=user)


def case_partner_roles_for_user(*, user: AnyUser, case: Case) -> set[str]:
    """The roles the user's organizations hold on the case team now (none: not a partner)."""
    organizations = case_member_organization_ids(user=user) - {case.organization_id}
    if not organizations:
        return set()
    return set(
        CasePartner.objects.filter(
            case=case, ended_at__isnull=True, organization_id__in=organizations
        ).values_list("role", flat=True)
    )


def case_shares_information(*, case: Case) -> bool:
    """Whether the family's consent lets the case team's partners read the case."""
    return case_consent_for(case=case, scope=ConsentScope.INFORMATION_SHARING) is not None


def case_access_for_user(*, user: AnyUser, case: Case) -> str:
    """How the user stands to the case: ``lead``, ``supervisor``, ``partner`` (reads the
    summary under the consent), ``packet`` (a partner without it) or ``""`` (none)."""
    if case_can_work(user=user, case=case):
        return "lead"
    if case_can_supervise(user=user, case=case):
        return "supervisor"
    if case_partner_roles_for_user(user=user, case=case):
        return "partner" if case_shares_information(case=case) else "packet"
    return ""


def case_get_for_case_team(*, user: AnyUser, case_id: UUID) -> tuple[Case, str] | None:
    """The case and the user's standing on it, for whoever is on its team (else None)."""
    case = (
        Case.objects.select_related("territory", "organization", "caseworker")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return None
    access = case_access_for_user(user=user, case=case)
    return (case, access) if access else None


def case_authority_organization_ids(*, case: Case) -> set[UUID]:
    return set(
        CasePartner.objects.filter(
            case=case, ended_at__isnull=True, role=PartnerRole.AUTHORITY
        ).values_list("organization_id", flat=True)
    )


def case_list_for_supervisor(*, user: AnyUser) -> QuerySet[Case]:
    """The caseload of the teams the user supervises."""
    return Case.objects.filter(organization_id__in=case_supervisor_organization_ids(user=user))


def case_list_for_user(*, user: AnyUser) -> QuerySet[Case]:
    """The cases a user may work: those of their caseworker teams, nothing else."""
    return Case.objects.filter(organization_id__in=case_team_organization_ids(user=user))


def case_get_for_user(*, user: AnyUser, case_id: UUID) -> Case | None:
    return (
        case_list_for_user(user=user)
        .select_related("territory", "organization", "caseworker", "priority_policy")
        .filter(pk=case_id)
        .first()
    )


def case_team_users(*, case: Case) -> list[User]:
    """The active caseworkers of the team that owns the case: who is told about it."""
    return list(organization_members(organization_id=case.organization_id, roles=[Role.CASEWORKER]))


def case_partner_users(*, case: Case, roles: tuple[str, ...] | None = None) -> list[User]:
    """The active people of the partner organizations on the case (in ``roles``, if given)."""
    partners = CasePartner.objects.filter(case=case, ended_at__isnull=True)
    if roles is not None:
        partners = partners.filter(role__in=roles)
    return list(
        User.objects.filter(
            memberships__organization_id__in=partners.values("organization_id"),
            memberships__role__in=PARTNER_MEMBER_ROLES,
            is_active=True,
        ).distinct()
    )


def organization_members(*, organization_id: UUID, roles: Sequence[str]) -> QuerySet[User]:
    """The active people of an organization in any of ``roles``."""
    return User.objects.filter(
        memberships__organization_id=organization_id,
        memberships__role__in=roles,
        is_active=True,
    ).distinct()


def organization_supervisors(*, organization_id: UUID) -> list[User]:
    return list(organization_members(organization_id=organization_id, roles=[Role.SUPERVISOR]))


def alert_can_raise(*, user: AnyUser) -> bool:
    return user.is_authenticated and bool(user_roles(user=user) - {Role.ADMINISTRATOR})


def alert_organization_ids(*, user: AnyUser) -> set[UUID]:
    """Organizations in whose name the user may raise an alert: any membership."""
    ids: set[UUID] = set()
    for role in (Role.CASEWORKER, Role.PROVIDER, Role.COORDINATOR, Role.PLANNER):
        ids |= user_organization_ids(user=user, role=role)
    return ids


# --- the case file ------------------------------------------------------------------


def case_consent_for(*, case: Case, scope: str = ConsentScope.REFERRAL) -> Consent | None:
    for consent in case.consents.filter(withdrawn_at__isnull=True):
        if consent.covers(scope):
            return consent
    return None


# Severities, gravest first: the inbox puts a very high alert above a low one.
SEVERITY_ORDER = (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.MODERATE, RiskLevel.LOW)


def _team_alerts(*, user: AnyUser) -> QuerySet[Alert]:
    """The alerts of the user's caseworker teams that are not closed."""
    return Alert.objects.filter(case_team_id__in=case_team_organization_ids(user=user)).exclude(
        status=AlertStatus.CLOSED
    )


def alert_inbox_for_case_team(
    *, user: AnyUser, alert_type: str | None = None, status: str | None = None
) -> QuerySet[Alert]:
    """The team's alerts still to deal with, in the order they are to be dealt with.

    New (unseen) alerts come before those the team has seen; within each, the gravest
    severity first, and the newest first within a severity. ``alert_type`` and
    ``status`` (``open`` or ``acknowledged``) narrow the list; closed alerts never show.
    """
    alerts = _team_alerts(user=user)
    if alert_type:
        alerts = alerts.filter(alert_type=alert_type)
    if status:
        alerts = alerts.filter(status=status)
    return alerts.select_related("case", "raised_by_organization").order_by(
        Case_(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1)),
        Case_(
            *[When(severity=level, then=Value(rank)) for rank, level in enumerate(SEVERITY_ORDER)],
            default=Value(len(SEVERITY_ORDER)),
        ),
        "-created",
        "pk",
    )


def alert_unseen_count_for_case_team(*, user: AnyUser) -> int:
    """How many of the team's alerts nobody has marked as seen yet: one COUNT."""
    if not user.is_authenticated:
        return 0
    # On the alerts' copy of their case's team: an index-only count, no join.
    teams = case_team_organization_ids(user=user)
    if not teams:
        return 0
    return Alert.objects.filter(case_team_id__in=teams, status=AlertStatus.OPEN).count()


def case_list_multiple_alerts() -> QuerySet[Case]:
    return (
        Case.objects.filter(status=CaseStatus.OPEN, multiple_alerts=True)
        .select_related("organization", "territory")
        .annotate(
            open_alerts=Count("alerts", filter=~Q(alerts__status=AlertStatus.CLOSED)),
        )
        .order_by("-priority_score", "requested_at")
    )
