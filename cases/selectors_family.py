"""Reads of the family: who may open it, how siblings show each other, the family's
alerts, and whether it meets the criteria for family accompaniment.

Who opens a family is the case-visibility rule, applied to each child's case: a user
who stands on at least one child's case as its lead team, its supervisor, or a partner
while the family consents to share (``cases.selectors.case_access_for_user``), or who
accompanies the family now. A partner without that consent is refused; anyone else is
told the family does not exist. On the family page each sibling's case shows its code
only to those who may see that case; to the others it is "a sibling's case of team X".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import AnyUser
from cases.models import (
    RISK_BANDS,
    AccompanimentCriteria,
    AccompanimentSession,
    Alert,
    AlertStatus,
    Case,
    CaseStatus,
    Family,
    FamilyAccompaniment,
    FamilyChild,
    FamilyGoal,
)
from cases.selectors import case_access_for_user

# Standings on a child's case that let one see it (and so its code, to a sibling's team).
CASE_SEERS = frozenset({"lead", "supervisor", "partner"})
# Family standings: who reads the family page, and who writes the family and its plan.
FAMILY_READERS = frozenset({"lead", "supervisor", "partner", "accompanist"})
FAMILY_WRITERS = frozenset({"lead"})
# Who logs sessions and records the exit: the accompanist, and the children's lead teams.
SESSION_WRITERS = frozenset({"lead", "accompanist"})
# Who starts an accompaniment: the lead teams and their supervisors.
ACCOMPANIMENT_STARTERS = frozenset({"lead", "supervisor"})

_RANK = {"lead": 4, "accompanist": 3, "supervisor": 2, "partner": 1, "packet": 0}


@dataclass(frozen=True)
class Sibling:
    case_id: UUID
    code: str  # empty when the viewer may not see this case
    team: str
    status: str
    visible: bool

    @property
    def label(self) -> str:
        if self.visible:
            return self.code
        return _("A sibling's case of team %(team)s") % {"team": self.team}


def family_children_cases(*, family: Family) -> list[Case]:
    return [
        link.case
        for link in FamilyChild.objects.filter(family=family)
        .select_related("case__organization")
        .order_by("added")
    ]


def family_for_case(*, case: Case) -> Family | None:
    link = FamilyChild.objects.filter(case=case).select_related("family").first()
    return link.family if link is not None else None


def family_get_by_code(*, code: str) -> Family | None:
    return Family.objects.filter(code=code.strip().upper()).first()


def accompaniment_current(*, family: Family) -> FamilyAccompaniment | None:
    return (
        FamilyAccompaniment.objects.filter(family=family, ended_on__isnull=True)
        .select_related("accompanist", "organization")
        .first()
    )


def family_case_accesses(*, user: AnyUser, family: Family) -> dict[UUID, str]:
    """The user's standing on each child's case (empty string: none)."""
    return {
        case.pk: case_access_for_user(user=user, case=case)
        for case in family_children_cases(family=family)
    }


def family_access_for_user(*, user: AnyUser, family: Family) -> str:
    """The user's best standing on the family: ``lead``, ``accompanist``, ``supervisor``,
    ``partner``, ``packet`` (a partner without the consent to share) or ``""``."""
    standings = set(family_case_accesses(user=user, family=family).values()) - {""}
    current = accompaniment_current(family=family)
    if current is not None and user.is_authenticated and current.accompanist_id == user.pk:
        standings.add("accompanist")
    if not standings:
        return ""
    return max(standings, key=lambda standing: _RANK[standing])


def family_get_for_user(*, user: AnyUser, family_id: UUID) -> tuple[Family, str] | None:
    family = Family.objects.filter(pk=family_id).first()
    if family is None:
        return None
    access = family_access_for_user(user=user, family=family)
    return (family, access) if access else None


def family_siblings(*, user: AnyUser, family: Family, exclude: Case | None = None) -> list[Sibling]:
    """The children's cases as the user may see them: code, or only the team."""
    accesses = family_case_accesses(user=user, family=family)
    result = []
    for case in family_children_cases(family=family):
        if exclude is not None and case.pk == exclude.pk:
            continue
        visible = accesses.get(case.pk, "") in CASE_SEERS
        result.append(
            Sibling(
                case_id=case.pk,
                code=case.code if visible else "",
                team=case.organization.name,
                status=case.status,
                visible=visible,
            )
        )
    return result


