"""Fictional cases for the demo municipality, and a million of them for benchmarks.

Two generators, for two purposes:

* ``demo_cases_load`` works like a caseworker would, through ``matching.services``:
  every referral has its event log, every alert its notifications, and each referral
  goes to an option ``matching.options.referral_options`` really offers the child.
  Deterministic for a seed (codes included).
* ``cases_bulk_generate`` writes plain SQL (INSERT … SELECT over generate_series) for
  the matching benchmark: a million cases with needs, consents, alerts and a history
  of referrals in about two minutes on two cores. It bypasses the services on
  purpose (no events, no notifications) and rebuilds indexes after loading.

No person appears anywhere: a case is a code, a home is a random point inside an
invented territory, and the free-text notes are generic.

Time travel. The services stamp everything with ``timezone.now()``; a demo where
every referral was sent a second ago would show no overdue answers, no waiting and
no history. So once a referral has reached its final status, ``_backdate_referral``
rewrites its timestamps (created, sent_at, response_due, responded_at, closed_at)
and the ``at`` of its events along one plausible past timeline ending before now;
alerts, needs and cases get the same treatment. Referral events are append-only for
the application; the generator rewrites them once, in the same transaction that made
them, before anyone could have read them.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from django.db import connection, transaction
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
    ServiceAtSite,
    ServiceStatus,
    Sex,
    TaxonomyTerm,
    Territory,
)
from matching.models import Referral, ReferralEvent, ReferralStatus, RejectionReason
from matching.options import ReferralOption, free_slots_for, referral_options
from matching.selectors import policy_current
from matching.services import (
    priority_recompute,
    referral_create,
    referral_send,
    referral_transition,
    referrals_flag_overdue,
)
from notifications.models import Notification
from waitlists.models import Enrolment, EnrolmentStatus, WaitlistEntry, WaitlistEvent
from waitlists.models import WaitlistEventKind as WaitKind
from waitlists.services import enrolment_end, referral_place

Progress = Callable[[str, int], None]
logger = logging.getLogger(__name__)

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
SHARED_NOTES = [
    "La familia prefiere atención en horario de tarde.",
    "El adulto responsable trabaja en turnos; coordinar por teléfono con la oficina.",
    "Asiste a jornada escolar completa.",
    "Ya participó en un taller grupal el año pasado.",
    "Requiere intérprete de creole para el adulto responsable.",
    "",
    "",
]
FEEDBACK = [
    "Completó el plan de intervención; se sugiere seguimiento en tres meses.",
    "Asistió a todas las sesiones; la familia reporta mejoras en la convivencia.",
    "Egreso favorable; se mantiene el contacto con el establecimiento educacional.",
    "Completó el taller; se recomienda derivar a orientación familiar.",
]
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
REJECTION_WEIGHTS: dict[str, int] = {
    RejectionReason.NO_CAPACITY: 40,
    RejectionReason.NOT_PERTINENT: 20,
    RejectionReason.ALREADY_SERVED: 15,
    RejectionReason.INCOMPLETE: 10,
    RejectionReason.OUTSIDE_AREA: 5,
    RejectionReason.OTHER: 10,
}
# The final status a referral of the demo is driven to (weights), once every status
# has appeared at least once.
FINAL_STATUS_WEIGHTS: dict[str, int] = {
    ReferralStatus.DRAFT: 6,
    ReferralStatus.SENT: 14,
    ReferralStatus.ACCEPTED: 7,
    ReferralStatus.WAITING: 8,
    ReferralStatus.IN_SERVICE: 16,
    ReferralStatus.COMPLETED: 18,
    ReferralStatus.REJECTED: 9,
    ReferralStatus.WITHDRAWN: 6,
    ReferralStatus.NO_SHOW: 6,
    ReferralStatus.EXPIRED: 5,
}
# For a service whose organization has no staff on Puente: nobody can answer, so the
# referral stays a draft, waits (often late), is withdrawn or expires.
UNANSWERED_STATUS_WEIGHTS: dict[str, int] = {
    ReferralStatus.DRAFT: 8,
    ReferralStatus.SENT: 12,
    ReferralStatus.WITHDRAWN: 5,
    ReferralStatus.EXPIRED: 3,
}
# Statuses only the receiving organization's staff can lead to.
NEEDS_PROVIDER = frozenset(
    {
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
        ReferralStatus.IN_SERVICE,
        ReferralStatus.COMPLETED,
        ReferralStatus.REJECTED,
        ReferralStatus.NO_SHOW,
    }
)
# Final statuses reached by placing the child in a slot (or on the waitlist).
SLOT_STATUSES = frozenset(
    {
        ReferralStatus.WAITING,
        ReferralStatus.IN_SERVICE,
        ReferralStatus.COMPLETED,
        ReferralStatus.NO_SHOW,
    }
)
# A pseudo-status for coverage: a sent referral whose answer is past its deadline.
SENT_OVERDUE = "sent_overdue"
ACTIVE_STATUSES = frozenset(
    {
        ReferralStatus.DRAFT,
        ReferralStatus.SENT,
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
        ReferralStatus.IN_SERVICE,
    }
)
# Share of the demo's cases that come in through an alert (an intake) rather than
# being opened by the caseworker.
INTAKE_SHARE = 0.04
MAX_AGE_DAYS = 6500  # a little under 18 years: every child stays a child


@dataclass
class DemoCasesSummary:
    cases: int = 0
    alerts: int = 0
    referrals: dict[str, int] = field(default_factory=dict)

    @property
    def referral_count(self) -> int:
        return sum(self.referrals.values())


@dataclass
class _Actors:
    caseworker: User
    team: Organization
    # Organization id → a provider staff member who answers its referrals.
    providers: dict[UUID, User]
    # (user, organization) pairs that may raise an alert, excluding the case team.
    raisers: list[tuple[User, Organization]]


@dataclass(frozen=True)
class _ProviderTarget:
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


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _demo_username(role: str) -> str:
    return next(username for username, r, _sector in DEMO_USERS if r == role)


def _demo_actors() -> _Actors:
    """The demo's users, as directory.demo created them; cases need its caseworker."""
    username = _demo_username(Role.CASEWORKER)
    membership = (
        Membership.objects.filter(
            user__username=username, user__is_active=True, role=Role.CASEWORKER
        )
        .select_related("user", "organization")
        .order_by("organization__name")
        .first()
    )
    if membership is None:
        raise ValueError(
            f"The demo cases need the demo caseworker “{username}”; load the demo with its users."
        )
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
    return _Actors(
        caseworker=membership.user,
        team=membership.organization,
        providers=providers,
        raisers=raisers or [(membership.user, membership.organization)],
    )


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


def _ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


# --- referral timelines ------------------------------------------------------------


