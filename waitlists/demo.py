"""The waitlists app's part of the demo: enrolments and waitlist entries, and their events.

The demo's referrals (``matching.demo``) take slots the way the product does: an
accepted referral is placed (enrolled in a free slot or put on the service's
waitlist) and its enrolment ended, through ``waitlists.services``. ``DemoSlotMoves`` is
those moves; ``demo/`` hands it to ``matching.demo.DemoReferrals``, which cannot
import this app. ``demo_waitlists_snapshot`` is the nightly snapshot, once, so the
first visit shows figures.

The demo's year of history (``demo.history``): the rest of the network's children
took slots and waited too. ``network_placements_write`` writes their waitlist
entries, slot offers, enrolments and events as ``demo.history`` drew them, and
``demo_waitlists_history`` the nightly snapshot of each past day, computed from
those records as the job would have taken it that night.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection

from accounts.models import User
from cases.demo.network import BATCH
from matching.models import Referral, ReferralStatus
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistSnapshot,
)
from waitlists.models import WaitlistEventKind as WaitKind
from waitlists.services import enrolment_end, referral_place, waitlist_snapshot_take


class DemoSlotMoves:
    """The slot moves of the demo's referrals (``matching.demo.SlotMoves[Enrolment]``)."""

    def place(self, *, actor: User, referral: Referral) -> Enrolment | None:
        return referral_place(actor=actor, referral=referral).enrolment

    def complete(self, *, actor: User, enrolment: Enrolment, feedback: str) -> None:
        enrolment_end(
            actor=actor, enrolment=enrolment, status=EnrolmentStatus.COMPLETED, feedback=feedback
        )

    def drop_out(self, *, actor: User, enrolment: Enrolment, note: str) -> None:
        enrolment_end(
            actor=actor, enrolment=enrolment, status=EnrolmentStatus.DROPPED_OUT, note=note
        )

    def backdate(
        self, *, referral: Referral, by_status: Mapping[str, datetime], end: datetime
    ) -> None:
        """The referral's enrolment and waitlist entry, and their events, on its timeline."""
        joined = by_status.get(ReferralStatus.WAITING)
        enrolled = by_status.get(ReferralStatus.IN_SERVICE)
        if joined:
            WaitlistEntry.objects.filter(referral=referral).update(requested_at=joined)
        if enrolled:
            Enrolment.objects.filter(referral=referral).update(started_at=enrolled)
            Enrolment.objects.filter(referral=referral, ended_at__isnull=False).update(ended_at=end)
        events = WaitlistEvent.objects.filter(
            case_id=referral.case_id, service_id=referral.service_id
        )
        for kind, at in ((WaitKind.JOINED, joined), (WaitKind.ENROLLED, enrolled)):
            if at:
                events.filter(kind=kind).update(at=at)
        if referral.status in (ReferralStatus.COMPLETED, ReferralStatus.NO_SHOW) and enrolled:
            events.filter(kind=WaitKind.ENDED).update(at=end)


def demo_waitlists_snapshot() -> int:
    """Today's waitlist snapshot, as the nightly job would take it."""
    return waitlist_snapshot_take()


# --- the network's year ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stay:
    """Where a referral's child took a slot or waited (a span of an entry or enrolment)."""

    site_id: UUID
    start: datetime
    end: datetime | None
    status: str


@dataclass(frozen=True)
class Offer:
    site_id: UUID
    offered_at: datetime
    expires_at: datetime
    status: str
    answered_at: datetime | None


@dataclass(frozen=True)
class Event:
    kind: str
    at: datetime
    by_actor: bool
    note: str = ""


@dataclass
class NetworkPlacement:
    """A network referral's slot moves: its waitlist entry, offers, enrolment and events."""

    referral: int  # index into the referrals written by ``matching.demo.network``
    entry: Stay | None = None  # site_id unused: an entry is the service's
    offers: list[Offer] = field(default_factory=list)
    enrolment: Stay | None = None
    events: list[Event] = field(default_factory=list)


def network_placements_write(
    *,
    placements: Sequence[NetworkPlacement],
    referral_ids: Sequence[UUID],
    case_ids: Sequence[UUID],
    service_ids: Sequence[UUID],
    actor: User,
) -> int:
    """Write them; the number of rows written."""
    entries: list[WaitlistEntry] = []
    enrolments: list[Enrolment] = []
    for p in placements:
        if p.entry is not None:
            entries.append(
                WaitlistEntry(
                    case_id=case_ids[p.referral],
                    service_id=service_ids[p.referral],
                    referral_id=referral_ids[p.referral],
                    status=p.entry.status,
                    requested_at=p.entry.start,
                    closed_at=p.entry.end,
                )
            )
        if p.enrolment is not None:
            enrolments.append(
                Enrolment(
                    case_id=case_ids[p.referral],
                    service_at_site_id=p.enrolment.site_id,
                    referral_id=referral_ids[p.referral],
                    status=p.enrolment.status,
                    started_at=p.enrolment.start,
                    ended_at=p.enrolment.end,
                    created_by=actor,
                )
            )
    WaitlistEntry.objects.bulk_create(entries, batch_size=BATCH)
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    entry_of = iter(entries)
    enrolment_of = iter(enrolments)
    offers: list[SlotOffer] = []
    events: list[WaitlistEvent] = []
    for p in placements:
        entry = next(entry_of) if p.entry is not None else None
        enrolment = next(enrolment_of) if p.enrolment is not None else None
        for o in p.offers:
            assert entry is not None  # an offer is made to an entry
            offers.append(
                SlotOffer(
                    entry=entry,
                    service_at_site_id=o.site_id,
                    status=o.status,
                    offered_at=o.offered_at,
                    expires_at=o.expires_at,
                    answered_at=o.answered_at,
                    answered_by=actor if o.answered_at and o.status != "expired" else None,
                )
            )
        for e in p.events:
            events.append(
                WaitlistEvent(
                    kind=e.kind,
                    case_id=case_ids[p.referral],
                    service_id=service_ids[p.referral],
                    entry=entry,
                    enrolment=enrolment if e.kind in (WaitKind.ENROLLED, WaitKind.ENDED) else None,
                    actor=actor if e.by_actor else None,
                    at=e.at,
                    note=e.note,
                )
            )
    SlotOffer.objects.bulk_create(offers, batch_size=BATCH)
    WaitlistEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(entries) + len(enrolments) + len(offers) + len(events)


