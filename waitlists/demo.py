"""The waitlists app's part of the demo: enrolments and waitlist entries, and their events.

The demo's referrals (``matching.demo``) take slots the way the product does: an
accepted referral is placed (enrolled in a free slot or put on the service's
waitlist) and its enrolment ended, through ``waitlists.services``. ``DemoSlotMoves`` is
those moves; ``demo/`` hands it to ``matching.demo.DemoReferrals``, which cannot
import this app. ``demo_waitlists_snapshot`` is the nightly snapshot, once, so the
first visit shows figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from accounts.models import User
from matching.models import Referral, ReferralStatus
from waitlists.models import Enrolment, EnrolmentStatus, WaitlistEntry, WaitlistEvent
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
