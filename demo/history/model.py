"""The pieces the year's simulation moves: sites, services, children, queue entries, the
clock and the network of teams (``demo.history``)."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from cases.demo.records import NEED_WEIGHTS
from cases.models import Case
from directory.models import (
    Organization,
    OrganizationSector,
    RiskLevel,
    Service,
    ServiceAtSite,
    ServiceStatus,
    Territory,
)
from waitlists.models import (
    Enrolment,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
)

#: Days simulated before the history shown, so its first day already has queues.


WARM_UP_DAYS = 150
#: Share of the services under pressure (at least 5, at most 9).
PRESSURED_SHARE = 0.07
#: Teams referring besides the demo's: social protection, health and schools.
TEAM_SECTORS = (
    OrganizationSector.SOCIAL_PROTECTION,
    OrganizationSector.HEALTH,
    OrganizationSector.EDUCATION,
)
MAX_TEAMS = 8
BANDS = [RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.VERY_HIGH]
QUEUE_CLOSED_AT = 38  # a provider turns referrals away (no capacity) past this queue


@dataclass
class DemoHistorySummary:
    cases: int = 0
    referrals: int = 0
    waiting: int = 0
    pending_offers: int = 0
    waitlist_snapshots: int = 0
    #: site → (when its capacity became today's, what it was before): for the gap history
    capacity_before: dict[UUID, tuple[datetime, int]] = field(default_factory=dict)


@dataclass
class _Site:
    id: UUID
    territory_id: UUID
    total: int  # today's capacity, as stored
    capacity: int  # today's, for the network (less what the demo's own children hold)
    before: int  # the network's before ``since``
    since: float  # day (relative to now) the capacity became today's; -inf: always

    def at(self, t: float) -> int:
        return self.capacity if t >= self.since else self.before


@dataclass
class _Service:
    id: UUID
    organization_id: UUID
    name: str
    codes: list[str]  # need codes it serves
    min_age: int
    max_age: int
    sexes: tuple[str, ...]
    risks: tuple[str, ...]
    judicial: bool
    leaves: list[Territory]  # where its children may live
    sites: list[_Site]
    duration: float  # mean days in service
    pressured: bool = False
    rho: float = 0.3


@dataclass
class _Child:
    case: int
    referral: int
    band: int
    requested: float


@dataclass(order=True)
class _Entry:
    key: tuple[int, float]  # (-band, joined): the first of the queue is the smallest
    child: _Child = field(compare=False)
    joined: float = field(compare=False)
    state: str = field(default="waiting", compare=False)


class _Clock:
    """Days relative to now (negative: the past) as aware datetimes, never after now."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def at(self, t: float) -> datetime:
        return self.now + timedelta(days=min(t, 0.0))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


class _Network:
    """The map as the simulation reads it, and what the demo's own children hold."""

    def __init__(self, *, rng: random.Random, now: datetime, start: float) -> None:
        self.rng = rng
        self.now = now
        demo_teams = set(Case.objects.values_list("organization_id", flat=True))
        self.teams = [
            o.pk
            for o in Organization.objects.filter(sector__in=TEAM_SECTORS)
            .exclude(pk__in=demo_teams)
            .order_by("name")[:MAX_TEAMS]
        ]
        self.leaves = list(
            Territory.objects.filter(children__isnull=True).order_by("code").distinct()
        )
        parents = dict(Territory.objects.values_list("pk", "parent_id"))
        self.population = {t.pk: max(t.child_population, 1) for t in self.leaves}
        # What the demo's own children hold at a site during the year: never offered here.
        held: Counter[UUID] = Counter()
        since = now + timedelta(days=start)
        for site_id, ended in Enrolment.objects.values_list("service_at_site_id", "ended_at"):
            if ended is None or ended > since:
                held[site_id] += 1
        for site_id in SlotOffer.objects.filter(status=OfferStatus.PENDING).values_list(
            "service_at_site_id", flat=True
        ):
            held[site_id] += 1
        queued = set(
            WaitlistEntry.objects.filter(
                status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
            ).values_list("service_id", flat=True)
        )
        sites: dict[UUID, list[ServiceAtSite]] = defaultdict(list)
        for sas in ServiceAtSite.objects.select_related("site").order_by("site__name"):
            sites[sas.service_id].append(sas)
        self.services: list[_Service] = []
        services = (
            Service.objects.filter(status=ServiceStatus.ACTIVE)
            .exclude(pk__in=queued)  # a queue of the demo's own: its order is theirs
            .select_related("eligibility")
            .prefetch_related("eligibility__service_area", "categories")
            .order_by("name")
        )
        for service in services:
            codes = sorted({c.code for c in service.categories.all()} & set(NEED_WEIGHTS))
            rows = [
                _Site(
                    id=s.pk,
                    territory_id=s.site.territory_id,
                    total=s.capacity,
                    capacity=s.capacity - held[s.pk],
                    before=s.capacity - held[s.pk],
                    since=-math.inf,
                )
                for s in sites[service.pk]
                if s.capacity - held[s.pk] > 0 and s.site.territory_id
            ]
            if not codes or not rows:
                continue
            eligibility = getattr(service, "eligibility", None)
            area = {t.pk for t in eligibility.service_area.all()} if eligibility else set()
            leaves = self.leaves
            if area:

                def inside(pk: UUID, area: set[UUID] = area) -> bool:
                    seen: set[UUID] = set()
                    while pk is not None and pk not in seen:
                        if pk in area:
                            return True
                        seen.add(pk)
                        pk = parents.get(pk)  # type: ignore[assignment]
                    return False

                leaves = [t for t in self.leaves if inside(t.pk)]
            if not leaves:
                continue
            weeks = service.typical_duration_weeks or 12
            self.services.append(
                _Service(
                    id=service.pk,
                    organization_id=service.organization_id,
                    name=service.name,
                    codes=codes,
                    min_age=max(0, eligibility.min_age or 0) if eligibility else 0,
                    max_age=min(
                        17,
                        eligibility.max_age
                        if eligibility and eligibility.max_age is not None
                        else 17,
                    ),
                    sexes=tuple(eligibility.sexes) if eligibility else (),
                    risks=tuple(eligibility.risk_levels) if eligibility else (),
                    judicial=bool(eligibility and eligibility.requires_judicial_order),
                    leaves=leaves,
                    sites=rows,
                    duration=min(max(weeks * 7.0, 28.0), 180.0),
                )
            )
