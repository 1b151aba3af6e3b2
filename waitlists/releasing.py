"""What waitlists free when one referral ends while its child waits or is in service.

Registered in ``matching.hooks`` and called by ``referral_transition`` inside its
transaction, before it locks the referral: the sites first (in the order of their
ids), then the entries and enrolments, then (back in the transition) the referral, as
the slots and the case's closing take them. The move may still be refused under the
referral's lock (someone moved it first): the whole transaction is then undone, and
the child is still on the list and in the slot.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from directory.models import ServiceAtSite
from directory.services import service_at_site_lock
from matching.models import ReferralStatus
from waitlists.models import (
    ACTIVE_ENTRY_STATUSES,
    Enrolment,
    EnrolmentStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEventKind,
)
from waitlists.services import _event, _leave, enrolment_webhook_emit, slot_offer_next
from webhooks.models import WebhookEvent

# How the enrolment ends when its referral ends without the provider ending it.
REFERRAL_TO_END = {
    ReferralStatus.COMPLETED: EnrolmentStatus.COMPLETED,
    ReferralStatus.NO_SHOW: EnrolmentStatus.DROPPED_OUT,
    ReferralStatus.WITHDRAWN: EnrolmentStatus.DROPPED_OUT,
}


@transaction.atomic
def referral_places_free(*, referral_id: UUID, to_status: str, actor: User | None) -> None:
    """Take the referral's child off its list (declining a held offer) and out of its slot.

    Idempotent: when ``waitlists`` itself ends the referral (an enrolment ended, an
    offer expired, the case closing), the entry or enrolment has ended already and
    nothing is left to free.
    """
    entries = WaitlistEntry.objects.filter(
        referral_id=referral_id, status__in=ACTIVE_ENTRY_STATUSES
    )
    enrolments = Enrolment.objects.filter(referral_id=referral_id, status=EnrolmentStatus.ACTIVE)
    site_ids = set(enrolments.values_list("service_at_site_id", flat=True)) | set(
        SlotOffer.objects.filter(entry__in=entries, status=OfferStatus.PENDING).values_list(
            "service_at_site_id", flat=True
        )
    )
    if not site_ids and not entries.exists():
        return
    for site_id in sorted(site_ids):
        service_at_site_lock(service_at_site_id=site_id)
    note = _("The referral ended.")
    now = timezone.now()
    for entry in entries.select_for_update(of=("self",)).order_by("pk"):
        SlotOffer.objects.filter(entry=entry, status=OfferStatus.PENDING).update(
            status=OfferStatus.DECLINED, answered_at=now, answered_by=actor
        )
        _leave(
            entry=entry,
            actor=actor,
            kind=WaitlistEventKind.WITHDRAWN,
            note=note,
            move_referral=False,
        )
    for enrolment in (
        enrolments.select_for_update(of=("self",)).select_related("service_at_site").order_by("pk")
    ):
        enrolment.status = REFERRAL_TO_END.get(
            ReferralStatus(to_status), EnrolmentStatus.DROPPED_OUT
        )
        enrolment.ended_at = now
        enrolment.save(update_fields=["status", "ended_at"])
        _event(
            kind=WaitlistEventKind.ENDED,
            case_id=enrolment.case_id,
            service_id=enrolment.service_at_site.service_id,
            actor=actor,
            enrolment=enrolment,
            note=note,
        )
        enrolment_webhook_emit(event=WebhookEvent.ENROLMENT_ENDED, enrolment=enrolment)
    # A slot this child held or used goes to the next in line at once.
    for site in ServiceAtSite.objects.filter(pk__in=site_ids).order_by("pk"):
        slot_offer_next(service_at_site=site)