def _backdate_referral(
    *,
    referral: Referral,
    rng: random.Random,
    now: datetime,
    earliest: datetime,
    response_hours: int,
    overdue: bool,
) -> None:
    """Spread the referral's events over a plausible past, ending before ``now``.

    ``earliest`` is when the case came in (and its consent was given): nothing can
    happen before it. The gaps and the time since the last event depend on the moves
    made; if the case is too young for them, the whole timeline is shrunk to fit.
    """
    events = list(referral.events.order_by("at", "id"))
    deadline_days = response_hours / 24
    gaps: list[float] = []
    for event in events[1:]:
        frm, to = event.from_status, event.to_status
        if frm == ReferralStatus.DRAFT:
            gap = rng.uniform(0.05, 2.0)
        elif frm == ReferralStatus.SENT and to == ReferralStatus.EXPIRED:
            gap = deadline_days + 14 + rng.uniform(0, 3)  # referrals_expire's grace
        elif frm == ReferralStatus.SENT:
            # Most answers come within the deadline, a few late.
            gap = deadline_days * rng.choice([0.1, 0.3, 0.5, 0.8, 1.4])
        elif to == ReferralStatus.WAITING:
            gap = rng.uniform(0.5, 5)
        elif to == ReferralStatus.IN_SERVICE:
            gap = rng.uniform(7, 40) if frm == ReferralStatus.WAITING else rng.uniform(2, 10)
        elif to == ReferralStatus.COMPLETED:
            gap = rng.uniform(30, 120)
        elif to == ReferralStatus.NO_SHOW:
            gap = rng.uniform(3, 20)
        else:
            gap = rng.uniform(1, 10)
        gaps.append(gap)
    final = referral.status
    if final == ReferralStatus.SENT:
        late = deadline_days + rng.uniform(1, 8)
        rest = late if overdue else deadline_days * rng.uniform(0.1, 0.7)
    elif final == ReferralStatus.DRAFT:
        rest = rng.uniform(0, 4)
    elif final in (ReferralStatus.ACCEPTED, ReferralStatus.WAITING):
        rest = rng.uniform(0.5, 20)
    elif final == ReferralStatus.IN_SERVICE:
        rest = rng.uniform(1, 60)
    else:
        rest = rng.uniform(1, 150)
    available = (now - earliest).total_seconds() / 86400 - 1.0  # a day to assess first
    if overdue:  # keep the answer late: take the room from the time before sending
        rest = min(rest, max(available - sum(gaps), deadline_days + 0.5))
    total = sum(gaps) + rest
    if total > available:
        shrink = max(available, 0.01) / total
        gaps = [g * shrink for g in gaps]
        rest *= shrink
    stamps = [_ago(now, rest)]
    for gap in reversed(gaps):
        stamps.insert(0, stamps[0] - timedelta(days=gap))
    for event, at in zip(events, stamps, strict=True):
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)
    by_status = {e.to_status: at for e, at in zip(events, stamps, strict=True)}
    sent_at = by_status.get(ReferralStatus.SENT)
    answered = [
        at for e, at in zip(events, stamps, strict=True) if e.from_status == ReferralStatus.SENT
    ]
    _backdate_slots(referral=referral, by_status=by_status, end=stamps[-1])
    Referral.objects.filter(pk=referral.pk).update(
        created=stamps[0],
        last_modified=stamps[-1],
        sent_at=sent_at,
        response_due=sent_at + timedelta(hours=response_hours) if sent_at else None,
        responded_at=answered[0] if answered else None,
        closed_at=stamps[-1] if final not in ACTIVE_STATUSES else None,
    )


def _backdate_slots(*, referral: Referral, by_status: dict[str, datetime], end: datetime) -> None:
    """The referral's enrolment and waitlist entry, and their events, on its timeline."""
    joined = by_status.get(ReferralStatus.WAITING)
    enrolled = by_status.get(ReferralStatus.IN_SERVICE)
    if joined:
        WaitlistEntry.objects.filter(referral=referral).update(requested_at=joined)
    if enrolled:
        Enrolment.objects.filter(referral=referral).update(started_at=enrolled)
        Enrolment.objects.filter(referral=referral, ended_at__isnull=False).update(ended_at=end)
    events = WaitlistEvent.objects.filter(case_id=referral.case_id, service_id=referral.service_id)
    for kind, at in ((WaitKind.JOINED, joined), (WaitKind.ENROLLED, enrolled)):
        if at:
            events.filter(kind=kind).update(at=at)
    if referral.status in (ReferralStatus.COMPLETED, ReferralStatus.NO_SHOW) and enrolled:
        events.filter(kind=WaitKind.ENDED).update(at=end)


# --- the demo's cases ------------------------------------------------------------------


class _Coverage:
    """Which final statuses have appeared, so the demo shows each at least once."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def missing(self) -> list[str]:
        wanted = [*ReferralStatus.values, SENT_OVERDUE]
        return [s for s in wanted if not self.seen[s]]


def _provider_targets(
    *, actors: _Actors, leaves: Sequence[Territory], need_weights: dict[str, int]
) -> list[_ProviderTarget]:
    """The active services of organizations with provider staff, as case profiles."""
    parents = dict(Territory.objects.values_list("pk", "parent_id"))

    def lineage(territory_id: UUID) -> set[UUID]:
        ids: set[UUID] = set()
        current: UUID | None = territory_id
        while current is not None and current not in ids:
            ids.add(current)
            current = parents.get(current)
        return ids

    targets: list[_ProviderTarget] = []
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
                _ProviderTarget(
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


@transaction.atomic
def demo_cases_load(*, count: int, seed: int, progress: Progress | None = None) -> DemoCasesSummary:
    """``count`` fictional cases of the demo caseworker's team, with their history.

    Needs the demo municipality and its users (``directory.demo``). Cases go through
    ``matching.services``; timestamps are then moved to the past (see the module
    docstring). Ends with a full ``priority_recompute``.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    summary = DemoCasesSummary()
    if count == 0:
        return summary
    actors = _demo_actors()
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    policy = policy_current()
    territories = list(Territory.objects.filter(children__isnull=True).order_by("code").distinct())
    if not territories:
        raise ValueError("The demo cases need territories; load the demo municipality first.")
    population = [max(t.child_population, 1) for t in territories]
    terms = {t.code: t for t in TaxonomyTerm.objects.filter(code__in=list(NEED_WEIGHTS))}
    need_weights = {code: w for code, w in NEED_WEIGHTS.items() if code in terms}
    targets = _provider_targets(actors=actors, leaves=territories, need_weights=need_weights)
    coverage = _Coverage()
    used_codes: set[str] = set()
    started = timezone.now()
    case_ids: list[UUID] = []
    for index in range(count):
        target = rng.choice(targets) if targets and rng.random() < 0.4 else None
        territory = rng.choices(territories, population)[0]
        if target is not None and target.territories:
            territory = rng.choice(target.territories)
        case = _demo_case(
            rng=rng,
            actors=actors,
            now=now,
            today=today,
            territory=territory,
            terms=terms,
            need_weights=need_weights,
            target=target,
            intake=index > 0 and rng.random() < INTAKE_SHARE,
        )
        _set_code(case=case, code=_case_code(rng, used_codes))
        case_ids.append(case.pk)
        summary.alerts += _demo_alerts(
            rng=rng, actors=actors, case=case, now=now, may_raise_risk=target is None
        )
        if case.admissibility == Admissibility.ADMITTED and case.status == CaseStatus.OPEN:
            _demo_referrals(
                rng=rng,
                actors=actors,
                case=case,
                now=now,
                coverage=coverage,
                response_hours=policy.response_hours(
                    RiskLevel.VERY_HIGH if case.urgent_safety else case.risk_level
                ),
                always=target.code if target else None,
            )
            _maybe_close(rng=rng, actors=actors, case=case, now=now)
        if progress:
            progress("cases", 1)
    # The generator's own notifications are history: only what still needs acting on
    # (new referrals awaiting an answer, and the overdue flags below) stays unread.
    waiting_answer = Referral.objects.filter(
        case_id__in=case_ids, status=ReferralStatus.SENT
    ).values_list("pk", flat=True)
    Notification.objects.filter(created__gte=started).exclude(
        link__in=[f"/prestador/derivaciones/{pk}/" for pk in waiting_answer]
    ).update(read_at=now)
    referrals_flag_overdue()
    priority_recompute()
    summary.cases = len(case_ids)
    summary.referrals = dict(
        Counter(
            Referral.objects.filter(case_id__in=case_ids).values_list("status", flat=True)
        ).most_common()
    )
    return summary


