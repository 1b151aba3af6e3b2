"""Writes on slots and waitlists: enrol, wait, offer a freed slot, end, snapshot.

Capacity is an invariant kept by PostgreSQL, not by a check in Python: whoever takes
or holds a slot first locks the service-at-site row (``service_at_site_lock``), then
counts and writes inside the same transaction. Two requests for the last slot are
serialised by the lock; the second sees the first's enrolment and waits in the queue.

Every write that changes a state (an offer answered, an enrolment ended, an entry
offered) locks in one order, so two of them never wait on each other: the site(s),
in the order of their ids, then the offer, the enrolment or the entry, then the
referral (``referral_transition``). The state is read again once the row is locked:
of two requests that both saw it pending, the second sees it answered and gets a 400.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, CaseStatus
from cases.selectors import case_can_work
from cases.services import case_team_notify
from directory.models import Service, ServiceAtSite, ServiceStatus
from directory.selectors import eligibility_check_many
from directory.services import service_at_site_lock
from matching.models import Referral, ReferralStatus
from matching.options import case_eligibility_candidates
from matching.selectors import provider_organization_ids
from matching.services import referral_transition
from notifications.models import NotificationKind
from waitlists.models import (
    ACTIVE_ENTRY_STATUSES,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistEventKind,
    WaitlistSnapshot,
)
from waitlists.selectors import service_at_site_occupancy, waitlist_for_service
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit


def _event(
    *,
    kind: str,
    case_id: UUID,
    service_id: UUID,
    actor: User | None,
    entry: WaitlistEntry | None = None,
    enrolment: Enrolment | None = None,
    note: str = "",
) -> None:
    WaitlistEvent.objects.create(
        kind=kind,
        case_id=case_id,
        service_id=service_id,
        entry=entry,
        enrolment=enrolment,
        actor=actor,
        note=note,
    )


def enrolment_webhook_emit(*, event: str, enrolment: Enrolment) -> None:
    """An enrolment started or ended, for the provider's systems and the case team's."""
    site = enrolment.service_at_site
    data = {
        "enrolment_id": enrolment.pk,
        "referral_id": enrolment.referral_id,
        "case_code": enrolment.case.code,
        "service_id": site.service_id,
        "service_at_site_id": site.pk,
        "status": enrolment.status,
    }
    webhook_event_emit(
        event=event,
        organization_ids=[site.service.organization_id],
        data=data,
        link="/prestador/cupos/",
        case_id=enrolment.case_id,
    )
    webhook_event_emit(
        event=event,
        organization_ids=[enrolment.case.organization_id],
        data=data,
        link=f"/casos/{enrolment.case_id}/listas/",
        case_id=enrolment.case_id,
    )


def _require_provider(*, actor: User | None, service: Service) -> None:
    if actor is not None and service.organization_id not in provider_organization_ids(user=actor):
        raise PermissionDenied(_("Only staff of the service's organization can manage its slots."))


@dataclass(frozen=True)
class Placement:
    enrolment: Enrolment | None
    entry: WaitlistEntry | None

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None


def _site_for(referral: Referral) -> ServiceAtSite:
    if referral.service_at_site_id is not None:
        return referral.service_at_site  # type: ignore[return-value]
    # No site chosen: the one nearest the child's home.
    from django.contrib.gis.db.models.functions import Distance

    site = (
        ServiceAtSite.objects.filter(service_id=referral.service_id)
        .annotate(d=Distance("site__point", referral.case.home))
        .order_by("d")
        .first()
    )
    if site is None:
        raise ValidationError({"service_at_site": _("The service has no site to enrol at.")})
    return site


def enrolment_record(
    *,
    case: Case,
    site: ServiceAtSite,
    referral: Referral | None,
    actor: User | None,
    entry: WaitlistEntry | None = None,
    note: str = "",
) -> Enrolment:
    """The child takes a slot of the site, with its event. The caller holds the site's lock."""
    enrolment = Enrolment.objects.create(
        case=case, service_at_site=site, referral=referral, created_by=actor
    )
    _event(
        kind=WaitlistEventKind.ENROLLED,
        case_id=case.pk,
        service_id=site.service_id,
        actor=actor,
        entry=entry,
        enrolment=enrolment,
        note=note,
    )
    enrolment_webhook_emit(event=WebhookEvent.ENROLMENT_STARTED, enrolment=enrolment)
    return enrolment


