"""Provider staff: their slots, who holds them, who waits, and the referrals to place.

Everything is scoped to the user's provider organizations: a site, an enrolment or a
referral of another organization answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditRecordType
from audit.services import audit_list, audit_refused
from directory.models import Service, ServiceAtSite
from directory.services import service_at_site_set_capacity
from matching.forms import add_service_errors
from matching.models import Referral
from matching.selectors import referral_get_for_provider
from waitlists.forms import CapacityForm, EnrolmentEndForm, PlaceForm
from waitlists.models import Enrolment, EnrolmentStatus
from waitlists.selectors import (
    QueuePlace,
    enrolment_get_for_provider,
    enrolments_active_at,
    referrals_to_place_for_provider,
    service_at_site_get_for_provider,
    service_at_site_slots_for_provider,
    waitlist_positions,
)
from waitlists.services import enrolment_end, referral_place, slot_offer_next
from waitlists.views.common import audit_enrolment_ended, audit_placement

# A form posted from the page, keyed like "end-<enrolment id>", kept to show its errors.
Bound = tuple[str, forms.Form]


@dataclass
class SiteRow:
    link: ServiceAtSite
    enrolled: int
    held: int
    capacity_form: CapacityForm
    enrolments: list[tuple[Enrolment, EnrolmentEndForm]] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(self.link.capacity - self.enrolled - self.held, 0)


@dataclass
class ServiceBlock:
    service: Service
    sites: list[SiteRow]
    queue: list[QueuePlace]

    @property
    def capacity(self) -> int:
        return sum(row.link.capacity for row in self.sites)

    @property
    def free(self) -> int:
        return sum(row.free for row in self.sites)


def _pick(bound: Bound | None, key: str, make: Any) -> Any:
    """The posted form if it is this one (to show its errors), else a fresh one."""
    if bound is not None and bound[0] == key:
        return bound[1]
    return make()


def _render(request: HttpRequest, *, bound: Bound | None = None, status: int = 200) -> HttpResponse:
    links = service_at_site_slots_for_provider(user=request.user)
    enrolments: dict[UUID, list[Enrolment]] = {}
    for enrolment in enrolments_active_at(service_at_site_ids=[link.pk for link in links]):
        enrolments.setdefault(enrolment.service_at_site_id, []).append(enrolment)
    shown: set[str] = set()
    blocks: dict[UUID, ServiceBlock] = {}
    for link in links:
        key = f"capacity-{link.pk}"
        shown.add(key)
        row = SiteRow(
            link=link,
            enrolled=link.taken,  # type: ignore[attr-defined]
            held=link.held,  # type: ignore[attr-defined]
            capacity_form=_pick(
                bound,
                key,
                lambda link=link: CapacityForm(
                    initial={"capacity": link.capacity}, auto_id=f"id_capacity_{link.pk}_%s"
                ),
            ),
        )
        for enrolment in enrolments.get(link.pk, []):
            end_key = f"end-{enrolment.pk}"
            shown.add(end_key)
            row.enrolments.append(
                (
                    enrolment,
                    _pick(
                        bound,
                        end_key,
                        lambda e=enrolment: EnrolmentEndForm(auto_id=f"id_end_{e.pk}_%s"),
                    ),
                )
            )
        block = blocks.get(link.service_id)
        if block is None:
            block = blocks[link.service_id] = ServiceBlock(
                service=link.service,
                sites=[],
                queue=waitlist_positions(service_id=link.service_id),
            )
        block.sites.append(row)
    to_place = []
    for referral in referrals_to_place_for_provider(user=request.user):
        key = f"place-{referral.pk}"
        shown.add(key)
        to_place.append((referral, _pick(bound, key, PlaceForm)))
    # Who holds a slot, who waits and who is to be placed, by case code: one list entry.
    audit_list(
        request,
        record_type=AuditRecordType.WAITLIST,
        count=sum(len(v) for v in enrolments.values())
        + sum(len(b.queue) for b in blocks.values())
        + len(to_place),
    )
    context = {
        "blocks": list(blocks.values()),
        "to_place": to_place,
        # A form about something no longer on the page (an enrolment that has ended, a
        # referral placed meanwhile): its errors go on top instead.
        "stray_form": bound[1] if bound is not None and bound[0] not in shown else None,
    }
    return render(request, "waitlists/provider_slots.html", context, status=status)


@require_GET
@role_required(Role.PROVIDER)
def provider_slots(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@role_required(Role.PROVIDER)
def capacity_set(request: HttpRequest, service_at_site_id: UUID) -> HttpResponse:
    link = service_at_site_get_for_provider(
        user=request.user, service_at_site_id=service_at_site_id
    )
    if link is None:
        raise Http404
    form = CapacityForm(request.POST, auto_id=f"id_capacity_{link.pk}_%s")
    if form.is_valid():
        try:
            with transaction.atomic():
                link = service_at_site_set_capacity(
                    actor=actor_of(request),
                    service=link.service,
                    site=link.site,
                    capacity=form.cleaned_data["capacity"],
                )
                # More slots than before, and children waiting: they are offered now.
                offers = slot_offer_next(service_at_site=link)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _("%(service)s at %(site)s now has %(n)s slots.") % {
                "service": link.service.name,
                "site": link.site.name,
                "n": link.capacity,
            }
            if offers:
                text += " " + ngettext(
                    "%(n)s slot was offered to the waitlist.",
                    "%(n)s slots were offered to the waitlist.",
                    len(offers),
                ) % {"n": len(offers)}
            messages.success(request, text)
            return redirect("waitlists:provider_slots")
    return _render(request, bound=(f"capacity-{link.pk}", form), status=400)


@require_POST
@role_required(Role.PROVIDER)
def enrolment_finish(request: HttpRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_get_for_provider(user=request.user, enrolment_id=enrolment_id)
    if enrolment is None:
        audit_refused(request, record_type=AuditRecordType.ENROLMENT, record_id=enrolment_id)
        raise Http404
    form = EnrolmentEndForm(request.POST, auto_id=f"id_end_{enrolment.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            enrolment_end(
                actor=actor_of(request),
                enrolment=enrolment,
                status=data["status"],
                feedback=data["feedback"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_enrolment_ended(request, enrolment=enrolment)
            messages.success(
                request,
                _("The enrolment of case %(code)s ended (%(how)s); the slot is free.")
                % {"code": enrolment.case.code, "how": EnrolmentStatus(data["status"]).label},
            )
            return redirect("waitlists:provider_slots")
    return _render(request, bound=(f"end-{enrolment.pk}", form), status=400)


def _placed_message(referral: Referral, *, enrolment: Enrolment | None, entry_id: Any) -> str:
    if enrolment is not None:
        return _("Case %(code)s was enrolled at %(site)s.") % {
            "code": referral.case.code,
            "site": enrolment.service_at_site.site.name,
        }
    position = next(
        (
            place.position
            for place in waitlist_positions(service_id=referral.service_id)
            if place.entry.pk == entry_id
        ),
        None,
    )
    return _(
        "No free slot: case %(code)s is on the waitlist of %(service)s, position %(position)s."
    ) % {"code": referral.case.code, "service": referral.service.name, "position": position}


@require_POST
@role_required(Role.PROVIDER)
def referral_placement(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = referral_get_for_provider(user=request.user, referral_id=referral_id)
    if referral is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
        raise Http404
    form = PlaceForm(request.POST)
    form.is_valid()
    try:
        placement = referral_place(actor=actor_of(request), referral=referral)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render(request, bound=(f"place-{referral.pk}", form), status=400)
    audit_placement(request, referral=referral, placement=placement)
    if placement.enrolment is not None:
        messages.success(
            request, _placed_message(referral, enrolment=placement.enrolment, entry_id=None)
        )
    else:
        assert placement.entry is not None
        messages.info(
            request, _placed_message(referral, enrolment=None, entry_id=placement.entry.pk)
        )
    return redirect("waitlists:provider_slots")
