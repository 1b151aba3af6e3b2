"""The day-by-day simulation of the network's year (``demo.history``)."""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from cases.demo.network import NetworkCase
from cases.demo.records import CONSENT_GIVERS, NEED_WEIGHTS, RISK_WEIGHTS
from cases.models import CODE_ALPHABET, Case, NeedStatus
from demo.history.model import (
    BANDS,
    PRESSURED_SHARE,
    QUEUE_CLOSED_AT,
    _Child,
    _Clock,
    _Entry,
    _Network,
    _poisson,
    _Service,
    _Site,
    _weighted,
)
from directory.demo import Progress
from directory.models import (
    Sex,
)
from matching.demo.network import NetworkReferral, Step
from matching.demo.referrals import FEEDBACK, REJECTION_WEIGHTS, SHARED_NOTES
from matching.models import ReferralStatus as RS
from matching.models import RejectionReason
from matching.selectors import policy_current
from waitlists.demo import (
    Event,
    NetworkPlacement,
    Offer,
    Stay,
)
from waitlists.models import (
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    WaitlistEventKind,
)


class _Simulation:
    """The network's referrals, slots and queues from ``start`` days ago to now."""

    def __init__(
        self, *, rng: random.Random, network: _Network, now: datetime, start: float
    ) -> None:
        self.rng = rng
        self.net = network
        self.clock = _Clock(now)
        self.start = start
        self.today = timezone.localdate(now)
        self.policy = policy_current()
        self.cases: list[NetworkCase] = []
        self.referrals: list[NetworkReferral] = []
        self.placements: dict[int, NetworkPlacement] = {}
        self.capacity_before: dict[UUID, tuple[datetime, int]] = {}
        self.used_codes = set(Case.objects.values_list("code", flat=True))
        self.events: list[tuple[float, int, str, tuple[Any, ...]]] = []
        self.seq = 0
        # Each receiving organization answers at its own pace (a factor of the deadline).
        self.pace: dict[UUID, float] = {}
        # The service being simulated: its queue, and the slots taken and held per site.
        self.queue: list[_Entry] = []
        self.taken: Counter[UUID] = Counter()
        self.held: Counter[UUID] = Counter()

    # --- the plan of the year --------------------------------------------------------------

    def choose(self) -> None:
        rng, services = self.rng, self.net.services
        candidates = [s for s in services if 5 <= sum(x.capacity for x in s.sites) <= 30]
        rng.shuffle(candidates)
        # The commonest needs first, their queues being the ones a network has, and no
        # more than two services of a need.
        candidates.sort(key=lambda s: -max(NEED_WEIGHTS[c] for c in s.codes))
        k = max(5, min(9, round(PRESSURED_SHARE * len(services))))
        per_need: Counter[str] = Counter()
        pressured: set[UUID] = set()
        for service in candidates:
            need = max(service.codes, key=lambda c: NEED_WEIGHTS[c])
            if per_need[need] < 2 and len(pressured) < k:
                per_need[need] += 1
                pressured.add(service.id)
        for service in services:
            service.pressured = service.id in pressured
            service.rho = rng.uniform(1.8, 2.6) if service.pressured else rng.uniform(0.08, 0.3)
            for site in service.sites:
                # A quarter of the sites grew during the year; queues shrink after.
                if rng.random() < 0.25 and site.capacity >= 5:
                    added = site.capacity - max(1, round(site.capacity * rng.uniform(0.55, 0.85)))
                    self._grow(site, added=added, since=-rng.uniform(5, 330))
            if service.pressured and rng.random() < 0.6:
                # Capacity added in the last days: the first of the queue were just offered it.
                site = rng.choice(service.sites)
                if site.since == -math.inf and site.capacity >= 3:
                    self._grow(site, added=rng.randint(1, 2), since=-rng.uniform(0.1, 1.2))

    def _grow(self, site: _Site, *, added: int, since: float) -> None:
        """The site's capacity became today's ``since`` days ago, ``added`` slots more."""
        if added <= 0:
            return
        site.before, site.since = site.capacity - added, since
        self.capacity_before[site.id] = (self.clock.at(since), site.total - added)

    # --- one child, one referral -----------------------------------------------------------

    def _code(self) -> str:
        while True:
            code = "C-" + "".join(self.rng.choice(CODE_ALPHABET) for _ in range(8))
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _child(self, service: _Service, sent: float) -> int | None:
        """A child that fits the service, referred ``sent`` days ago; its case index."""
        rng = self.rng
        years = -sent / 365.25
        top = min(service.max_age, 17 - math.ceil(years))
        if top < service.min_age:
            return None
        age = rng.randint(service.min_age, top) + rng.uniform(0.05, 0.95)
        sent_day = self.today + timedelta(days=math.floor(sent))
        birth = sent_day - timedelta(days=int(age * 365.25))
        risks = {k: w for k, w in RISK_WEIGHTS.items() if not service.risks or k in service.risks}
        near = [s.territory_id for s in service.sites]
        leaves = service.leaves
        nearby = [t for t in leaves if t.pk in near]
        if nearby and rng.random() < 0.6:
            leaf = rng.choice(nearby)
        else:
            leaf = rng.choices(leaves, [self.net.population[t.pk] for t in leaves])[0]
        x0, y0, x1, y1 = leaf.geometry.extent
        mx, my = (x1 - x0) * 0.02, (y1 - y0) * 0.02
        for _attempt in range(50):
            lon, lat = rng.uniform(x0 + mx, x1 - mx), rng.uniform(y0 + my, y1 - my)
            if leaf.geometry.contains(Point(lon, lat, srid=4326)):
                break
        else:
            point = leaf.geometry.point_on_surface
            lon, lat = point.x, point.y
        requested = sent - rng.uniform(1, 25)
        code = rng.choice(service.codes)
        needs: dict[str, str] = {code: NeedStatus.ADDRESSED}
        sex = rng.choice(service.sexes) if service.sexes else rng.choice([Sex.FEMALE, Sex.MALE])
        self.cases.append(
            NetworkCase(
                code=self._code(),
                team_id=rng.choice(
                    [t for t in self.net.teams if t != service.organization_id] or self.net.teams
                ),
                territory_id=leaf.pk,
                lon=lon,
                lat=lat,
                birth_date=birth,
                sex=sex,
                risk_level=_weighted(rng, risks),
                has_judicial_order=service.judicial or rng.random() < 0.03,
                requested_at=self.clock.at(requested),
                consent_at=self.clock.at(requested + rng.uniform(0.05, 0.9)),
                consent_by=rng.choice(CONSENT_GIVERS),
                needs=needs,
            )
        )
        return len(self.cases) - 1

    def _push(self, t: float, kind: str, data: tuple[Any, ...]) -> None:
        if t < 0:
            self.seq += 1
            heapq.heappush(self.events, (t, self.seq, kind, data))

    def _refer(self, service: _Service, sent: float) -> None:
        rng = self.rng
        case = self._child(service, sent)
        if case is None:
            return
        child = self.cases[case]
        hours = self.policy.response_hours(child.risk_level)
        deadline = hours / 24
        site = next(
            (s for s in service.sites if s.territory_id == child.territory_id),
            rng.choice(service.sites),
        )
        code = next(iter(child.needs))
        referral = NetworkReferral(
            case=case,
            need_code=code,
            service_id=service.id,
            service_at_site_id=site.id,
            response_hours=hours,
            shared_note=rng.choice(SHARED_NOTES),
        )
        drafted = sent - rng.uniform(0.02, 1.5)
        at = self.clock.at
        referral.steps.append(Step("", RS.DRAFT, at(drafted), "team"))
        referral.steps.append(Step(RS.DRAFT, RS.SENT, at(sent), "team"))
        self.referrals.append(referral)
        index = len(self.referrals) - 1
        pace = self.pace.setdefault(service.organization_id, rng.uniform(0.15, 1.2))
        answer = sent + deadline * pace * rng.lognormvariate(0, 0.45)
        roll = rng.random()
        if roll < 0.04 and sent + deadline + 14 < -0.5:
            referral.steps.append(
                Step(RS.SENT, RS.EXPIRED, at(sent + deadline + 14 + rng.uniform(0, 1)), "system")
            )
            self._unmet(case, code, sent + deadline + 14)
            return
        if roll < 0.10:
            when = sent + rng.uniform(0.3, max(deadline, 0.5))
            if when >= 0:
                when = sent * rng.uniform(0.1, 0.7)
            referral.steps.append(
                Step(
                    RS.SENT,
                    RS.WITHDRAWN,
                    at(when),
                    "team",
                    "La familia prefirió esperar al inicio del semestre.",
                )
            )
            self._unmet(case, code, when)
            return
        if answer >= 0:
            if sent + deadline < 0:  # no referral is left overdue: answered, if late
                answer = sent + (0 - sent) * rng.uniform(0.3, 0.95)
            else:
                return  # awaiting the answer, within its deadline
        self._push(answer, "answer", (service, index, site))

    def _unmet(self, case: int, code: str, t: float) -> None:
        """The referral ended without the service: the team looks again, or the need lapsed.

        Recently: still open (another referral will follow); long ago: no longer needed.
        """
        self.cases[case].needs[code] = NeedStatus.OPEN if t > -45 else NeedStatus.DROPPED

    # --- the queue of a service ------------------------------------------------------------

    def run(self, progress: Progress | None) -> None:
        rng = self.rng
        zone = timezone.get_default_timezone()
        now = self.clock.now
        for service in self.net.services:
            capacity = sum(s.capacity for s in service.sites)
            # Of the referrals sent, the share placed (see _refer and _answer), and the
            # mean stay with the early ends (see _enrol): ``rho`` is the load of the slots.
            placed = 0.6 if service.pressured else 0.74
            stay = 0.83 * service.duration
            rate = service.rho * capacity / stay / placed
            self.queue, self.taken, self.held = [], Counter(), Counter()
            for site in service.sites:
                if site.since > self.start:
                    self._push(site.since, "capacity", (service, site))
            day = math.floor(self.start)
            while day < 0:
                when = self.today + timedelta(days=day)
                if when.weekday() < 5:
                    # More referrals from March to June (the school year), fewer in summer.
                    season = 1 + 0.3 * math.sin(2 * math.pi * (when.timetuple().tm_yday - 60) / 365)
                    midnight = timezone.make_aware(datetime.combine(when, time.min), zone)
                    base = (midnight - now).total_seconds() / 86400
                    for _n in range(_poisson(rng, rate * 7 / 5 * season)):
                        sent = base + rng.uniform(8.5, 17.5) / 24  # office hours
                        if sent < -0.01:
                            self._refer(service, sent)
                day += 1
                while self.events and self.events[0][0] < day:
                    t, _seq, kind, data = heapq.heappop(self.events)
                    self._handle(t, kind, data)
            while self.events:
                t, _seq, kind, data = heapq.heappop(self.events)
                self._handle(t, kind, data)
            if progress:
                progress("history", 1)

    def _placement(self, index: int) -> NetworkPlacement:
        return self.placements.setdefault(index, NetworkPlacement(referral=index))

    def _handle(self, t: float, kind: str, data: tuple[Any, ...]) -> None:
        if kind == "answer":
            self._answer(t, *data)
        elif kind == "place":
            self._place(t, *data)
        elif kind == "end":
            self._end(t, *data)
        elif kind == "capacity":
            service, site = data
            self._offer_next(t, service, site)
        elif kind == "reply":
            self._reply(t, *data)
        elif kind == "leave":
            self._leave(t, *data)

    def _answer(self, t: float, service: _Service, index: int, site: _Site) -> None:
        rng, at = self.rng, self.clock.at
        referral = self.referrals[index]
        queue_full = len(self.queue) >= QUEUE_CLOSED_AT
        reject = 0.25 if service.pressured else 0.12
        if queue_full or rng.random() < reject:
            reason = (
                RejectionReason.NO_CAPACITY
                if queue_full or (service.pressured and rng.random() < 0.6)
                else _weighted(rng, REJECTION_WEIGHTS)
            )
            referral.rejection_reason = reason
            referral.steps.append(
                Step(
                    RS.SENT,
                    RS.REJECTED,
                    at(t),
                    "provider",
                    "Se informa a la oficina para buscar otra alternativa.",
                )
            )
            self._unmet(referral.case, referral.need_code, t)
            return
        referral.steps.append(Step(RS.SENT, RS.ACCEPTED, at(t), "provider"))
        if rng.random() < 0.04:
            when = t + rng.uniform(2, 15)
            if when < 0:
                referral.steps.append(
                    Step(
                        RS.ACCEPTED,
                        RS.NO_SHOW,
                        at(when),
                        "provider",
                        "No se presentó a la primera cita.",
                    )
                )
                self._unmet(referral.case, referral.need_code, when)
            return
        self._push(t + rng.uniform(0.1, 3), "place", (service, index, site))

    def _place(self, t: float, service: _Service, index: int, site: _Site) -> None:
        referral = self.referrals[index]
        placement = self._placement(index)
        if self.taken[site.id] + self.held[site.id] < site.at(t):
            self._enrol(t, service, index, site, from_status=RS.ACCEPTED)
            return
        at = self.clock.at
        referral.steps.append(
            Step(RS.ACCEPTED, RS.WAITING, at(t), "provider", "Sin cupo libre: en lista de espera.")
        )
        child = self.cases[referral.case]
        band = BANDS.index(child.risk_level)  # type: ignore[arg-type]
        entry = _Entry(key=(-band, t), child=_Child(referral.case, index, band, t), joined=t)
        heapq.heappush(self.queue, entry)
        placement.entry = Stay(site_id=site.id, start=at(t), end=None, status=EntryStatus.WAITING)
        placement.events.append(Event(WaitlistEventKind.JOINED, at(t), by_actor=True))
        # Families find another way or give up: some leave the queue after a while.
        self._push(t + self.rng.expovariate(1 / 240), "leave", (service, entry))

    def _enrol(
        self, t: float, service: _Service, index: int, site: _Site, *, from_status: str
    ) -> None:
        rng, at = self.rng, self.clock.at
        referral = self.referrals[index]
        placement = self._placement(index)
        by = "provider" if from_status == RS.ACCEPTED else "system"
        referral.steps.append(Step(from_status, RS.IN_SERVICE, at(t), by))
        self.taken[site.id] += 1
        placement.enrolment = Stay(
            site_id=site.id, start=at(t), end=None, status=EnrolmentStatus.ACTIVE
        )
        placement.events.append(Event(WaitlistEventKind.ENROLLED, at(t), by_actor=True))
        roll = rng.random()
        if roll < 0.72:
            status, span = EnrolmentStatus.COMPLETED, service.duration * rng.uniform(0.6, 1.4)
        elif roll < 0.94:
            status, span = EnrolmentStatus.DROPPED_OUT, service.duration * rng.uniform(0.1, 0.6)
        else:
            status, span = EnrolmentStatus.MOVED, service.duration * rng.uniform(0.1, 0.8)
        self._push(t + span, "end", (service, index, site, status))

    def _end(self, t: float, service: _Service, index: int, site: _Site, status: str) -> None:
        rng, at = self.rng, self.clock.at
        referral = self.referrals[index]
        placement = self._placement(index)
        assert placement.enrolment is not None
        placement.enrolment = Stay(
            site_id=site.id, start=placement.enrolment.start, end=at(t), status=status
        )
        note = ""
        if status == EnrolmentStatus.COMPLETED:
            referral.feedback = rng.choice(FEEDBACK)
            referral.steps.append(Step(RS.IN_SERVICE, RS.COMPLETED, at(t), "provider"))
            self.cases[referral.case].needs[referral.need_code] = NeedStatus.MET
        elif status == EnrolmentStatus.DROPPED_OUT:
            note = "Dejó de asistir después de las primeras sesiones."
            referral.steps.append(Step(RS.IN_SERVICE, RS.NO_SHOW, at(t), "provider", note))
            self._unmet(referral.case, referral.need_code, t)
        else:
            note = "La familia se cambió de comuna."
            referral.steps.append(Step(RS.IN_SERVICE, RS.WITHDRAWN, at(t), "provider", note))
            self._unmet(referral.case, referral.need_code, t)
        placement.events.append(Event(WaitlistEventKind.ENDED, at(t), by_actor=True, note=note))
        self.taken[site.id] -= 1
        self._offer_next(t, service, site)

    def _offer_next(self, t: float, service: _Service, site: _Site) -> None:
        rng, at = self.rng, self.clock.at
        hours = settings.WAITLIST_OFFER_HOURS / 24
        while self.taken[site.id] + self.held[site.id] < site.at(t):
            entry = self._first()
            if entry is None:
                return
            entry.state = "offered"
            self.held[site.id] += 1
            roll = rng.random()
            if roll < 0.8:
                outcome, reply = OfferStatus.ACCEPTED, t + rng.uniform(0.1, hours * 0.95)
            elif roll < 0.9:
                outcome, reply = OfferStatus.DECLINED, t + rng.uniform(0.1, hours * 0.7)
            else:
                outcome, reply = OfferStatus.EXPIRED, t + hours
            placement = self._placement(entry.child.referral)
            offer = len(placement.offers)
            placement.offers.append(
                Offer(
                    site_id=site.id,
                    offered_at=at(t),
                    expires_at=self.clock.now + timedelta(days=t + hours),
                    status=OfferStatus.PENDING,
                    answered_at=None,
                )
            )
            placement.events.append(Event(WaitlistEventKind.OFFERED, at(t), by_actor=False))
            if placement.entry is not None:
                placement.entry = Stay(
                    site_id=site.id,
                    start=placement.entry.start,
                    end=None,
                    status=EntryStatus.OFFERED,
                )
            if reply < 0:
                self._push(reply, "reply", (service, site, entry, offer, outcome))

    def _first(self) -> _Entry | None:
        while self.queue and self.queue[0].state != "waiting":
            heapq.heappop(self.queue)
        return heapq.heappop(self.queue) if self.queue else None

    def _reply(
        self, t: float, service: _Service, site: _Site, entry: _Entry, offer: int, outcome: str
    ) -> None:
        at = self.clock.at
        index = entry.child.referral
        placement = self._placement(index)
        referral = self.referrals[index]
        made = placement.offers[offer]
        placement.offers[offer] = Offer(
            site_id=made.site_id,
            offered_at=made.offered_at,
            expires_at=made.expires_at,
            status=outcome,
            answered_at=at(t) if outcome != OfferStatus.EXPIRED else None,
        )
        self.held[site.id] -= 1
        assert placement.entry is not None
        start = placement.entry.start
        entry.state = "gone"
        if outcome == OfferStatus.ACCEPTED:
            placement.entry = Stay(
                site_id=site.id, start=start, end=at(t), status=EntryStatus.ENROLLED
            )
            self._enrol(t, service, index, site, from_status=RS.WAITING)
            return
        placement.entry = Stay(
            site_id=site.id, start=start, end=at(t), status=EntryStatus.WITHDRAWN
        )
        if outcome == OfferStatus.DECLINED:
            note = "La familia no puede asistir en ese horario."
            referral.steps.append(Step(RS.WAITING, RS.WITHDRAWN, at(t), "system", note))
            placement.events.append(
                Event(WaitlistEventKind.DECLINED, at(t), by_actor=True, note=note)
            )
        else:
            note = "Sin respuesta a la oferta a tiempo."
            referral.steps.append(Step(RS.WAITING, RS.EXPIRED, at(t), "system", note))
            placement.events.append(
                Event(WaitlistEventKind.EXPIRED, at(t), by_actor=False, note=note)
            )
        self._unmet(referral.case, referral.need_code, t)
        self._offer_next(t, service, site)

    def _leave(self, t: float, service: _Service, entry: _Entry) -> None:
        if entry.state != "waiting":
            return
        entry.state = "gone"
        at = self.clock.at
        index = entry.child.referral
        placement = self._placement(index)
        referral = self.referrals[index]
        assert placement.entry is not None
        placement.entry = Stay(
            site_id=placement.entry.site_id,
            start=placement.entry.start,
            end=at(t),
            status=EntryStatus.WITHDRAWN,
        )
        note = "La necesidad se cubrió por otra vía."
        referral.steps.append(Step(RS.WAITING, RS.WITHDRAWN, at(t), "team", note))
        placement.events.append(Event(WaitlistEventKind.WITHDRAWN, at(t), by_actor=True, note=note))
        self._unmet(referral.case, referral.need_code, t)
