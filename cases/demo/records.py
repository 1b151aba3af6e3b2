"""The demo's cases, through ``cases.services``: one at a time, as a caseworker would.

Each case is drawn from the seed: a child (age, sex, a home inside a territory),
its needs, the team's assessment and consent, and the alerts other organizations
raise; an intake is a case that came in through an alert. ``CaseDrawer.draw``
makes the cases one by one so that ``demo/`` can refer each one (``matching.demo``)
before the next is drawn: the draws of all the apps share one ``random.Random``, and
the order of the draws is what makes a seed give the same demo.

No person appears anywhere: a case is a code, a home is a random point inside an
invented territory, and the free-text notes are generic.

Time travel. The services stamp everything with ``timezone.now()``; the cases,
needs and alerts are then moved to a plausible past (``requested_at``, ``created``,
``acknowledged_at``, ``closed_at``), in the same transaction that made them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.contrib.gis.geos import Point
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import timezone

from accounts.models import Membership, Role, User
from cases.models import (
    CODE_ALPHABET,
    RISK_BANDS,
    Admissibility,
    Alert,
    AlertType,
    Case,
    CaseCloseReason,
    CaseNeed,
    CaseStatus,
    ConsentScope,
    VulnerabilityFactor,
)
from cases.services import (
    alert_acknowledge,
    alert_raise,
    case_admissibility_decide,
    case_close,
    case_create,
    consent_record,
)
from directory.demo import DEMO_USERS
from directory.models import (
    AccessRoute,
    Organization,
    RiskLevel,
    Service,
    ServiceStatus,
    Sex,
    TaxonomyTerm,
    Territory,
)
from notifications.models import Notification

# How common each need is among the children a local office follows (weights).
NEED_WEIGHTS: dict[str, int] = {
    "specialized.psychological_care": 14,
    "specialized.family_strengthening": 12,
    "social.education": 12,
    "social.health": 9,
    "specialized.positive_parenting": 9,
    "specialized.parenting_school": 8,
    "specialized.family_guidance": 8,
    "social.food": 7,
    "protection": 6,
    "specialized.legal_aid": 5,
    "specialized.entrepreneurship": 4,
}
# Skewed: most children are at low or moderate risk, few at very high.
RISK_WEIGHTS: dict[str, int] = {
    RiskLevel.LOW: 30,
    RiskLevel.MODERATE: 38,
    RiskLevel.HIGH: 24,
    RiskLevel.VERY_HIGH: 8,
}
CONSENT_GIVERS = ["madre", "padre", "abuela", "abuelo", "tía", "cuidadora principal"]
ALERT_NOTES = [
    "Reportado por el establecimiento educacional.",
    "Detectado en control de salud.",
    "Vecinos informan a la junta de vecinos.",
    "",
]
ALERT_TYPE_WEIGHTS: dict[str, int] = {
    AlertType.NEGLECT: 20,
    AlertType.SCHOOL_ABSENCE: 20,
    AlertType.VIOLENCE_AT_HOME: 15,
    AlertType.PSYCHOLOGICAL_ABUSE: 12,
    AlertType.PHYSICAL_ABUSE: 8,
    AlertType.CHILD_LABOUR: 5,
    AlertType.STREET_SITUATION: 4,
    AlertType.SEXUAL_ABUSE: 3,
    AlertType.OTHER: 6,
}
# Share of the demo's cases that come in through an alert (an intake) rather than
# being opened by the caseworker.
INTAKE_SHARE = 0.04
MAX_AGE_DAYS = 6500  # a little under 18 years: every child stays a child


@dataclass
class DemoActors:
    # The team the case being drawn belongs to, and its caseworker: one of ``teams``,
    # chosen with :meth:`team_choose` before each case.
    caseworker: User
    team: Organization
    # Organization id → a provider staff member who answers its referrals.
    providers: dict[UUID, User]
    # (user, organization) pairs that may raise an alert, excluding the case team.
    raisers: list[tuple[User, Organization]]
    # Every demo case team as (caseworker, team), the first one's first.
    teams: list[tuple[User, Organization]]

    def team_choose(self, *, index: int) -> None:
        """Make the ``index``-th team (modulo their number) the one that works the next case."""
        self.caseworker, self.team = self.teams[index % len(self.teams)]


@dataclass(frozen=True)
class ProviderTarget:
    """A service of an organization with provider staff, and who it admits.

    About 40% of the demo's children are drawn to fit one of these, so the demo
    provider has referrals to accept, reject and follow; the rest are drawn freely.
    """

    code: str
    min_age: int
    max_age: int
    sexes: tuple[str, ...]
    risk_levels: tuple[str, ...]
    judicial: bool
    territories: tuple[Territory, ...]  # leaves inside its service area; empty: any


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def demo_username(role: str) -> str:
    return next(username for username, r, _sector in DEMO_USERS if r == role)


def _demo_team(username: str) -> Membership | None:
    return (
        Membership.objects.filter(
            user__username=username, user__is_active=True, role=Role.CASEWORKER
        )
        .select_related("user", "organization")
        .order_by("organization__name")
        .first()
    )


def demo_actors() -> DemoActors:
    """The demo's users, as directory.demo created them; cases need its first caseworker."""
    username = demo_username(Role.CASEWORKER)
    membership = _demo_team(username)
    if membership is None:
        raise ValueError(
            f"The demo cases need the demo caseworker “{username}”; load the demo with its users."
        )
    teams = [(membership.user, membership.organization)]
    for other, role, _sector in DEMO_USERS:
        found = _demo_team(other) if role == Role.CASEWORKER and other != username else None
        if found is not None and found.organization_id != membership.organization_id:
            teams.append((found.user, found.organization))
    providers: dict[UUID, User] = {}
    for provider in (
        Membership.objects.filter(role=Role.PROVIDER, user__is_active=True)
        .select_related("user")
        .order_by("user__username", "organization__name")
    ):
        providers.setdefault(provider.organization_id, provider.user)
    raisers = [
        (m.user, m.organization)
        for m in Membership.objects.filter(
            role__in=[Role.PROVIDER, Role.COORDINATOR, Role.PLANNER], user__is_active=True
        )
        .select_related("user", "organization")
        .order_by("user__username", "organization__name", "role")
    ]
    return DemoActors(
        caseworker=membership.user,
        team=membership.organization,
        providers=providers,
        raisers=raisers or [(membership.user, membership.organization)],
        teams=teams,
    )