def _demo_case(
    *,
    rng: random.Random,
    actors: _Actors,
    now: datetime,
    today: date,
    territory: Territory,
    terms: dict[str, TaxonomyTerm],
    need_weights: dict[str, int],
    target: _ProviderTarget | None,
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
    requested_at = _ago(now, requested_days)
    if intake:
        user, org = rng.choice(actors.raisers)
        alert = alert_raise(
            actor=user,
            organization=org,
            alert_type=_weighted(rng, ALERT_TYPE_WEIGHTS),
            severity=_weighted(rng, RISK_WEIGHTS),
            note=rng.choice(ALERT_NOTES),
            intake_organization=actors.team,
            birth_date=birth_date,
            sex=sex,
            home=home,
        )
        # An intake is recent and waits for the team's assessment.
        at = _ago(now, rng.uniform(0, 10))
        Alert.objects.filter(pk=alert.pk).update(created=at)
        Case.objects.filter(pk=alert.case_id).update(requested_at=at, created=at)
        case = Case.objects.get(pk=alert.case_id)
        need = terms[_weighted(rng, need_weights)]
        CaseNeed.objects.create(case=case, term=need)
        return case
    risk = _weighted(
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
        codes.add(_weighted(rng, need_weights))
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
    *, rng: random.Random, actors: _Actors, case: Case, now: datetime, may_raise_risk: bool
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
            alert_type=_weighted(rng, ALERT_TYPE_WEIGHTS),
            severity=severity,
            note=rng.choice(ALERT_NOTES),
            case=case,
        )
        # Mostly within the policy's 90-day window, some older (no longer active).
        days = rng.uniform(0, min(130.0, since_request + 10))
        created = _ago(now, days)
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


def _provider_sites(
    *, options: Sequence[ReferralOption]
) -> dict[UUID, list[tuple[ServiceAtSite, int]]]:
    """Service id → each of its sites with its free slots now, nearest option's first."""
    service_ids = [o.service_id for o in options]
    sites = list(
        ServiceAtSite.objects.filter(service_id__in=service_ids)
        .select_related("service", "site")
        .order_by("service_id", "id")
    )
    free = free_slots_for(service_at_sites=sites)
    nearest = {o.service_at_site.pk for o in options}
    found: dict[UUID, list[tuple[ServiceAtSite, int]]] = {}
    for sas in sorted(sites, key=lambda row: row.pk not in nearest):
        found.setdefault(sas.service_id, []).append((sas, free.get(sas.pk, 0)))
    return found


def _choose_status(
    *,
    rng: random.Random,
    coverage: _Coverage,
    has_provider: bool,
    full_site: bool,
    free_site: bool,
    can_overdue: bool,
) -> tuple[str, bool]:
    """(final status, overdue?) — the statuses not yet shown first, when feasible.

    Feasible: a provider's answer needs an organization with staff on Puente; waiting
    needs a full site, being served a free one (``full_site``/``free_site`` among the
    options with a provider). With a provider, its statuses come first: such options
    are the scarce ones.
    """

    def feasible(status: str) -> bool:
        if status in NEEDS_PROVIDER and not has_provider:
            return False
        if status == ReferralStatus.WAITING:
            return full_site
        if status in (ReferralStatus.IN_SERVICE, ReferralStatus.COMPLETED):
            return free_site
        return True

    missing = coverage.missing()
    if has_provider:
        missing.sort(key=lambda s: s not in NEEDS_PROVIDER)
    for wanted in missing:
        if wanted == SENT_OVERDUE:
            if can_overdue:
                return ReferralStatus.SENT, True
        elif feasible(wanted):
            return wanted, False
    weights = dict(FINAL_STATUS_WEIGHTS if has_provider else UNANSWERED_STATUS_WEIGHTS)
    if ReferralStatus.IN_SERVICE in weights and not coverage.seen[ReferralStatus.WAITING]:
        # Children in service hold their slots: more of them until a site is full.
        weights[ReferralStatus.IN_SERVICE] *= 3
    status = _weighted(rng, {s: w for s, w in weights.items() if feasible(s)})
    return status, status == ReferralStatus.SENT and can_overdue and rng.random() < 0.4


def _demo_referrals(
    *,
    rng: random.Random,
    actors: _Actors,
    case: Case,
    now: datetime,
    coverage: _Coverage,
    response_hours: int,
    always: str | None,
) -> None:
    """Refer some of the case's needs to options the matching engine offers.

    ``always`` is a need that is referred for sure (the one the child was drawn for).
    """
    consent = case.consents.filter(withdrawn_at__isnull=True).exists()
    override = ""
    if not consent:
        if not (case.urgent_safety or case.risk_level == RiskLevel.VERY_HIGH):
            return  # the caseworker is still seeking the family's consent
        override = "Riesgo inminente: se deriva mientras se contacta a la familia."
    age_days = (now - case.requested_at).total_seconds() / 86400
    for need in list(case.needs.select_related("term").order_by("term__code")):
        roll = rng.random()
        if roll > 0.75 and need.term.code != always:
            continue  # not every need is referred at once
        attempts = 0
        tried: set[UUID] = set()
        while attempts < 2:
            attempts += 1
            options = referral_options(case=case, need=need, limit=5).eligible
            if not options:
                break
            options = [o for o in options if o.service_id not in tried]
            if not options:
                break
            with_provider = [
                o for o in options if o.service_at_site.service.organization_id in actors.providers
            ]
            # Referrals nobody can answer would crowd the demo with overdue and
            # expired ones: fewer of them (see UNANSWERED_STATUS_WEIGHTS).
            if not with_provider and roll > 0.35 and need.term.code != always:
                break
            # Every site of those services, with its free slots: the caseworker may
            # choose a site other than the nearest, where the child can be served.
            slots = _provider_sites(options=with_provider)
            status, overdue = _choose_status(
                rng=rng,
                coverage=coverage,
                has_provider=bool(with_provider),
                full_site=any(free <= 0 for sites in slots.values() for _s, free in sites),
                free_site=any(free > 0 for sites in slots.values() for _s, free in sites),
                can_overdue=age_days > response_hours / 24 + 3,
            )
            pool = with_provider if status in NEEDS_PROVIDER else options
            site: ServiceAtSite | None = None
            if status in SLOT_STATUSES:
                # A child waits where the site is full and is served where it is not.
                want_free = status != ReferralStatus.WAITING
                fitting = [
                    (o, sas)
                    for o in pool
                    for sas, free in slots.get(o.service_id, [])
                    if (free > 0) == want_free
                ]
                if (
                    status == ReferralStatus.IN_SERVICE
                    and not coverage.seen[ReferralStatus.WAITING]
                ):
                    # Fill the tightest site first, so that one fills up and the demo
                    # also shows a child on a waitlist.
                    fitting.sort(key=lambda pair: dict(slots[pair[0].service_id])[pair[1]])
                if fitting:
                    option, site = fitting[0] if rng.random() < 0.6 else rng.choice(fitting[:3])
                    pool = [option]
            # Mostly the top-ranked option, as a caseworker would; sometimes another.
            option = pool[0] if rng.random() < 0.6 else rng.choice(pool[:3])
            referral = referral_create(
                actor=actors.caseworker,
                case=case,
                service=option.service_at_site.service,
                service_at_site=site or option.service_at_site,
                need=need,
                shared_note=rng.choice(SHARED_NOTES),
            )
            tried.add(option.service_id)
            provider = actors.providers.get(option.service_at_site.service.organization_id)
            _drive(
                rng=rng,
                referral=referral,
                status=status,
                caseworker=actors.caseworker,
                provider=provider,
                override=override,
            )
            referral.refresh_from_db()
            _backdate_referral(
                referral=referral,
                rng=rng,
                now=now,
                earliest=case.requested_at,
                response_hours=response_hours,
                overdue=overdue,
            )
            referral.refresh_from_db()
            coverage.seen[referral.status] += 1
            if referral.is_overdue:
                coverage.seen[SENT_OVERDUE] += 1
            # After a refusal or a no-show the caseworker often tries the next option.
            if (
                referral.status
                not in (
                    ReferralStatus.REJECTED,
                    ReferralStatus.NO_SHOW,
                    ReferralStatus.EXPIRED,
                )
                or rng.random() < 0.5
            ):
                break


def _drive(
    *,
    rng: random.Random,
    referral: Referral,
    status: str,
    caseworker: User,
    provider: User | None,
    override: str,
) -> None:
    """Move a draft referral towards ``status`` through the legal moves.

    Moves into a slot go through the waitlists app, as in the product: an accepted
    referral is placed, and enrolled if the site has a free slot or put on the
    waitlist if not. So WAITING, IN_SERVICE and what follows depend on the site's
    slots (``_demo_referrals`` picks a site that fits); when they do not fit, the
    referral ends where the placement left it.
    """
    if status == ReferralStatus.DRAFT:
        return
    if status == ReferralStatus.WITHDRAWN and rng.random() < 0.3:
        referral_transition(
            actor=caseworker,
            referral=referral,
            to_status=ReferralStatus.WITHDRAWN,
            note="La familia prefirió esperar al inicio del semestre.",
        )
        return
    referral_send(actor=caseworker, referral=referral, consent_override_reason=override)
    if status == ReferralStatus.SENT:
        return
    if status == ReferralStatus.EXPIRED:
        referral_transition(
            actor=None,
            referral=referral,
            to_status=ReferralStatus.EXPIRED,
            note="Sin respuesta 14 días después del plazo.",
        )
        return
    if status == ReferralStatus.WITHDRAWN and (provider is None or rng.random() < 0.6):
        referral_transition(
            actor=caseworker,
            referral=referral,
            to_status=ReferralStatus.WITHDRAWN,
            note="La familia se cambió de comuna.",
        )
        return
    assert provider is not None  # the statuses below need the provider's answer
    if status == ReferralStatus.REJECTED:
        referral_transition(
            actor=provider,
            referral=referral,
            to_status=ReferralStatus.REJECTED,
            rejection_reason=_weighted(rng, REJECTION_WEIGHTS),
            note="Se informa a la oficina para buscar otra alternativa.",
        )
        return
    referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.ACCEPTED)
    if status == ReferralStatus.ACCEPTED:
        return
    if status == ReferralStatus.WITHDRAWN:
        referral_transition(
            actor=caseworker,
            referral=referral,
            to_status=ReferralStatus.WITHDRAWN,
            note="La necesidad se cubrió por otra vía.",
        )
        return
    if status == ReferralStatus.NO_SHOW and rng.random() < 0.5:
        referral_transition(
            actor=provider,
            referral=referral,
            to_status=ReferralStatus.NO_SHOW,
            note="No se presentó a la primera cita.",
        )
        return
    placement = referral_place(actor=provider, referral=referral)
    if placement.enrolment is None or status in (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE):
        return
    if status == ReferralStatus.NO_SHOW:
        enrolment_end(
            actor=provider,
            enrolment=placement.enrolment,
            status=EnrolmentStatus.DROPPED_OUT,
            note="Dejó de asistir después de las primeras sesiones.",
        )
        return
    enrolment_end(
        actor=provider,
        enrolment=placement.enrolment,
        status=EnrolmentStatus.COMPLETED,
        feedback=rng.choice(FEEDBACK),
    )