def waitlist_entry_enrol(
    *,
    entry: WaitlistEntry,
    site: ServiceAtSite,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
) -> Enrolment:
    """The child leaves the queue for a slot of the site. The caller holds the site's lock."""
    referral = entry.referral
    entry.status = EntryStatus.ENROLLED
    entry.closed_at = at or timezone.now()
    entry.save(update_fields=["status", "closed_at"])
    if referral is not None and referral.status == ReferralStatus.WAITING:
        referral_transition(
            actor=None,
            referral=referral,
            to_status=ReferralStatus.IN_SERVICE,
            note=note,
            slot_taken=True,
        )
    return enrolment_record(
        case=entry.case, site=site, referral=referral, actor=actor, entry=entry, note=note
    )


@transaction.atomic
def referral_place(*, actor: User | None, referral: Referral) -> Placement:
    """Enrol an accepted referral's child in a free slot, or put the child on the waitlist.

    Exactly ``capacity`` children get in however many ask at once: the site's row is
    locked before counting. The others join the unified queue of the service.
    """
    referral = Referral.objects.select_related("case", "service").get(pk=referral.pk)
    _require_provider(actor=actor, service=referral.service)
    # The site first, then the referral, in the order a slot offer's acceptance takes
    # them (no deadlock); the status is read again under the referral's lock, so of two
    # placements of one referral at once the second sees it placed and gets a 400.
    site = service_at_site_lock(service_at_site_id=_site_for(referral).pk)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "service")
        .get(pk=referral.pk)
    )
    if referral.status != ReferralStatus.ACCEPTED:
        raise ValidationError(
            {
                "referral": _("Only an accepted referral can be placed (this one is “%(s)s”).")
                % {"s": referral.get_status_display()}
            }
        )
    taken, held = service_at_site_occupancy(service_at_site_id=site.pk)
    if taken + held < site.capacity:
        enrolment = enrolment_record(case=referral.case, site=site, referral=referral, actor=actor)
        referral_transition(
            actor=actor, referral=referral, to_status=ReferralStatus.IN_SERVICE, slot_taken=True
        )
        return Placement(enrolment=enrolment, entry=None)
    entry = WaitlistEntry.objects.create(
        case=referral.case, service=referral.service, referral=referral
    )
    referral_transition(
        actor=actor,
        referral=referral,
        to_status=ReferralStatus.WAITING,
        note=_("No free slot: on the waitlist."),
        slot_taken=True,
    )
    _event(
        kind=WaitlistEventKind.JOINED,
        case_id=referral.case_id,
        service_id=referral.service_id,
        actor=actor,
        entry=entry,
    )
    return Placement(enrolment=None, entry=entry)


END_TO_REFERRAL = {
    EnrolmentStatus.COMPLETED: ReferralStatus.COMPLETED,
    EnrolmentStatus.DROPPED_OUT: ReferralStatus.NO_SHOW,
    EnrolmentStatus.MOVED: ReferralStatus.WITHDRAWN,
}


@transaction.atomic
def enrolment_end(
    *, actor: User, enrolment: Enrolment, status: str, feedback: str = "", note: str = ""
) -> Enrolment:
    """End an enrolment (completed, dropped out, moved): the slot is offered to the queue."""
    enrolment = Enrolment.objects.select_related("service_at_site__service", "referral").get(
        pk=enrolment.pk
    )
    service = enrolment.service_at_site.service
    _require_provider(actor=actor, service=service)
    if status not in END_TO_REFERRAL:
        raise ValidationError({"status": _("Choose how the enrolment ended.")})
    # The site, then the enrolment, read again under its lock: of two ends at once the
    # second sees it ended, rather than ending it (and freeing its slot) twice.
    site = service_at_site_lock(service_at_site_id=enrolment.service_at_site_id)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("service_at_site__service", "referral")
        .get(pk=enrolment.pk)
    )
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise ValidationError({"status": _("This enrolment has already ended.")})
    enrolment.status = status
    enrolment.ended_at = timezone.now()
    enrolment.save(update_fields=["status", "ended_at"])
    referral = enrolment.referral
    if referral is not None and referral.status == ReferralStatus.IN_SERVICE:
        referral_transition(
            actor=actor,
            referral=referral,
            to_status=END_TO_REFERRAL[EnrolmentStatus(status)],
            feedback=feedback,
            note=note,
        )
    _event(
        kind=WaitlistEventKind.ENDED,
        case_id=enrolment.case_id,
        service_id=service.pk,
        actor=actor,
        enrolment=enrolment,
        note=note,
    )
    enrolment_webhook_emit(event=WebhookEvent.ENROLMENT_ENDED, enrolment=enrolment)
    slot_offer_next(service_at_site=site)
    return enrolment