@dataclass(frozen=True)
class DrawnCase:
    """A case just made, with what the next layers need to know of its drawing."""

    case: Case
    alerts: int  # how many alerts were raised on it
    # The need the child was drawn to fit a provider's service for, if any: it is
    # referred for sure.
    target_code: str | None

    @property
    def workable(self) -> bool:
        """Admitted and still open: the caseworker refers its needs."""
        return (
            self.case.admissibility == Admissibility.ADMITTED
            and self.case.status == CaseStatus.OPEN
        )


class CaseDrawer:
    """Draws the demo's cases one at a time, from the ``rng`` every loader shares.

    Construction reads the map (and refuses an empty one); each ``draw()`` makes one
    case through ``cases.services`` (an intake, or one the caseworker opens), gives
    it its code from the seed, raises its alerts and moves them all to the past.
    """

    def __init__(self, *, rng: random.Random, actors: DemoActors, now: datetime) -> None:
        self.rng = rng
        self.actors = actors
        self.now = now
        self.today = timezone.localdate(now)
        self.territories = list(
            Territory.objects.filter(children__isnull=True).order_by("code").distinct()
        )
        if not self.territories:
            raise ValueError("The demo cases need territories; load the demo municipality first.")
        self.population = [max(t.child_population, 1) for t in self.territories]
        self.terms = {t.code: t for t in TaxonomyTerm.objects.filter(code__in=list(NEED_WEIGHTS))}
        self.need_weights = {code: w for code, w in NEED_WEIGHTS.items() if code in self.terms}
        self.targets = _provider_targets(
            actors=actors, leaves=self.territories, need_weights=self.need_weights
        )
        self.used_codes: set[str] = set()
        self.drawn = 0

    def draw(self) -> DrawnCase:
        rng = self.rng
        target = rng.choice(self.targets) if self.targets and rng.random() < 0.4 else None
        territory = rng.choices(self.territories, self.population)[0]
        if target is not None and target.territories:
            territory = rng.choice(target.territories)
        case = _demo_case(
            rng=rng,
            actors=self.actors,
            now=self.now,
            today=self.today,
            territory=territory,
            terms=self.terms,
            need_weights=self.need_weights,
            target=target,
            intake=self.drawn > 0 and rng.random() < INTAKE_SHARE,
        )
        self.drawn += 1
        _set_code(case=case, code=_case_code(rng, self.used_codes))
        alerts = _demo_alerts(
            rng=rng, actors=self.actors, case=case, now=self.now, may_raise_risk=target is None
        )
        return DrawnCase(case=case, alerts=alerts, target_code=target.code if target else None)