def _maybe_close(*, rng: random.Random, actors: _Actors, case: Case, now: datetime) -> None:
    """Close some cases whose referrals have all ended: the plan done, or the family gone."""
    statuses = list(case.referrals.values_list("status", flat=True))
    if not statuses or any(s in ACTIVE_STATUSES for s in statuses):
        return
    if ReferralStatus.COMPLETED in statuses and rng.random() < 0.5:
        reason = CaseCloseReason.PLAN_COMPLETED
    elif rng.random() < 0.1:
        reason = CaseCloseReason.MOVED_AWAY
    else:
        return
    ended = [at for at in case.referrals.values_list("closed_at", flat=True) if at is not None]
    last = max(ended, default=case.requested_at)
    case_close(actor=actors.caseworker, case=case, reason=reason)
    Case.objects.filter(pk=case.pk).update(
        closed_at=min(last + timedelta(days=rng.uniform(1, 10)), now)
    )


# --- a million cases for the benchmark -----------------------------------------------------

# Leaf territories, each with how many homes go there and a seed for ST_GeneratePoints.
_HOMES_SQL = """
INSERT INTO bulk_home (g, territory_id, home)
SELECT %(base)s + row_number() OVER (ORDER BY a.ord, d.path[1]), a.territory_id, d.geom
FROM unnest(%(territories)s::uuid[], %(counts)s::int[], %(seeds)s::int[])
     WITH ORDINALITY AS a(territory_id, k, s, ord)
JOIN directory_territory t ON t.id = a.territory_id
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(t.geometry, a.k, a.s)) d
WHERE a.k > 0
"""