@dataclass(frozen=True)
class FamilyAlerts:
    count: int
    children: int

    @property
    def simultaneous(self) -> bool:
        """Two alerts or more on two children or more: simultaneous alerts on one family."""
        return self.count >= 2 and self.children >= 2


def family_alerts(*, family: Family) -> FamilyAlerts:
    """The alerts not yet closed on the family's children, counted for the family."""
    alerts = Alert.objects.filter(case__family_link__family=family).exclude(
        status=AlertStatus.CLOSED
    )
    return FamilyAlerts(count=alerts.count(), children=alerts.values("case_id").distinct().count())


def accompaniment_criteria() -> AccompanimentCriteria:
    criteria = AccompanimentCriteria.objects.order_by("pk").first()
    return criteria if criteria is not None else AccompanimentCriteria()


def family_criteria_met(
    *, family: Family, criteria: AccompanimentCriteria | None = None
) -> list[str]:
    """The entry criteria for family accompaniment the family meets, in words (none: not
    flagged). A criterion left blank by the coordinator is off."""
    criteria = criteria or accompaniment_criteria()
    cases = [c for c in family_children_cases(family=family) if c.status == CaseStatus.OPEN]
    met = []
    if criteria.min_open_children and len(cases) >= criteria.min_open_children:
        met.append(
            _("%(n)s children with open cases (the criterion: %(min)s or more)")
            % {"n": len(cases), "min": criteria.min_open_children}
        )
    if criteria.min_risk_level and criteria.min_risk_level in RISK_BANDS:
        floor = RISK_BANDS.index(criteria.min_risk_level)
        high = [
            c
            for c in cases
            if c.risk_level in RISK_BANDS and RISK_BANDS.index(c.risk_level) >= floor
        ]
        if high:
            met.append(
                _("%(n)s children at risk level %(level)s or higher")
                % {"n": len(high), "level": criteria.get_min_risk_level_display()}
            )
    if criteria.min_alerts:
        since = timezone.now() - timedelta(days=criteria.alert_window_days)
        alerts = Alert.objects.filter(case__family_link__family=family, created__gte=since).count()
        if alerts >= criteria.min_alerts:
            met.append(
                _("%(n)s alerts in the last %(days)s days (the criterion: %(min)s or more)")
                % {"n": alerts, "days": criteria.alert_window_days, "min": criteria.min_alerts}
            )
    return met


def family_goals(*, family: Family) -> QuerySet[FamilyGoal]:
    return FamilyGoal.objects.filter(plan__family=family).order_by("created")


def accompaniment_sessions(*, accompaniment: FamilyAccompaniment) -> QuerySet[AccompanimentSession]:
    return (
        AccompanimentSession.objects.filter(accompaniment=accompaniment)
        .select_related("recorded_by")
        .prefetch_related("goals")
        .order_by("-held_on", "-recorded")
    )


def family_accompaniments(*, family: Family) -> QuerySet[FamilyAccompaniment]:
    return (
        FamilyAccompaniment.objects.filter(family=family)
        .select_related("accompanist", "organization")
        .order_by("-started_on")
    )


def family_summary_for_case(*, user: AnyUser, case: Case) -> dict[str, object] | None:
    """What a child's case page and plan page show of the family (None: no family)."""
    family = family_for_case(case=case)
    if family is None:
        return None
    return {
        "family": family,
        "siblings": family_siblings(user=user, family=family, exclude=case),
        "alerts": family_alerts(family=family),
        "accompanied": accompaniment_current(family=family) is not None,
    }
