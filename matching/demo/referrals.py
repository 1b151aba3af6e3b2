"""The demo's referrals, through ``matching.services``, as a caseworker would make them.

Every referral has its event log, every alert its notifications, and each referral
goes to an option ``matching.options.referral_options`` really offers the child; it
is then driven to a final status through the legal moves, the provider answering
where its organization has staff on Puente. ``DemoReferrals`` refers one case at a
time (``demo/`` hands it each case as ``cases.demo`` draws it) and ends with the
overdue flags and a full ``priority_recompute``.

Taking a slot is the waitlists app's move, above this one: ``demo/`` passes its
moves in as ``moves`` (see ``SlotMoves``).

Time travel. The services stamp everything with ``timezone.now()``; a demo where
every referral was sent a second ago would show no overdue answers, no waiting and
no history. So once a referral has reached its final status, ``_backdate_referral``
rewrites its timestamps (created, sent_at, response_due, responded_at, closed_at)
and the ``at`` of its events along one plausible past timeline ending before now
(and ``moves.backdate`` its enrolment and waitlist entry). Referral events are
append-only for the application; the generator rewrites them once, in the same
transaction that made them, before anyone could have read them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from uuid import UUID

from accounts.models import User
from cases.demo import DemoActors, ago, weighted
from cases.models import Case
from directory.models import RiskLevel, ServiceAtSite
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

E = TypeVar("E")


class SlotMoves(Protocol[E]):
    """How an accepted referral takes a slot: the waitlists app's moves (``E``: an enrolment).

    ``demo/`` passes ``waitlists.demo.DemoSlotMoves``; this app cannot import it.
    """

    def place(self, *, actor: User, referral: Referral) -> E | None:
        """Enrol the child in a free slot (the enrolment) or put it on the waitlist (None)."""
        ...

    def complete(self, *, actor: User, enrolment: E, feedback: str) -> None: ...

    def drop_out(self, *, actor: User, enrolment: E, note: str) -> None: ...

    def backdate(
        self, *, referral: Referral, by_status: Mapping[str, datetime], end: datetime
    ) -> None:
        """Move the referral's enrolment and waitlist entry onto its timeline."""
        ...


@dataclass(frozen=True)
class ReferralsEnded:
    """A case whose referrals have all ended: did one complete, and when did the last close."""

    plan_completed: bool
    last_ended: datetime | None


# --- referral timelines ------------------------------------------------------------


def _backdate_referral(
    *,
    referral: Referral,
    moves: SlotMoves[Any],
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
    stamps = [ago(now, rest)]
    for gap in reversed(gaps):
        stamps.insert(0, stamps[0] - timedelta(days=gap))
    for event, at in zip(events, stamps, strict=True):
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)
    by_status = {e.to_status: at for e, at in zip(events, stamps, strict=True)}
    sent_at = by_status.get(ReferralStatus.SENT)
    answered = [
        at for e, at in zip(events, stamps, strict=True) if e.from_status == ReferralStatus.SENT
    ]
    moves.backdate(referral=referral, by_status=by_status, end=stamps[-1])
    Referral.objects.filter(pk=referral.pk).update(
        created=stamps[0],
        last_modified=stamps[-1],
        sent_at=sent_at,
        response_due=sent_at + timedelta(hours=response_hours) if sent_at else None,
        responded_at=answered[0] if answered else None,
        closed_at=stamps[-1] if final not in ACTIVE_STATUSES else None,
    )


# --- the demo's cases ------------------------------------------------------------------


class _Coverage:
    """Which final statuses have appeared, so the demo shows each at least once."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def missing(self) -> list[str]:
        wanted = [*ReferralStatus.values, SENT_OVERDUE]
        return [s for s in wanted if not self.seen[s]]


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
    status = weighted(rng, {s: w for s, w in weights.items() if feasible(s)})
    return status, status == ReferralStatus.SENT and can_overdue and rng.random() < 0.4


def _demo_referrals(
    *,
    rng: random.Random,
    actors: DemoActors,
    case: Case,
    now: datetime,
    coverage: _Coverage,
    response_hours: int,
    always: str | None,
    moves: SlotMoves[Any],
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
                moves=moves,
            )
            referral.refresh_from_db()
            _backdate_referral(
                referral=referral,
                moves=moves,
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
    moves: SlotMoves[Any],
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
            rejection_reason=weighted(rng, REJECTION_WEIGHTS),
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
    enrolment = moves.place(actor=provider, referral=referral)
    if enrolment is None or status in (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE):
        return
    if status == ReferralStatus.NO_SHOW:
        moves.drop_out(
            actor=provider,
            enrolment=enrolment,
            note="Dejó de asistir después de las primeras sesiones.",
        )
        return
    moves.complete(actor=provider, enrolment=enrolment, feedback=rng.choice(FEEDBACK))


class DemoReferrals:
    """Refers the demo's cases one at a time, sharing the ``rng`` of the other loaders.

    Reads the prioritization policy in force (its response deadlines) when made.
    """

    def __init__(
        self, *, rng: random.Random, actors: DemoActors, now: datetime, moves: SlotMoves[Any]
    ) -> None:
        self.rng = rng
        self.actors = actors
        self.now = now
        self.moves = moves
        self.policy = policy_current()
        self.coverage = _Coverage()

    def refer(self, *, case: Case, always: str | None) -> None:
        """Refer some of the case's needs; ``always`` is referred for sure."""
        _demo_referrals(
            rng=self.rng,
            actors=self.actors,
            case=case,
            now=self.now,
            coverage=self.coverage,
            response_hours=self.policy.response_hours(
                RiskLevel.VERY_HIGH if case.urgent_safety else case.risk_level
            ),
            always=always,
            moves=self.moves,
        )

    def ended(self, *, case: Case) -> ReferralsEnded | None:
        """What the case's referrals came to, if it has some and all have ended."""
        rows = list(Referral.objects.filter(case=case).values_list("status", "closed_at"))
        if not rows or any(status in ACTIVE_STATUSES for status, _at in rows):
            return None
        closed = [at for _status, at in rows if at is not None]
        return ReferralsEnded(
            plan_completed=any(status == ReferralStatus.COMPLETED for status, _at in rows),
            last_ended=max(closed, default=None),
        )

    @staticmethod
    def links_awaiting_answer(*, case_ids: Sequence[UUID]) -> list[str]:
        """The links of the notifications still to act on: referrals awaiting an answer."""
        waiting = Referral.objects.filter(
            case_id__in=case_ids, status=ReferralStatus.SENT
        ).values_list("pk", flat=True)
        return [f"/prestador/derivaciones/{pk}/" for pk in waiting]

    @staticmethod
    def finish(*, case_ids: Sequence[UUID]) -> dict[str, int]:
        """Flag the overdue answers, score every case; the referrals per status."""
        referrals_flag_overdue()
        priority_recompute()
        return dict(
            Counter(
                Referral.objects.filter(case_id__in=case_ids).values_list("status", flat=True)
            ).most_common()
        )