# Random attributes are drawn in an OFFSET 0 subquery (an optimization fence) so each
# random() is evaluated once per row and reused by the CASEs that depend on it.
_CASES_SQL = """
WITH src AS (
    SELECT x.*,
        CASE WHEN x.r_risk < 0.40 THEN 'low' WHEN x.r_risk < 0.75 THEN 'moderate'
             WHEN x.r_risk < 0.93 THEN 'high' ELSE 'very_high' END AS risk_level,
        %(now)s - make_interval(secs => 86400 * 720 * power(x.r_requested, 1.6))
            AS requested_at
    FROM (
        SELECT h.g, h.territory_id, h.home,
               gen_random_uuid() AS id,
               random() AS r_risk, random() AS r_requested, random() AS r_urgent,
               random() AS r_status, random() AS r_closed, random() AS r_route,
               random() AS r_sex, random() AS r_alerts, random() AS r_admit,
               (%(today)s::date - (random() * %(max_age_days)s)::int) AS birth_date,
               ARRAY(SELECT f FROM unnest(%(factors)s::varchar[]) f
                     WHERE random() < 0.12 AND h.g IS NOT NULL)::varchar(30)[] AS factors
        FROM bulk_home h
        WHERE h.g > %(lo)s AND h.g <= %(hi)s
        ORDER BY h.g
        OFFSET 0
    ) x
),
ins AS (
    INSERT INTO matching_case (
        id, code, birth_date, sex, home, territory_id, risk_level, urgent_safety,
        vulnerability_factors, has_judicial_order, access_route, admissibility,
        admissibility_reason, status, close_reason, closed_at, requested_at, created,
        last_modified, priority_score, priority_components, priority_computed_at,
        multiple_alerts, caseworker_id, organization_id, priority_policy_id
    )
    SELECT s.id,
        'C-' || (SELECT string_agg(substr(%(alphabet)s,
                    (((((%(code_base)s + s.g) * %(code_mult)s) %% 1099511627776)
                      >> (5 * i)) & 31)::int + 1, 1), '' ORDER BY i DESC)
                 FROM generate_series(0, 7) i),
        s.birth_date,
        CASE WHEN s.r_sex < 0.49 THEN 'female' WHEN s.r_sex < 0.98 THEN 'male' ELSE 'other' END,
        s.home::geography,
        s.territory_id,
        s.risk_level,
        s.r_urgent < CASE s.risk_level WHEN 'very_high' THEN 0.3 WHEN 'high' THEN 0.05
                                       ELSE 0.004 END,
        s.factors,
        s.r_urgent > 0.96,
        CASE WHEN s.r_route < 0.8 THEN 'referral' WHEN s.r_route < 0.9 THEN 'self_referral'
             ELSE 'outreach' END,
        CASE WHEN s.r_admit < 0.93 OR s.r_status < 0.12 THEN 'admitted' ELSE 'pending' END,
        '',
        CASE WHEN s.r_status < 0.12 THEN 'closed' ELSE 'open' END,
        CASE WHEN s.r_status >= 0.12 THEN ''
             ELSE (%(close_reasons)s::varchar[])[1 + floor(s.r_closed * %(n_close)s)::int] END,
        CASE WHEN s.r_status < 0.12
             THEN s.requested_at + (%(now)s - s.requested_at) * s.r_closed END,
        s.requested_at, s.requested_at, %(now)s,
        0, '{}'::jsonb, NULL, false,
        %(caseworker)s,
        (%(teams)s::uuid[])[1 + s.g %% %(n_teams)s],
        NULL
    FROM src s
    ON CONFLICT (code) DO NOTHING
    RETURNING id, territory_id, risk_level, requested_at, status, closed_at, birth_date
)
INSERT INTO bulk_case (id, g, territory_id, home, risk_level, requested_at, status, closed_at,
                       birth_date, n_alerts)
SELECT ins.id, s.g, ins.territory_id, s.home, ins.risk_level, ins.requested_at, ins.status,
       ins.closed_at, ins.birth_date,
       CASE WHEN s.r_alerts < 0.70 THEN 0 WHEN s.r_alerts < 0.92 THEN 1
            WHEN s.r_alerts < 0.98 THEN 2 ELSE 3 END
FROM ins JOIN src s ON s.id = ins.id
"""

# One to three needs per case, weighted sampling without replacement (Efraimidis & Spirakis,
# "Weighted random sampling with a reservoir", IPL 97(5), 2006): the k smallest
# -ln(u)/w. The lateral subquery refers to the case so it is drawn again per case.
_NEEDS_SQL = """
INSERT INTO matching_caseneed (id, status, note, created, case_id, term_id)
SELECT gen_random_uuid(), 'open', '', b.requested_at, b.id, t.term_id
FROM bulk_case b
CROSS JOIN LATERAL (
    SELECT w.term_id FROM bulk_term w
    WHERE b.id IS NOT NULL
    ORDER BY -ln(1.0 - random()) / w.weight
    LIMIT 1 + floor(random() * random() * 3)::int
) t
WHERE b.g > %(lo)s AND b.g <= %(hi)s
"""

_CONSENTS_SQL = """
INSERT INTO matching_consent (given_by, given_at, scopes, withdrawn_at, case_id, recorded_by_id)
SELECT (%(givers)s::varchar[])[1 + floor(random() * %(n_givers)s)::int],
       b.requested_at + interval '6 hours',
       ARRAY['referral', 'information_sharing']::varchar(30)[],
       NULL, b.id, %(caseworker)s
FROM bulk_case b
WHERE b.g > %(lo)s AND b.g <= %(hi)s AND random() < 0.9
"""