@transaction.atomic
def slot_offer_next(
    *, service_at_site: ServiceAtSite, now: datetime | None = None
) -> list[SlotOffer]:
    """Offer each free slot of the site to the top eligible entry of the service's queue."""
    now = now or timezone.now()
    site = service_at_site_lock(service_at_site_id=service_at_site.pk)
    if site.service.status != ServiceStatus.ACTIVE:
        return []
    taken, held = service_at_site_occupancy(service_at_site_id=site.pk)
    free = site.capacity - taken - held
    offers: list[SlotOffer] = []
    if free <= 0:
        return offers
    queue = [
        entry
        for entry in waitlist_for_service(service_id=site.service_id).filter(
            status=EntryStatus.WAITING
        )
        if entry.case.status == CaseStatus.OPEN
    ]
    # The whole queue checked at once (two queries), not three queries per entry.
    failures = eligibility_check_many(
        service_ids=[site.service_id],
        candidates=case_eligibility_candidates(cases=[entry.case for entry in queue]),
    )
    for entry in queue:
        if len(offers) >= free:
            break
        if failures[(site.service_id, entry.case_id)]:
            continue  # skipped, not removed: eligibility may change (an age, a territory)
        # Another site of the service may be offering this child a slot right now (it
        # holds its own site's lock, not ours): the entry is locked and read again, and
        # one already offered meanwhile is passed over for the next in line.
        if not (
            WaitlistEntry.objects.select_for_update()
            .filter(pk=entry.pk, status=EntryStatus.WAITING)
            .exists()
        ):
            continue
        offer = SlotOffer.objects.create(
            entry=entry,
            service_at_site=site,
            offered_at=now,
            expires_at=now + timedelta(hours=settings.WAITLIST_OFFER_HOURS),
        )
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.OFFERED)
        _event(
            kind=WaitlistEventKind.OFFERED,
            case_id=entry.case_id,
            service_id=site.service_id,
            actor=None,
            entry=entry,
        )
        case_team_notify(
            case=entry.case,
            kind=NotificationKind.SLOT_OFFERED,
            text=_("A slot of %(service)s is offered to case %(code)s until %(until)s.")
            % {
                "service": site.service.name,
                "code": entry.case.code,
                "until": timezone.localtime(offer.expires_at).strftime("%d/%m %H:%M"),
            },
            # Where the offer is answered, not the case page, which does not show it.
            link=f"/casos/{entry.case_id}/listas/#offer-{offer.pk}",
        )
        offer_data = {
            "offer_id": offer.pk,
            "referral_id": entry.referral_id,
            "case_code": entry.case.code,
            "service_id": site.service_id,
            "service_at_site_id": site.pk,
            "expires_at": offer.expires_at.isoformat(),
        }
        webhook_event_emit(
            event=WebhookEvent.OFFER_MADE,
            organization_ids=[entry.case.organization_id],
            data=offer_data,
            link=f"/casos/{entry.case_id}/listas/#offer-{offer.pk}",
            case_id=entry.case_id,
        )
        webhook_event_emit(
            event=WebhookEvent.OFFER_MADE,
            organization_ids=[site.service.organization_id],
            data=offer_data,
            link="/prestador/cupos/",
            case_id=entry.case_id,
        )
        offers.append(offer)
    return offers


