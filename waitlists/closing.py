"""What a case's closing resolves in waitlists: its places, its offers, its slots.

Connected to ``cases.signals.case_closing`` (``waitlists.receivers``), inside the
closing's transaction: the case never closes with a child still on a list, holding an
offer or occupying a slot, and a slot it frees goes to the next in line at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from directory.services import service_at_site_lock
from matching.models import ReferralStatus
from matching.services import referral_transition
from waitlists.models import (
    ACTIVE_ENTRY_STATUSES,
    Enrolment,
    EnrolmentStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEventKind,
)
from waitlists.services import (
    _event,
    enrolment_webhook_emit,
    slot_offer_next,
    waitlist_withdraw,
)
from webhooks.models import WebhookEvent


@transaction.atomic
def case_waitlists_release(*, actor: User, case: Case) -> dict[str, int]:
    """Take the closing case off every list and out of every slot; counts of each."""
    note = _("The case was closed.")
    offers = SlotOffer.objects.filter(
        entry__case=case,
        entry__status__in=ACTIVE_ENTRY_STATUSES,
        status=OfferStatus.PENDING,
    ).count()
    entries = waitlist_withdraw(actor=actor, case=case, note=note)
    ended = 0
    active = (
        Enrolment.objects.filter(case=case, status=EnrolmentStatus.ACTIVE)
        .order_by("service_at_site_id", "pk")
        .values_list("pk", "service_at_site_id")
    )
    for enrolment_id, site_id in list(active):
        # The site, then the enrolment, as every other end takes them (no deadlock with
        # a provider ending the same enrolment now; whoever is second sees it ended).
        site = service_at_site_lock(service_at_site_id=site_id)
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("referral", "service_at_site")
            .filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE)
            .first()
        )
        if enrolment is None:
            continue
        enrolment.status = EnrolmentStatus.CASE_CLOSED
        enrolment.ended_at = timezone.now()
        enrolment.save(update_fields=["status", "ended_at"])
        referral = enrolment.referral
        if referral is not None and referral.status == ReferralStatus.IN_SERVICE:
            referral_transition(
                actor=actor, referral=referral, to_status=ReferralStatus.WITHDRAWN, note=note
            )
        _event(
            kind=WaitlistEventKind.ENDED,
            case_id=case.pk,
            service_id=enrolment.service_at_site.service_id,
            actor=actor,
            enrolment=enrolment,
            note=note,
        )
        enrolment_webhook_emit(event=WebhookEvent.ENROLMENT_ENDED, enrolment=enrolment)
        slot_offer_next(service_at_site=site)
        ended += 1
    return {"waitlist_entries": entries, "slot_offers": offers, "enrolments": ended}
