"""Reads of slots and waitlists: free slots, live queue positions, expected waits."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.selectors import AnyUser
from matching.selectors import provider_organization_ids
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
    from directory.models import ServiceAtSite

    ids = list(service_at_site_ids)
    rows = ServiceAtSite.objects.filter(pk__in=ids).annotate(
        taken=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True
        ),
        held=Count("slot_offers", filter=Q(slot_offers__status=OfferStatus.PENDING), distinct=True),
    )
    return {row.pk: max(row.capacity - row.taken - row.held, 0) for row in rows}


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