@transaction.atomic
def slot_offer_answer(*, actor: User, offer: SlotOffer, accept: bool, note: str = "") -> SlotOffer:
    """The family's answer, given by their caseworker: accepted → enrolled; else the next."""
    offer = SlotOffer.objects.select_related("entry__case").get(pk=offer.pk)
    if not case_can_work(user=actor, case=offer.entry.case):
        raise PermissionDenied(_("Only the team that owns the case can answer the offer."))
    # The site, then the offer and its entry, read again under their locks: of two
    # answers at once (twice "accept", or "accept" and "decline") the second sees the
    # offer answered and gets a 400, instead of enrolling or leaving the list twice.
    site = service_at_site_lock(service_at_site_id=offer.service_at_site_id)
    offer = SlotOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
    if offer.status != OfferStatus.PENDING:
        raise ValidationError({"offer": _("This offer has already been answered or expired.")})
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("case", "referral")
        .get(pk=offer.entry_id)
    )
    offer.answered_at = timezone.now()
    offer.answered_by = actor
    if accept:
        offer.status = OfferStatus.ACCEPTED
        offer.save(update_fields=["status", "answered_at", "answered_by"])
        # The held slot becomes a taken one: the count of used slots does not change.
        waitlist_entry_enrol(entry=entry, site=site, actor=actor, note=note, at=offer.answered_at)
        return offer
    offer.status = OfferStatus.DECLINED
    offer.save(update_fields=["status", "answered_at", "answered_by"])
    _leave(entry=entry, actor=actor, kind=WaitlistEventKind.DECLINED, note=note)
    slot_offer_next(service_at_site=site)
    return offer


def _leave(
    *,
    entry: WaitlistEntry,
    actor: User | None,
    kind: str,
    note: str = "",
    move_referral: bool = True,
) -> None:
    """Take the entry off its list; ``move_referral=False`` when the referral's own
    transition is what ends it (``waitlists.releasing``): it must not be moved twice."""
    entry.status = EntryStatus.WITHDRAWN
    entry.closed_at = timezone.now()
    entry.save(update_fields=["status", "closed_at"])
    referral = entry.referral if move_referral else None
    if referral is not None and referral.status == ReferralStatus.WAITING:
        to = (
            ReferralStatus.EXPIRED
            if kind == WaitlistEventKind.EXPIRED
            else ReferralStatus.WITHDRAWN
        )
        # The system moves it: a declined or expired offer is not the provider's act.
        referral_transition(actor=None, referral=referral, to_status=to, note=note)
    _event(
        kind=kind,
        case_id=entry.case_id,
        service_id=entry.service_id,
        actor=actor,
        entry=entry,
        note=note,
    )


@transaction.atomic
def slot_offers_expire(*, now: datetime | None = None) -> int:
    """Offers past their expiry go to the next in line; the silent family leaves the list."""
    now = now or timezone.now()
    due = list(
        SlotOffer.objects.filter(status=OfferStatus.PENDING, expires_at__lt=now)
        .order_by("service_at_site_id", "pk")
        .values_list("pk", "service_at_site_id")
    )
    expired: list[SlotOffer] = []
    for offer_id, site_id in due:
        # The site, then the offer, as an answer takes them (the other way round, a
        # family answering at the deadline and this sweep would wait on each other);
        # an offer answered meanwhile is no longer pending and is left alone.
        service_at_site_lock(service_at_site_id=site_id)
        offer = (
            SlotOffer.objects.select_for_update(of=("self",))
            .filter(pk=offer_id, status=OfferStatus.PENDING)
            .select_related("entry__case", "service_at_site")
            .first()
        )
        if offer is None:
            continue
        expired.append(offer)
        offer.status = OfferStatus.EXPIRED
        offer.save(update_fields=["status"])
        _leave(
            entry=offer.entry,
            actor=None,
            kind=WaitlistEventKind.EXPIRED,
            note=_("No answer to the offer in time."),
        )
        case_team_notify(
            case=offer.entry.case,
            kind=NotificationKind.CASE_UPDATE,
            text=_("The slot offered to case %(code)s expired without an answer.")
            % {"code": offer.entry.case.code},
            link=f"/casos/{offer.entry.case_id}/listas/#offers",
        )
        slot_offer_next(service_at_site=offer.service_at_site, now=now)
    return len(expired)