def _case_code(rng: random.Random, used: set[str]) -> str:
    """A code in the app's format, drawn from the seed so the demo is repeatable."""
    while True:
        code = "C-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
        if code not in used and not Case.objects.filter(code=code).exists():
            used.add(code)
            return code


def _set_code(*, case: Case, code: str) -> None:
    old = case.code
    Case.objects.filter(pk=case.pk).update(code=code)
    case.code = code
    # An intake's notification already named the random code.
    Notification.objects.filter(text__contains=old).update(
        text=Replace(F("text"), Value(old), Value(code))
    )


def _home_in(rng: random.Random, territory: Territory) -> Point:
    """A uniform point inside the territory's boundary (rejection sampling on its box)."""
    x0, y0, x1, y1 = territory.geometry.extent
    for _attempt in range(1000):
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1), srid=4326)
        if territory.geometry.contains(point):
            return point
    return territory.geometry.point_on_surface  # a sliver: any inside point will do


def _vulnerabilities(rng: random.Random, *, age: int, sex: str) -> list[str]:
    possible = [
        f
        for f in VulnerabilityFactor.values
        if not (f == VulnerabilityFactor.TEEN_PREGNANCY and (sex != Sex.FEMALE or age < 13))
        and not (f == VulnerabilityFactor.SCHOOL_DROPOUT and age < 7)
        and not (f == VulnerabilityFactor.CHILD_LABOUR and age < 8)
    ]
    k = rng.choices([0, 1, 2, 3, 4], [35, 30, 20, 10, 5])[0]
    return sorted(rng.sample(possible, k=min(k, len(possible))))


def ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def _provider_targets(
    *, actors: DemoActors, leaves: Sequence[Territory], need_weights: dict[str, int]
) -> list[ProviderTarget]:
    """The active services of organizations with provider staff, as case profiles."""
    parents = dict(Territory.objects.values_list("pk", "parent_id"))

    def lineage(territory_id: UUID) -> set[UUID]:
        ids: set[UUID] = set()
        current: UUID | None = territory_id
        while current is not None and current not in ids:
            ids.add(current)
            current = parents.get(current)
        return ids

    targets: list[ProviderTarget] = []
    services = (
        Service.objects.filter(
            organization_id__in=list(actors.providers),
            status=ServiceStatus.ACTIVE,
            service_at_sites__isnull=False,
        )
        .select_related("eligibility")
        .prefetch_related("eligibility__service_area")
        .order_by("name")
        .distinct()
    )
    for service in services:
        eligibility = getattr(service, "eligibility", None)
        area = {t.pk for t in eligibility.service_area.all()} if eligibility else set()
        inside = tuple(t for t in leaves if lineage(t.pk) & area) if area else ()
        if area and not inside:
            continue
        for code in sorted(set(service.category_codes) & set(need_weights)):
            targets.append(
                ProviderTarget(
                    code=code,
                    min_age=max(0, eligibility.min_age or 0) if eligibility else 0,
                    max_age=min(
                        17,
                        eligibility.max_age
                        if eligibility and eligibility.max_age is not None
                        else 17,
                    ),
                    sexes=tuple(eligibility.sexes) if eligibility else (),
                    risk_levels=tuple(eligibility.risk_levels) if eligibility else (),
                    judicial=bool(eligibility and eligibility.requires_judicial_order),
                    territories=inside,
                )
            )
    return [t for t in targets if t.min_age <= t.max_age]


