"""The network's referrals of the past year, for the demo's history: bulk, with their event logs.

``demo.history`` draws each referral's steps (the moves of ``matching.services``'
state machine, each at its time); this module writes the referrals as they stand
today and one ``ReferralEvent`` per step, with ``bulk_create``. Nothing is notified:
it is the past, recorded by the network's account (``cases.demo.network``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from accounts.models import User
from cases.demo.network import BATCH, set_column
from matching.models import Referral, ReferralEvent, ReferralStatus


@dataclass(frozen=True)
class Step:
    """One move: from, to, when, by whom ("team", "provider" or "system"), and its note."""

    frm: str
    to: str
    at: datetime
    by: str
    note: str = ""


@dataclass
class NetworkReferral:
    case: int  # index into the cases written by ``cases.demo.network``
    need_code: str
    service_id: UUID
    service_at_site_id: UUID
    response_hours: int
    shared_note: str
    steps: list[Step] = field(default_factory=list)
    rejection_reason: str = ""
    feedback: str = ""

    @property
    def status(self) -> str:
        return self.steps[-1].to

    def at(self, status: str) -> datetime | None:
        return next((s.at for s in self.steps if s.to == status), None)


CLOSED = frozenset(
    {
        ReferralStatus.COMPLETED,
        ReferralStatus.REJECTED,
        ReferralStatus.WITHDRAWN,
        ReferralStatus.NO_SHOW,
        ReferralStatus.EXPIRED,
    }
)


def network_referrals_write(
    *,
    referrals: Sequence[NetworkReferral],
    case_ids: Sequence[UUID],
    need_ids: Sequence[dict[str, UUID]],
    consent_ids: Sequence[int],
    actor: User,
) -> list[UUID]:
    """Write the referrals and their events; their ids, in order."""
    rows: list[Referral] = []
    for r in referrals:
        sent = r.at(ReferralStatus.SENT)
        answered = next((s.at for s in r.steps if s.frm == ReferralStatus.SENT), None)
        last = r.steps[-1].at
        rows.append(
            Referral(
                case_id=case_ids[r.case],
                need_id=need_ids[r.case].get(r.need_code),
                service_id=r.service_id,
                service_at_site_id=r.service_at_site_id,
                status=r.status,
                created_by=actor,
                shared_note=r.shared_note,
                consent_id=consent_ids[r.case],
                sent_at=sent,
                response_due=sent + timedelta(hours=r.response_hours) if sent else None,
                responded_at=answered,
                closed_at=last if r.status in CLOSED else None,
                rejection_reason=r.rejection_reason,
                feedback=r.feedback,
            )
        )
    Referral.objects.bulk_create(rows, batch_size=BATCH)
    ids = [row.pk for row in rows]
    set_column(
        table="matching_referral",
        column="created",
        ids=ids,
        values=[r.steps[0].at for r in referrals],
    )
    set_column(
        table="matching_referral",
        column="last_modified",
        ids=ids,
        values=[r.steps[-1].at for r in referrals],
    )
    events = [
        ReferralEvent(
            referral_id=pk,
            from_status=step.frm,
            to_status=step.to,
            actor=None if step.by == "system" else actor,
            at=step.at,
            note=step.note,
        )
        for pk, r in zip(ids, referrals, strict=True)
        for step in r.steps
    ]
    ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
    return ids