_ALERTS_SQL = """
INSERT INTO matching_alert (
    id, alert_type, severity, note, status, started_intake, created, acknowledged_at,
    acknowledged_by_id, raised_by_id, raised_by_organization_id, case_id
)
SELECT gen_random_uuid(), a.alert_type, a.severity, '', a.status, false, a.created,
       CASE WHEN a.status <> 'open' THEN a.created + interval '1 day' END,
       CASE WHEN a.status <> 'open' THEN %(caseworker)s END,
       %(caseworker)s, a.raised_by_organization_id, a.case_id
FROM (
    SELECT b.id AS case_id, k,
           (%(alert_types)s::varchar[])[1 + floor(random() * %(n_alert_types)s)::int]
               AS alert_type,
           b.risk_level AS severity,
           (%(raisers)s::uuid[])[1 + floor(random() * %(n_raisers)s)::int]
               AS raised_by_organization_id,
           CASE WHEN b.status = 'open'
                THEN greatest(b.requested_at, %(now)s - random() * interval '180 days')
                ELSE b.requested_at + (b.closed_at - b.requested_at) * random() END AS created,
           random() AS r_status
    FROM bulk_case b CROSS JOIN LATERAL generate_series(1, b.n_alerts) k
    WHERE b.g > %(lo)s AND b.g <= %(hi)s AND b.n_alerts > 0
    OFFSET 0
) x
CROSS JOIN LATERAL (
    SELECT x.case_id, x.alert_type, x.severity, x.raised_by_organization_id, x.created,
           CASE WHEN x.created > %(now)s - interval '30 days'
                THEN (CASE WHEN x.r_status < 0.5 THEN 'open' WHEN x.r_status < 0.9
                           THEN 'acknowledged' ELSE 'closed' END)
                ELSE (CASE WHEN x.r_status < 0.05 THEN 'open' WHEN x.r_status < 0.5
                           THEN 'acknowledged' ELSE 'closed' END) END AS status
) a
"""

# Where each need can be referred: per (territory, category), the services at sites
# in that territory; per category, any in the municipality as a fallback.
_OFFERS_SQL = """
CREATE TEMP TABLE bulk_offer ON COMMIT DROP AS
SELECT site.territory_id, w.term_id,
       array_agg(sas.id ORDER BY sas.id) AS sas_ids, count(*)::int AS n
FROM directory_serviceatsite sas
JOIN directory_service s ON s.id = sas.service_id AND s.status = 'active'
JOIN directory_site site ON site.id = sas.site_id
JOIN bulk_term w ON w.code = ANY(s.category_codes)
GROUP BY site.territory_id, w.term_id;
CREATE INDEX ON bulk_offer (territory_id, term_id);
CREATE TEMP TABLE bulk_offer_any ON COMMIT DROP AS
SELECT term_id, array_agg(sas_id ORDER BY sas_id) AS sas_ids, count(*)::int AS n
FROM bulk_offer, unnest(sas_ids) sas_id GROUP BY term_id;
CREATE INDEX ON bulk_offer_any (term_id);
"""

# Past referrals: each picks a case, one of its needs, and a service offering that need
# near the child (same territory). Outcomes depend on distance and on a hidden
# "quality" of the service, so acceptance and completion rates differ between
# services and the completion model has a signal to learn.
_REFERRALS_SQL = """
WITH picked AS (
    SELECT b.id AS case_id, b.home, b.risk_level, b.requested_at, b.status = 'open' AS is_open,
           coalesce(b.closed_at, %(now)s) AS until, n.id AS need_id, sas.id AS sas_id,
           sas.service_id, ST_Distance(b.home::geography, site.point) / 1000.0 AS km,
           (hashtext(sas.service_id::text) & 1023) / 1023.0 AS quality,
           array_position(ARRAY['low', 'moderate', 'high', 'very_high'], b.risk_level::text) - 1
               AS band,
           date_part('year', age(%(today)s::date, b.birth_date)) AS age,
           random() AS r_when, random() AS r_status, random() AS r_done,
           random() AS r_answer, random() AS r_span, random() AS r_reason
    FROM (
        SELECT r, 1 + floor(random() * %(cases)s)::int AS case_g
        FROM generate_series(%(lo)s + 1, %(hi)s) r
        OFFSET 0
    ) draw
    JOIN bulk_case b ON b.g = draw.case_g
    CROSS JOIN LATERAL (
        SELECT n.id, n.term_id FROM matching_caseneed n
        WHERE n.case_id = b.id ORDER BY random() LIMIT 1
    ) n
    LEFT JOIN bulk_offer o ON o.territory_id = b.territory_id AND o.term_id = n.term_id
    JOIN bulk_offer_any oa ON oa.term_id = n.term_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN o.n IS NOT NULL
                    THEN o.sas_ids[1 + floor(random() * o.n)::int]
                    ELSE oa.sas_ids[1 + floor(random() * oa.n)::int] END AS id
    ) pick
    JOIN directory_serviceatsite sas ON sas.id = pick.id
    JOIN directory_site site ON site.id = sas.site_id
    OFFSET 0
),
timed AS (
    SELECT p.*,
        p.requested_at + (p.until - p.requested_at) * p.r_when AS sent_at,
        CASE p.risk_level WHEN 'very_high' THEN %(h_very_high)s WHEN 'high' THEN %(h_high)s
             WHEN 'moderate' THEN %(h_moderate)s ELSE %(h_low)s END AS hours,
        -- chance the child completes: lower far away, at weaker services, at higher
        -- risk and for adolescents (features the completion model can learn)
        1.0 / (1.0 + exp(-(1.6 - 0.35 * p.km + 2.0 * (p.quality - 0.5) - 0.5 * p.band
                           - 0.08 * p.age))) AS p_complete
    FROM picked p
),
decided AS (
    SELECT t.*,
        CASE
          WHEN t.is_open AND t.sent_at > %(now)s - interval '2 days'
            THEN (CASE WHEN t.r_status < 0.15 THEN 'draft' ELSE 'sent' END)
          WHEN t.is_open AND t.sent_at > %(now)s - interval '90 days' THEN (CASE
            WHEN t.r_status < 0.05 THEN 'sent'
            WHEN t.r_status < 0.12 THEN 'accepted'
            WHEN t.r_status < 0.20 THEN 'waiting'
            WHEN t.r_status < 0.50 THEN 'in_service'
            WHEN t.r_status < 0.50 + 0.25 * (1.1 - t.quality) THEN 'rejected'
            WHEN t.r_status < 0.82 THEN 'withdrawn'
            WHEN t.r_status < 0.86 THEN 'expired'
            WHEN t.r_done < t.p_complete THEN 'completed' ELSE 'no_show' END)
          ELSE (CASE
            WHEN t.r_status < 0.05 THEN 'expired'
            WHEN t.r_status < 0.05 + 0.25 * (1.1 - t.quality) THEN 'rejected'
            WHEN t.r_status < 0.38 THEN 'withdrawn'
            WHEN t.r_done < t.p_complete THEN 'completed' ELSE 'no_show' END)
        END AS status,
        -- responsive services answer fast, weak ones slowly
        make_interval(secs => 86400 * (0.1 + t.r_answer * (0.5 + 8 * (1 - t.quality))))
            AS answer_after
    FROM timed t
)
INSERT INTO matching_referral (
    id, status, shared_note, consent_override_reason, sent_at, response_due, responded_at,
    closed_at, rejection_reason, feedback, overdue_notified, created, last_modified, case_id,
    consent_id, created_by_id, need_id, service_id, service_at_site_id
)
SELECT gen_random_uuid(), d.status, '', '',
    CASE WHEN d.status <> 'draft' THEN d.sent_at END,
    CASE WHEN d.status <> 'draft' THEN d.sent_at + make_interval(hours => d.hours) END,
    CASE WHEN d.status IN ('draft', 'sent', 'expired') THEN NULL
         WHEN d.status = 'withdrawn' AND d.r_reason < 0.5 THEN NULL
         ELSE least(d.sent_at + d.answer_after, %(now)s) END,
    CASE d.status
         WHEN 'expired' THEN least(d.sent_at + make_interval(hours => d.hours)
                                   + interval '14 days', %(now)s)
         WHEN 'rejected' THEN least(d.sent_at + d.answer_after, %(now)s)
         WHEN 'withdrawn' THEN least(d.sent_at + d.answer_after * 2, %(now)s)
         WHEN 'no_show' THEN least(d.sent_at + d.answer_after
                                   + d.r_span * interval '30 days', %(now)s)
         WHEN 'completed' THEN least(d.sent_at + d.answer_after + interval '30 days'
                                     + d.r_span * interval '120 days', %(now)s)
    END,
    CASE WHEN d.status = 'rejected'
         THEN (%(rejections)s::varchar[])[1 + floor(d.r_reason * %(n_rejections)s)::int]
         ELSE '' END,
    CASE WHEN d.status = 'completed' THEN %(feedback)s ELSE '' END,
    d.status = 'sent' AND d.sent_at + make_interval(hours => d.hours) < %(now)s,
    d.sent_at - interval '1 hour',
    %(now)s,
    d.case_id,
    (SELECT c.id FROM matching_consent c WHERE c.case_id = d.case_id LIMIT 1),
    %(caseworker)s, d.need_id, d.service_id, d.sas_id
FROM decided d
"""