def _demo_case(
    *,
    rng: random.Random,
    actors: DemoActors,
    now: datetime,
    today: date,
    territory: Territory,
    terms: dict[str, TaxonomyTerm],
    need_weights: dict[str, int],
    target: ProviderTarget | None,
    intake: bool,
) -> Case:
    age = rng.randint(target.min_age, target.max_age) if target else rng.randint(0, 17)
    # Within the year of age, never on the birthday itself, so the age is exact.
    birth_date = today - timedelta(days=max(20, int((age + rng.uniform(0.05, 0.95)) * 365.25)))
    sex: str = rng.choices([Sex.FEMALE, Sex.MALE, Sex.OTHER], [49, 49, 2])[0]
    if target and target.sexes:
        sex = rng.choice(target.sexes)
    home = _home_in(rng, territory)
    # Days since the network was first asked: many recent, a long tail.
    requested_days = rng.choices(
        [rng.uniform(0, 14), rng.uniform(14, 90), rng.uniform(90, 365), rng.uniform(365, 540)],
        [15, 35, 40, 10],
    )[0]
    requested_at = ago(now, requested_days)
    if intake:
        user, org = rng.choice(actors.raisers)
        alert = alert_raise(
            actor=user,
            organization=org,
            alert_type=weighted(rng, ALERT_TYPE_WEIGHTS),
            severity=weighted(rng, RISK_WEIGHTS),
            note=rng.choice(ALERT_NOTES),
            intake_organization=actors.team,
            birth_date=birth_date,
            sex=sex,
            home=home,
        )
        # An intake is recent and waits for the team's assessment.
        at = ago(now, rng.uniform(0, 10))
        Alert.objects.filter(pk=alert.pk).update(created=at)
        Case.objects.filter(pk=alert.case_id).update(requested_at=at, created=at)
        case = Case.objects.get(pk=alert.case_id)
        need = terms[weighted(rng, need_weights)]
        CaseNeed.objects.create(case=case, term=need)
        return case
    risk = weighted(
        rng,
        {
            level: w
            for level, w in RISK_WEIGHTS.items()
            if not (target and target.risk_levels) or level in target.risk_levels
        },
    )
    urgent_chance = 0.35 if risk == RiskLevel.VERY_HIGH else 0.06 if risk == RiskLevel.HIGH else 0.0
    codes: set[str] = set()
    want = rng.choices([1, 2, 3], [45, 40, 15])[0]
    if target:
        codes.add(target.code)
    while len(codes) < want:
        codes.add(weighted(rng, need_weights))
    needs = [terms[c] for c in sorted(codes)]
    case = case_create(
        actor=actors.caseworker,
        organization=actors.team,
        birth_date=birth_date,
        sex=sex,
        home=home,
        risk_level=risk,
        access_route=rng.choices(
            [AccessRoute.REFERRAL, AccessRoute.SELF_REFERRAL, AccessRoute.OUTREACH], [75, 15, 10]
        )[0],
        needs=needs,
        urgent_safety=rng.random() < urgent_chance,
        vulnerability_factors=_vulnerabilities(rng, age=age, sex=sex),
        has_judicial_order=(target is not None and target.judicial)
        or rng.random() < (0.5 if "protection" in codes else 0.03),
        requested_at=requested_at,
    )
    Case.objects.filter(pk=case.pk).update(created=requested_at)
    CaseNeed.objects.filter(case=case).update(created=requested_at)
    # Assessment: recent cases may still be pending, a few are not admitted.
    roll = rng.random()
    if requested_days < 7 and roll < 0.5:
        return case
    if roll < 0.03:
        case_admissibility_decide(
            actor=actors.caseworker,
            case=case,
            admissibility=Admissibility.NOT_ADMITTED,
            reason="No corresponde al nivel de intervención de la oficina; se orienta a la red.",
        )
        Case.objects.filter(pk=case.pk).update(closed_at=requested_at + timedelta(days=5))
        case.refresh_from_db()
        return case
    case_admissibility_decide(
        actor=actors.caseworker, case=case, admissibility=Admissibility.ADMITTED
    )
    if rng.random() < 0.88:
        scopes = [ConsentScope.REFERRAL]
        if rng.random() < 0.7:
            scopes.append(ConsentScope.INFORMATION_SHARING)
        consent_record(
            actor=actors.caseworker,
            case=case,
            given_by=rng.choice(CONSENT_GIVERS),
            scopes=scopes,
            given_at=min(requested_at + timedelta(hours=rng.uniform(1, 20)), now),
        )
    return case