_HISTORY_SQL = """
WITH days AS (
    SELECT d::date AS day, ((d::date + 1)::timestamp AT TIME ZONE %(tz)s) AS day_end
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
),
waits AS (
    SELECT days.day, e.service_id, count(*) AS waiting,
           max(EXTRACT(EPOCH FROM days.day_end - e.requested_at)) / 86400 AS oldest,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY EXTRACT(EPOCH FROM days.day_end - e.requested_at) / 86400) AS median
    FROM days JOIN waitlists_waitlistentry e
      ON e.requested_at < days.day_end AND (e.closed_at IS NULL OR e.closed_at >= days.day_end)
    GROUP BY 1, 2
),
inflow AS (
    SELECT days.day, e.service_id, count(*) AS n
    FROM days JOIN waitlists_waitlistentry e
      ON e.requested_at >= days.day_end - interval '1 day' AND e.requested_at < days.day_end
    GROUP BY 1, 2
),
outflow AS (
    SELECT days.day, e.service_id, count(*) AS n
    FROM days JOIN waitlists_waitlistentry e
      ON e.closed_at >= days.day_end - interval '1 day' AND e.closed_at < days.day_end
    GROUP BY 1, 2
),
enrolled AS (
    SELECT days.day, sas.service_id, count(*) AS n
    FROM days JOIN waitlists_enrolment en
      ON en.started_at < days.day_end AND (en.ended_at IS NULL OR en.ended_at >= days.day_end)
    JOIN directory_serviceatsite sas ON sas.id = en.service_at_site_id
    GROUP BY 1, 2
),
keys AS (
    SELECT day, service_id FROM waits UNION SELECT day, service_id FROM inflow
    UNION SELECT day, service_id FROM outflow UNION SELECT day, service_id FROM enrolled
),
changes AS (
    SELECT * FROM unnest(%(sites)s::uuid[], %(since)s::timestamptz[], %(before)s::int[])
        AS c(site_id, since, before)
),
slots AS (
    SELECT days.day, sas.service_id,
           sum(CASE WHEN c.since > days.day_end THEN c.before ELSE sas.capacity END) AS n
    FROM days CROSS JOIN directory_serviceatsite sas
    LEFT JOIN changes c ON c.site_id = sas.id
    WHERE sas.service_id IN (SELECT service_id FROM keys)
    GROUP BY 1, 2
)
INSERT INTO waitlists_waitlistsnapshot (day, service_id, category_codes, waiting, slots,
    enrolled, oldest_wait_days, median_wait_days, inflow, outflow)
SELECT k.day, k.service_id, s.category_codes, coalesce(w.waiting, 0), coalesce(sl.n, 0),
       coalesce(en.n, 0), round(w.oldest::numeric, 2), round(w.median::numeric, 2),
       coalesce(i.n, 0), coalesce(o.n, 0)
FROM keys k
JOIN directory_service s ON s.id = k.service_id
LEFT JOIN waits w ON w.day = k.day AND w.service_id = k.service_id
LEFT JOIN inflow i ON i.day = k.day AND i.service_id = k.service_id
LEFT JOIN outflow o ON o.day = k.day AND o.service_id = k.service_id
LEFT JOIN enrolled en ON en.day = k.day AND en.service_id = k.service_id
LEFT JOIN slots sl ON sl.day = k.day AND sl.service_id = k.service_id
"""


def demo_waitlists_history(
    *, today: date, days: int, capacity_before: Mapping[UUID, tuple[datetime, int]]
) -> int:
    """The nightly snapshot of each of the ``days`` - 1 days before ``today``, from the records.

    What ``waitlist_snapshot_take`` would have stored each night: who was waiting at
    the day's end and for how long, who joined and left that day, who held a slot.
    ``capacity_before`` is site → (when its capacity became today's, what it was before).
    Today's own snapshot is ``demo_waitlists_snapshot``'s. Returns the rows written.
    """
    first, last = today - timedelta(days=days - 1), today - timedelta(days=1)
    if last < first:
        return 0
    WaitlistSnapshot.objects.filter(day__gte=first, day__lte=last).delete()
    sites = list(capacity_before)
    with connection.cursor() as cursor:
        cursor.execute(
            _HISTORY_SQL,
            {
                "tz": settings.TIME_ZONE,
                "first": first,
                "last": last,
                "sites": sites,
                "since": [capacity_before[s][0] for s in sites],
                "before": [capacity_before[s][1] for s in sites],
            },
        )
        return int(cursor.rowcount)