_NEEDS_STATUS_SQL = """
UPDATE matching_caseneed n SET status = v.status
FROM (
    SELECT r.need_id,
           CASE WHEN bool_or(r.status = 'completed') THEN 'met' ELSE 'addressed' END AS status
    FROM matching_referral r JOIN bulk_case b ON b.id = r.case_id
    WHERE r.status IN ('completed', 'sent', 'accepted', 'waiting', 'in_service')
    GROUP BY r.need_id
) v
WHERE n.id = v.need_id
"""

# Multiplier for case codes: odd, so g ↦ g·M mod 2⁴⁰ is a bijection and the codes of
# one run are all different (40 bits = 8 characters of the 32-letter alphabet).
_CODE_MULTIPLIER = 0x5DEECE66D
_BULK_CLOSE_REASONS = [
    CaseCloseReason.PLAN_COMPLETED,
    CaseCloseReason.PLAN_COMPLETED,
    CaseCloseReason.MOVED_AWAY,
    CaseCloseReason.TRANSFERRED,
    CaseCloseReason.AGED_OUT,
    CaseCloseReason.FAMILY_DECLINED,
]
BULK_USERNAME = "gestora-generada"


def _bulk_actor(*, teams: Sequence[Organization]) -> User:
    """The caseworker the bulk cases and referrals are recorded by.

    The demo's caseworker if there is one; otherwise an account that cannot sign in.
    """
    from accounts.services import membership_grant

    user = User.objects.filter(username=_demo_username(Role.CASEWORKER)).first()
    if user is None:
        user, created = User.objects.get_or_create(username=BULK_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    for team in teams:
        membership_grant(user=user, organization=team, role=Role.CASEWORKER)
    return user


def _allocate(*, total: int, weights: Sequence[int], rng: random.Random) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder, ties at random)."""
    weight_sum = sum(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), rng.random()))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# Written by the bulk generator. Their secondary indexes and foreign keys are dropped
# for the load and rebuilt after it: one index build or one validating join is far
# cheaper than a million single-row insertions and checks (PostgreSQL manual,
# "Populating a Database", §14.4.3 and §14.4.4).
_BULK_TABLES = (
    "matching_case",
    "matching_caseneed",
    "matching_consent",
    "matching_alert",
    "matching_referral",
)
# The one secondary index the load reads: each referral looks up its case's consent.
# (Unique indexes stay anyway: ON CONFLICT needs the code's, and a case's needs are
# found through the (case, term) one.)
_BULK_KEEP_INDEXES = {("matching_consent", "case_id")}


def _bulk_secondary_structures(
    cursor: Any,
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(index, CREATE INDEX …) and (table, constraint, definition) to drop and rebuild."""
    cursor.execute(
        """
        SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT i.indisprimary AND NOT i.indisunique
        GROUP BY t.relname, i.indexrelid
        ORDER BY t.relname, i.indexrelid::regclass::text
        """,
        [list(_BULK_TABLES)],
    )
    indexes = [
        (name, definition)
        for table, name, definition, columns in cursor.fetchall()
        if not (len(columns) == 1 and (table, columns[0]) in _BULK_KEEP_INDEXES)
    ]
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s)
          AND t.relnamespace = 'public'::regnamespace
        ORDER BY t.relname, c.conname
        """,
        [list(_BULK_TABLES)],
    )
    return indexes, list(cursor.fetchall())


def cases_bulk_generate(
    *,
    count: int,
    seed: int,
    referrals: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = 100_000,
) -> int:
    """Insert ``count`` cases (and their needs, consents, alerts and past referrals).

    For benchmarks: plain SQL, no events, no notifications, no priorities (run
    ``priority_recompute`` afterwards). ``referrals`` defaults to 0.3 per case.
    Homes are ``ST_GeneratePoints`` inside the leaf territories, in proportion to
    their child population. Deterministic for a seed except for the row ids.
    Returns the number of cases inserted.

    One transaction, in which the matching tables' secondary indexes and foreign keys
    are dropped and rebuilt (see ``_BULK_TABLES``): it locks those tables until it
    commits, so run it on a benchmark database, not on one people are using.
    """
    if count <= 0:
        return 0
    referral_total = round(0.3 * count) if referrals is None else referrals
    report = progress or (lambda label, amount: None)
    rng = random.Random(seed)
    leaves = list(
        Territory.objects.filter(children__isnull=True)
        .order_by("code")
        .distinct()
        .values_list("pk", "children_0_5", "children_6_11", "children_12_17")
    )
    if not leaves:
        raise ValueError("No territories: generate the municipality first.")
    teams = list(Organization.objects.filter(sector="social_protection").order_by("name")[:20])
    if not teams:
        teams = list(Organization.objects.order_by("name")[:1])
    if not teams:
        raise ValueError("No organizations: generate the municipality first.")
    raisers = list(Organization.objects.order_by("name").values_list("pk", flat=True)[:200])
    actor = _bulk_actor(teams=teams)
    policy = policy_current()
    terms = list(TaxonomyTerm.objects.filter(code__in=list(NEED_WEIGHTS)).values_list("pk", "code"))
    counts = _allocate(total=count, weights=[max(a + b + c, 1) for _, a, b, c in leaves], rng=rng)
    now = timezone.now()
    spent: dict[str, float] = defaultdict(float)

    def run(cursor: Any, label: str, sql: str, params: Any = None) -> int:
        started = time.perf_counter()
        cursor.execute(sql, params)
        spent[label] += time.perf_counter() - started
        return int(cursor.rowcount)

    with transaction.atomic(), connection.cursor() as cursor:
        # One session, no parallel workers: random() then runs in one sequence, so
        # the data are the same for the same seed.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # These statements cost past the JIT thresholds, and compiling them took longer
        # (2.6 s per referral batch) than running them.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT setseed(%s)", [(seed % 2_000_000) / 1_000_000 - 1])
        cursor.execute("SELECT count(*) FROM matching_case")
        code_base = int(cursor.fetchone()[0])  # codes of earlier runs are not reused
        # Locks the tables until commit: this is for a benchmark database, not a live one.
        # Deferred checks still queued (rows this transaction wrote before) run now: a
        # table with pending trigger events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes, foreign_keys = _bulk_secondary_structures(cursor)
        for name, _definition in indexes:
            run(cursor, "drop", f"DROP INDEX {name}")
        for table, constraint, _definition in foreign_keys:
            run(cursor, "drop", f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        cursor.execute(
            "CREATE TEMP TABLE bulk_home (g int PRIMARY KEY, territory_id uuid, "
            "home geometry(Point, 4326)) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bulk_case (id uuid PRIMARY KEY, g int UNIQUE, territory_id uuid, "
            "home geometry(Point, 4326), risk_level varchar(10), requested_at timestamptz, "
            "status varchar(10), closed_at timestamptz, birth_date date, n_alerts int) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bulk_term (term_id uuid, code varchar(50), weight float) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO bulk_term SELECT * FROM unnest(%s::uuid[], %s::varchar[], %s::float[])",
            [
                [pk for pk, _code in terms],
                [code for _pk, code in terms],
                [float(NEED_WEIGHTS[code]) for _pk, code in terms],
            ],
        )
        run(
            cursor,
            "homes",
            _HOMES_SQL,
            {
                "base": 0,
                "territories": [pk for pk, *_ in leaves],
                "counts": counts,
                "seeds": [rng.randint(1, 2**31 - 1) for _ in leaves],
            },
        )
        cursor.execute("ANALYZE bulk_home")
        report("homes", count)
        common: dict[str, Any] = {
            "now": now,
            "today": timezone.localdate(now),
            "caseworker": actor.pk,
        }
        inserted = 0
        for lo in range(0, count, chunk_size):
            hi = min(lo + chunk_size, count)
            params = {**common, "lo": lo, "hi": hi}
            inserted += run(
                cursor,
                "cases",
                _CASES_SQL,
                {
                    **params,
                    "max_age_days": MAX_AGE_DAYS,
                    "factors": list(VulnerabilityFactor.values),
                    "alphabet": CODE_ALPHABET,
                    "code_base": code_base,
                    "code_mult": _CODE_MULTIPLIER,
                    "close_reasons": [str(r) for r in _BULK_CLOSE_REASONS],
                    "n_close": len(_BULK_CLOSE_REASONS),
                    "teams": [t.pk for t in teams],
                    "n_teams": len(teams),
                },
            )
            run(cursor, "needs", _NEEDS_SQL, params)
            run(
                cursor,
                "consents",
                _CONSENTS_SQL,
                {**params, "givers": CONSENT_GIVERS, "n_givers": len(CONSENT_GIVERS)},
            )
            run(
                cursor,
                "alerts",
                _ALERTS_SQL,
                {
                    **params,
                    "alert_types": list(AlertType.values),
                    "n_alert_types": len(AlertType.values),
                    "raisers": raisers,
                    "n_raisers": len(raisers),
                },
            )
            report("cases", hi - lo)
        cursor.execute("ANALYZE bulk_case")
        cursor.execute("ANALYZE matching_caseneed")
        cursor.execute("ANALYZE matching_consent")
        # ``g`` is dense unless a code collided; referrals pick cases by g.
        cursor.execute("SELECT max(g) FROM bulk_case")
        cases_top = int(cursor.fetchone()[0] or 0)
        run(cursor, "referrals", _OFFERS_SQL)
        hours = {
            "h_very_high": policy.response_hours_very_high,
            "h_high": policy.response_hours_high,
            "h_moderate": policy.response_hours_moderate,
            "h_low": policy.response_hours_low,
        }
        rejections = [str(r) for r in REJECTION_WEIGHTS]
        step = max(chunk_size // 2, 1)
        for lo in range(0, referral_total, step):
            hi = min(lo + step, referral_total)
            run(
                cursor,
                "referrals",
                _REFERRALS_SQL,
                {
                    **common,
                    **hours,
                    "lo": lo,
                    "hi": hi,
                    "cases": cases_top,
                    "rejections": rejections,
                    "n_rejections": len(rejections),
                    "feedback": FEEDBACK[0],
                },
            )
            report("referrals", hi - lo)
        run(cursor, "needs", _NEEDS_STATUS_SQL)
        for _name, definition in indexes:
            run(cursor, "indexes", definition)
            report("indexes", 1)
        for table, constraint, definition in foreign_keys:
            run(
                cursor,
                "foreign keys",
                f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}',
            )
            report("foreign keys", 1)
        # Back to Django's default for the rest of the caller's transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        started = time.perf_counter()
    spent["commit"] += time.perf_counter() - started
    with connection.cursor() as cursor:
        # Fresh statistics: the options and priority queries are planned on them.
        for table in _BULK_TABLES:
            run(cursor, "analyze", f"ANALYZE {table}")
    logger.info(
        "bulk cases: %s",
        ", ".join(f"{label} {seconds:.1f} s" for label, seconds in spent.items()),
    )
    return inserted


class TqdmProgress:
    """A ``Progress`` that draws one tqdm bar per label, closing the previous one."""

    def __init__(self, *, totals: dict[str, int | None] | None = None) -> None:
        self.totals = totals or {}
        self.bars: dict[str, Any] = {}

    def __call__(self, label: str, amount: int) -> None:
        from tqdm import tqdm

        if label not in self.bars:
            self.close()
            self.bars[label] = tqdm(
                total=self.totals.get(label), desc=label, unit=" rows", leave=True
            )
        self.bars[label].update(amount)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