def _demo_alerts(
    *, rng: random.Random, actors: DemoActors, case: Case, now: datetime, may_raise_risk: bool
) -> int:
    """Up to three alerts from other organizations; two recent ones make "multiple alerts"."""
    if case.status != CaseStatus.OPEN:
        return 0
    n = rng.choices([0, 1, 2, 3], [52, 30, 12, 6])[0]
    since_request = (now - case.requested_at).total_seconds() / 86400
    for _ in range(n):
        user, org = rng.choice(actors.raisers)
        band = RISK_BANDS.index(case.risk_level)
        # An alert above the case's band raises it; not for a child drawn to fit a
        # service's risk rule, or the demo would make them ineligible again.
        step = rng.choices([-1, 0, 1], [30, 60, 10 if may_raise_risk else 0])[0]
        severity = RISK_BANDS[max(0, min(3, band + step))]
        alert = alert_raise(
            actor=user,
            organization=org,
            alert_type=weighted(rng, ALERT_TYPE_WEIGHTS),
            severity=severity,
            note=rng.choice(ALERT_NOTES),
            case=case,
        )
        # Mostly within the policy's 90-day window, some older (no longer active).
        days = rng.uniform(0, min(130.0, since_request + 10))
        created = ago(now, days)
        acknowledged = days > 2 and rng.random() < 0.7
        if acknowledged:
            alert_acknowledge(
                actor=actors.caseworker, alert=alert, close=days > 30 and rng.random() < 0.4
            )
        Alert.objects.filter(pk=alert.pk).update(
            created=created,
            acknowledged_at=created + timedelta(days=rng.uniform(0.1, 2)) if acknowledged else None,
        )
        case.refresh_from_db()
    return n


def case_maybe_close(
    *,
    rng: random.Random,
    actors: DemoActors,
    case: Case,
    now: datetime,
    plan_completed: bool,
    last_ended: datetime | None,
) -> None:
    """Close some cases whose referrals have all ended: the plan done, or the family gone.

    What the referrals came to is not this app's to read: ``demo/`` asks
    ``matching.demo`` and passes it in (``plan_completed``: one was completed;
    ``last_ended``: when the last one closed).
    """
    if plan_completed and rng.random() < 0.5:
        reason = CaseCloseReason.PLAN_COMPLETED
    elif rng.random() < 0.1:
        reason = CaseCloseReason.MOVED_AWAY
    else:
        return
    last = last_ended or case.requested_at
    case_close(actor=actors.caseworker, case=case, reason=reason)
    Case.objects.filter(pk=case.pk).update(
        closed_at=min(last + timedelta(days=rng.uniform(1, 10)), now)
    )