@transaction.atomic
def waitlist_withdraw(
    *, actor: User, case: Case, keep_entry_ids: set[UUID] | None = None, note: str = ""
) -> int:
    """Take the child off every waitlist but the ones kept (the caseworker's choice)."""
    if not case_can_work(user=actor, case=case):
        raise PermissionDenied(_("Only the team that owns the case can change its waitlists."))
    keep = keep_entry_ids or set()
    active = WaitlistEntry.objects.filter(case=case, status__in=ACTIVE_ENTRY_STATUSES).exclude(
        pk__in=keep
    )
    # The sites holding a slot for the child first, in the order of their ids, then the
    # entries and their offers, read again under the locks: the order an answer takes
    # them in, so a family accepting while their caseworker withdraws them never
    # deadlocks, and whichever comes second sees what the first did.
    held = SlotOffer.objects.filter(entry__in=active, status=OfferStatus.PENDING)
    for site_id in sorted(set(held.values_list("service_at_site_id", flat=True))):
        service_at_site_lock(service_at_site_id=site_id)
    entries = list(active.select_for_update(of=("self",)).select_related("referral").order_by("pk"))
    released: set[UUID] = set()
    for entry in entries:
        pending = SlotOffer.objects.filter(entry=entry, status=OfferStatus.PENDING)
        released |= set(pending.values_list("service_at_site_id", flat=True))
        pending.update(status=OfferStatus.DECLINED, answered_at=timezone.now(), answered_by=actor)
        _leave(entry=entry, actor=actor, kind=WaitlistEventKind.WITHDRAWN, note=note)
    # A slot held for this child goes to the next in line at once.
    for site in ServiceAtSite.objects.filter(pk__in=released).order_by("pk"):
        slot_offer_next(service_at_site=site)
    return len(entries)


def waitlist_withdraw_for_round(*, case: Case, category_code: str, note: str) -> int:
    """After a meeting placed the child, the other lists of that category are left."""
    entries = list(
        WaitlistEntry.objects.filter(
            case=case,
            status=EntryStatus.WAITING,
            service__category_codes__contains=[category_code],
        ).select_related("referral")
    )
    for entry in entries:
        _leave(entry=entry, actor=None, kind=WaitlistEventKind.WITHDRAWN, note=note)
    return len(entries)


@transaction.atomic
def waitlist_snapshot_take(*, day: date | None = None) -> int:
    """Store today's figures of every service with a queue, enrolments or movement.

    Idempotent for a day: a second run replaces the first.
    """
    day = day or timezone.localdate()
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    start = end - timedelta(days=1)
    waits: dict[UUID, list[float]] = {}
    for service_id, requested_at in WaitlistEntry.objects.filter(
        status__in=ACTIVE_ENTRY_STATUSES, requested_at__lt=end
    ).values_list("service_id", "requested_at"):
        waits.setdefault(service_id, []).append((end - requested_at).total_seconds() / 86400)
    inflow = dict(
        WaitlistEntry.objects.filter(requested_at__gte=start, requested_at__lt=end)
        .values_list("service_id")
        .annotate(n=Count("id"))
        .values_list("service_id", "n")
    )
    outflow = dict(
        WaitlistEntry.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .values_list("service_id")
        .annotate(n=Count("id"))
        .values_list("service_id", "n")
    )
    enrolled = dict(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE)
        .values_list("service_at_site__service_id")
        .annotate(n=Count("id"))
        .values_list("service_at_site__service_id", "n")
    )
    ids = set(waits) | set(inflow) | set(outflow) | set(enrolled)
    services = Service.objects.filter(pk__in=ids).only("id", "category_codes")
    slots = dict(
        ServiceAtSite.objects.filter(service_id__in=ids)
        .values_list("service_id")
        .annotate(total=Sum("capacity"))
        .values_list("service_id", "total")
    )
    rows = [
        WaitlistSnapshot(
            day=day,
            service=service,
            category_codes=service.category_codes,
            waiting=len(waits.get(service.pk, [])),
            slots=int(slots.get(service.pk) or 0),
            enrolled=enrolled.get(service.pk, 0),
            oldest_wait_days=round(max(waits[service.pk]), 2) if service.pk in waits else None,
            median_wait_days=round(statistics.median(waits[service.pk]), 2)
            if service.pk in waits
            else None,
            inflow=inflow.get(service.pk, 0),
            outflow=outflow.get(service.pk, 0),
        )
        for service in services
    ]
    WaitlistSnapshot.objects.filter(day=day).delete()
    WaitlistSnapshot.objects.bulk_create(rows)
    return len(rows)
