"""Reads of slots and waitlists: free slots, live queue positions, expected waits, and
what the waitlist pages and API show, each scoped to who may see it."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.selectors import AnyUser, user_is_coordinator
from cases.models import Case
from cases.selectors import case_team_organization_ids
from directory.capacity import CapacityFacts
from directory.models import Service, ServiceAtSite
from matching.models import Referral, ReferralStatus
from matching.selectors import provider_organization_ids, referral_list_for_provider
from waitlists.models import (
    ACTIVE_ENTRY_STATUSES,
    AllocationRound,
    Enrolment,
    EnrolmentStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistSnapshot,
)

# Throughput is measured over this window: long enough to see a few exits at a small
# programme, short enough to follow a change of staff.
THROUGHPUT_WINDOW_DAYS = 90


def enrolment_get_for_provider(*, user: AnyUser, enrolment_id: UUID) -> Enrolment | None:
    """An enrolment at a site of one of the user's provider organizations, else None."""
    return (
        Enrolment.objects.filter(
            pk=enrolment_id,
            service_at_site__service__organization_id__in=provider_organization_ids(user=user),
        )
        .select_related("case")
        .first()
    )


def service_at_site_free_slots(*, service_at_site_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Capacity less active enrolments and slots held by pending offers, per site."""
    ids = list(service_at_site_ids)
    rows = ServiceAtSite.objects.filter(pk__in=ids).annotate(
        taken=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True
        ),
        held=Count("slot_offers", filter=Q(slot_offers__status=OfferStatus.PENDING), distinct=True),
    )
    return {row.pk: max(row.capacity - row.taken - row.held, 0) for row in rows}


def service_at_site_capacity_facts(
    *, service_at_site_ids: Iterable[UUID], now: datetime | None = None
) -> dict[UUID, CapacityFacts]:
    """Free slots per site and the service's live queue (length, median wait so far):
    what ``directory.capacity`` derives a status from. Two queries, whatever the count."""
    now = now or timezone.now()
    rows = list(
        ServiceAtSite.objects.filter(pk__in=list(service_at_site_ids))
        .annotate(
            taken=Count(
                "enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True
            ),
            held=Count(
                "slot_offers", filter=Q(slot_offers__status=OfferStatus.PENDING), distinct=True
            ),
        )
        .values_list("pk", "service_id", "capacity", "taken", "held")
    )
    waits: dict[UUID, list[float]] = {}
    for service_id, requested_at in WaitlistEntry.objects.filter(
        service_id__in={row[1] for row in rows}, status__in=ACTIVE_ENTRY_STATUSES
    ).values_list("service_id", "requested_at"):
        waits.setdefault(service_id, []).append((now - requested_at).total_seconds() / 86400)
    facts = {}
    for pk, service_id, capacity, taken, held in rows:
        queue = waits.get(service_id, [])
        facts[pk] = CapacityFacts(
            free_slots=max(capacity - taken - held, 0),
            waiting=len(queue),
            median_wait_days=round(statistics.median(queue), 1) if queue else None,
        )
    return facts


def service_at_site_occupancy(*, service_at_site_id: UUID) -> tuple[int, int]:
    """(active enrolments, pending offers) of one site; call it under the row lock."""
    taken = Enrolment.objects.filter(
        service_at_site_id=service_at_site_id, status=EnrolmentStatus.ACTIVE
    ).count()
    held = SlotOffer.objects.filter(
        service_at_site_id=service_at_site_id, status=OfferStatus.PENDING
    ).count()
    return taken, held


def waitlist_for_service(*, service_id: UUID) -> QuerySet[WaitlistEntry]:
    """The live queue: the case's unified priority, then who asked first, then the id."""
    return (
        WaitlistEntry.objects.filter(service_id=service_id, status__in=ACTIVE_ENTRY_STATUSES)
        .select_related("case")
        .order_by(F("case__priority_score").desc(), "requested_at", "id")
    )


def service_throughput_per_day(*, service_id: UUID, now: datetime | None = None) -> float:
    """Slots freed per day at the service recently (enrolments that ended)."""
    since = (now or timezone.now()) - timedelta(days=THROUGHPUT_WINDOW_DAYS)
    ended = Enrolment.objects.filter(
        service_at_site__service_id=service_id, ended_at__gte=since
    ).count()
    return ended / THROUGHPUT_WINDOW_DAYS


@dataclass(frozen=True)
class QueuePlace:
    entry: WaitlistEntry
    position: int
    estimated_wait_days: float | None  # None: nobody has left recently, no basis to guess


def waitlist_positions(*, service_id: UUID, now: datetime | None = None) -> list[QueuePlace]:
    rate = service_throughput_per_day(service_id=service_id, now=now)
    return [
        QueuePlace(
            entry=entry,
            position=position,
            estimated_wait_days=round(position / rate, 1) if rate > 0 else None,
        )
        for position, entry in enumerate(waitlist_for_service(service_id=service_id), start=1)
    ]


def case_waitlist_places(*, case_id: UUID) -> list[QueuePlace]:
    """Every list the child waits on, with the position on each."""
    places = []
    for entry in WaitlistEntry.objects.filter(
        case_id=case_id, status__in=ACTIVE_ENTRY_STATUSES
    ).select_related("service"):
        for place in waitlist_positions(service_id=entry.service_id):
            if place.entry.pk == entry.pk:
                places.append(place)
    return places


@dataclass(frozen=True)
class WaitlistSummary:
    service_id: UUID
    service_name: str
    organization_name: str
    waiting: int
    oldest_wait_days: float | None
    median_wait_days: float | None


def waitlist_network_summary(*, now: datetime | None = None) -> list[WaitlistSummary]:
    """Every waitlist of the network with its length and waits, longest first."""
    now = now or timezone.now()
    by_service: dict[UUID, list[float]] = {}
    names: dict[UUID, tuple[str, str]] = {}
    for service_id, name, org, requested_at in WaitlistEntry.objects.filter(
        status__in=ACTIVE_ENTRY_STATUSES
    ).values_list("service_id", "service__name", "service__organization__name", "requested_at"):
        by_service.setdefault(service_id, []).append((now - requested_at).total_seconds() / 86400)
        names[service_id] = (name, org)
    rows = [
        WaitlistSummary(
            service_id=service_id,
            service_name=names[service_id][0],
            organization_name=names[service_id][1],
            waiting=len(waits),
            oldest_wait_days=round(max(waits), 1),
            median_wait_days=round(statistics.median(waits), 1),
        )
        for service_id, waits in by_service.items()
    ]
    return sorted(rows, key=lambda r: (-r.waiting, r.service_name))


def waitlist_history(
    *, service_id: UUID | None = None, category_code: str | None = None, days: int = 180
) -> list[dict[str, object]]:
    """Daily totals from the snapshots, for a service or a category (and below)."""
    since = timezone.localdate() - timedelta(days=days)
    qs = WaitlistSnapshot.objects.filter(day__gte=since)
    if service_id:
        qs = qs.filter(service_id=service_id)
    if category_code:
        qs = qs.filter(category_codes__contains=[category_code])
    from django.db.models import Sum

    return list(
        qs.values("day")
        .annotate(
            waiting=Sum("waiting"),
            slots=Sum("slots"),
            inflow=Sum("inflow"),
            outflow=Sum("outflow"),
        )
        .order_by("day")
    )


def allocation_round_list() -> QuerySet[AllocationRound]:
    return AllocationRound.objects.select_related("territory", "category", "created_by")


def allocation_round_get(*, round_id: UUID) -> AllocationRound | None:
    return (
        AllocationRound.objects.select_related(
            "territory", "category", "created_by", "confirmed_by"
        )
        .filter(pk=round_id)
        .first()
    )


def allocation_round_placed_cases(*, round: AllocationRound) -> list[tuple[UUID, str]]:
    """(case id, case code) of each child the round gives a slot, for the audit log."""
    placed = [UUID(str(case_id)) for case_id, site in round.proposal.items() if site]
    codes = dict(Case.objects.filter(pk__in=placed).values_list("id", "code"))
    return [(case_id, codes.get(case_id, "")) for case_id in placed]


def service_list_with_waitlist(*, since: date) -> QuerySet[Service]:
    """Services with a snapshot since the day, or somebody waiting now: those with a trend."""
    return (
        Service.objects.filter(
            Q(pk__in=WaitlistSnapshot.objects.filter(day__gte=since).values("service_id"))
            | Q(
                pk__in=WaitlistEntry.objects.filter(status__in=ACTIVE_ENTRY_STATUSES).values(
                    "service_id"
                )
            )
        )
        .select_related("organization")
        .order_by("name", "organization__name")
    )


def waitlist_can_read(*, user: AnyUser, service_id: UUID) -> bool:
    """A service's queue, by case code, is for coordinators and its provider's staff."""
    service = Service.objects.filter(pk=service_id).first()
    return service is not None and (
        user_is_coordinator(user=user)
        or service.organization_id in provider_organization_ids(user=user)
    )


# --- a case's waitlists (its caseworkers) ----------------------------------------------------


def waitlist_entries_for_case(*, case_id: UUID) -> list[WaitlistEntry]:
    """The lists the child waits on, oldest request first."""
    return list(
        WaitlistEntry.objects.filter(case_id=case_id, status__in=ACTIVE_ENTRY_STATUSES)
        .select_related("service__organization")
        .order_by("requested_at")
    )


def slot_offers_pending_for_case(*, case_id: UUID) -> list[SlotOffer]:
    """Freed slots offered to the child and not answered yet, soonest to expire first."""
    return list(
        SlotOffer.objects.filter(entry__case_id=case_id, status=OfferStatus.PENDING)
        .select_related("entry__service__organization", "service_at_site__site")
        .order_by("expires_at")
    )


def slot_offer_get_for_case(*, case_id: UUID, offer_id: UUID) -> SlotOffer | None:
    """An offer made to this case, else None (the case is already the caller's to work)."""
    return (
        SlotOffer.objects.filter(pk=offer_id, entry__case_id=case_id)
        .select_related("entry__service", "service_at_site__site")
        .first()
    )


def slot_offer_get_for_case_team(*, user: AnyUser, offer_id: UUID) -> SlotOffer | None:
    """An offer made to a case of one of the user's caseworker teams, else None."""
    return (
        SlotOffer.objects.filter(
            pk=offer_id,
            entry__case__organization_id__in=case_team_organization_ids(user=user),
        )
        .select_related("entry__case")
        .first()
    )


# --- a provider's slots ------------------------------------------------------------------------


def service_at_site_slots_for_provider(*, user: AnyUser) -> list[ServiceAtSite]:
    """The user's organizations' services at sites, with ``taken`` (active enrolments)
    and ``held`` (pending offers) counted."""
    return list(
        ServiceAtSite.objects.filter(
            service__organization_id__in=provider_organization_ids(user=user)
        )
        .select_related("service__organization", "site")
        .annotate(
            taken=Count(
                "enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True
            ),
            held=Count(
                "slot_offers", filter=Q(slot_offers__status=OfferStatus.PENDING), distinct=True
            ),
        )
        .order_by("service__name", "site__name")
    )


def service_at_site_get_for_provider(
    *, user: AnyUser, service_at_site_id: UUID
) -> ServiceAtSite | None:
    """A service at a site of one of the user's provider organizations, else None."""
    return (
        ServiceAtSite.objects.filter(
            pk=service_at_site_id,
            service__organization_id__in=provider_organization_ids(user=user),
        )
        .select_related("service", "site")
        .first()
    )


def enrolments_active_at(*, service_at_site_ids: Iterable[UUID]) -> list[Enrolment]:
    """Who holds a slot at these sites, first enrolled first."""
    return list(
        Enrolment.objects.filter(
            service_at_site__in=list(service_at_site_ids), status=EnrolmentStatus.ACTIVE
        )
        .select_related("case")
        .order_by("started_at")
    )


def referrals_to_place_for_provider(*, user: AnyUser) -> QuerySet[Referral]:
    """Referrals the user's organizations accepted and have not placed yet, oldest first."""
    return (
        referral_list_for_provider(user=user)
        .filter(status=ReferralStatus.ACCEPTED)
        .order_by("sent_at", "created")
    )
