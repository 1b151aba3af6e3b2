"""Referrals: drafting and sending one, and the state machine every later move goes through."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_is_coordinator
from cases.models import Admissibility, Case, CaseNeed, CaseStatus, ConsentScope, NeedStatus
from cases.selectors import case_can_work, case_consent_for
from cases.services import case_team_notify, case_team_require
from cases.services.plan import plan_actions_follow_referral
from directory.models import Service, ServiceAtSite, ServiceStatus
from matching.hooks import referral_places_release
from matching.models import Referral, ReferralEvent, ReferralLink, ReferralStatus
from matching.selectors import (
    policy_current,
    provider_organization_ids,
    referral_active_for_case_and_service,
    referral_contact_email,
    referral_is_external,
)
from matching.services.links import (
    referral_link_check_for,
    referral_link_email,
    referral_link_resolve_by_id,
)
from matching.services.recompute import case_priority_refresh
from notifications.models import NotificationKind
from notifications.services import notification_send
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

# The name the log has always shown for these lines, before the services were a package.
logger = logging.getLogger("matching.services")

CASE_TEAM, PROVIDER, SYSTEM = "case_team", "provider", "system"

# A referral in these holds a place on a list or a slot; ending it frees them.
HOLDING_PLACES = (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE)
RELEASING_ENDS = frozenset(
    {
        ReferralStatus.WITHDRAWN,
        ReferralStatus.COMPLETED,
        ReferralStatus.NO_SHOW,
        ReferralStatus.EXPIRED,
    }
)

# (from, to) → who may make the move. Anything absent is illegal.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (ReferralStatus.DRAFT, ReferralStatus.SENT): frozenset({CASE_TEAM}),
    (ReferralStatus.DRAFT, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.SENT, ReferralStatus.ACCEPTED): frozenset({PROVIDER}),
    (ReferralStatus.SENT, ReferralStatus.REJECTED): frozenset({PROVIDER}),
    (ReferralStatus.SENT, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.SENT, ReferralStatus.EXPIRED): frozenset({SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.WAITING): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.NO_SHOW): frozenset({PROVIDER}),
    (ReferralStatus.ACCEPTED, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.WAITING, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM, SYSTEM}),
    (ReferralStatus.WAITING, ReferralStatus.EXPIRED): frozenset({SYSTEM}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.COMPLETED): frozenset({PROVIDER}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.NO_SHOW): frozenset({PROVIDER}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM, PROVIDER}),
}


# Moves that take a slot or a place in a queue: only the waitlists app makes them,
# after locking the site's row, so a referral never shows "in service" without a slot.
SLOT_MOVES = frozenset(
    {
        (ReferralStatus.ACCEPTED, ReferralStatus.WAITING),
        (ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE),
        (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE),
    }
)


def referral_allowed_moves(*, referral: Referral, side: str) -> list[str]:
    """Moves a side may make by hand (slot moves go through the waitlists app)."""
    return [
        to
        for (frm, to), sides in TRANSITIONS.items()
        if frm == referral.status and side in sides and (frm, to) not in SLOT_MOVES
    ]


def _side_of(*, actor: User | None, referral: Referral) -> set[str]:
    if actor is None:
        return {SYSTEM}
    sides: set[str] = set()
    if case_can_work(user=actor, case=referral.case):
        sides.add(CASE_TEAM)
    if referral.service.organization_id in provider_organization_ids(user=actor):
        sides.add(PROVIDER)
    return sides


def _referral_lock(*, referral: Referral) -> Referral:
    """The referral read again under its row lock: what a move checks is what it writes."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "service")
        .get(pk=referral.pk)
    )


def _move_refused(*, frm: str, to_status: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("A referral that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": ReferralStatus(frm).label,
                "to": ReferralStatus(to_status).label
                if to_status in ReferralStatus.values
                else to_status,
            }
        }
    )


@transaction.atomic
def referral_transition(
    *,
    actor: User | None,
    referral: Referral,
    to_status: str,
    note: str = "",
    rejection_reason: str = "",
    feedback: str = "",
    slot_taken: bool = False,
    link: ReferralLink | None = None,
) -> Referral:
    """Move a referral to ``to_status`` if the move is legal and the actor's to make.

    ``link`` (with ``actor=None``): whoever holds the referral's live link answers as
    the provider's side, for a service whose organization has no one on Puente.

    Moves into a slot or a queue need ``slot_taken=True``: the waitlists app passes it
    once it holds the slot (or the queue entry) under the site's row lock.

    ``actor=None`` is the system (expiry, slot offers). The row is locked first: a
    provider accepting while the caseworker withdraws must not both succeed.
    """
    if to_status in RELEASING_ENDS and (
        Referral.objects.filter(pk=referral.pk, status__in=HOLDING_PLACES).exists()
    ):
        referral_places_release(referral_id=referral.pk, to_status=to_status, actor=actor)
    referral = _referral_lock(referral=referral)
    acting = _side_of(actor=actor, referral=referral)
    if link is not None:
        if actor is not None:
            raise PermissionDenied(_("A link answers without an account."))
        referral_link_check_for(link=link, referral=referral)
        acting = {PROVIDER}
    frm = referral.status
    sides = TRANSITIONS.get((frm, to_status))
    if sides is None:
        raise _move_refused(frm=frm, to_status=to_status)
    if not (sides & acting):
        raise PermissionDenied(_("You cannot make this change to this referral."))
    if (frm, to_status) in SLOT_MOVES and not slot_taken:
        raise ValidationError(
            {
                "status": _(
                    "This move takes a slot: place the child from the slots page, which "
                    "enrols or puts on the waitlist."
                )
            }
        )
    now = timezone.now()
    if to_status == ReferralStatus.REJECTED:
        if not rejection_reason:
            raise ValidationError({"rejection_reason": _("Choose why the referral is rejected.")})
        referral.rejection_reason = rejection_reason
    if to_status == ReferralStatus.COMPLETED and not feedback.strip():
        raise ValidationError(
            {"feedback": _("Tell the case team how it went (contrarreferencia).")}
        )
    if feedback:
        referral.feedback = feedback
    if frm == ReferralStatus.SENT:
        referral.responded_at = now
    if to_status in (
        ReferralStatus.COMPLETED,
        ReferralStatus.REJECTED,
        ReferralStatus.WITHDRAWN,
        ReferralStatus.NO_SHOW,
        ReferralStatus.EXPIRED,
    ):
        referral.closed_at = now
    referral.status = to_status
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, from_status=frm, to_status=to_status, actor=actor, at=now, note=note
    )
    _referral_update_need(referral=referral)
    # The plan's actions linked to the referral follow it (cases sits below: we call it).
    plan_actions_follow_referral(
        referral_id=referral.pk,
        case_id=referral.case_id,
        need_id=referral.need_id,
        status=to_status,
    )
    if frm == ReferralStatus.SENT or to_status == ReferralStatus.COMPLETED:
        text = _("Referral of case %(code)s to %(service)s: %(status)s.") % {
            "code": referral.case.code,
            "service": referral.service.name,
            "status": ReferralStatus(to_status).label,
        }
        case_team_notify(case=referral.case, text=text, kind=NotificationKind.REFERRAL_ANSWERED)
    if frm == ReferralStatus.SENT and to_status in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.REJECTED,
    ):
        # The sending organization (the case's team) follows its referral's answer.
        webhook_event_emit(
            event=WebhookEvent.REFERRAL_ANSWERED,
            organization_ids=[referral.case.organization_id],
            data={
                "referral_id": referral.pk,
                "case_code": referral.case.code,
                "service_id": referral.service_id,
                "status": to_status,
                "rejection_reason": referral.rejection_reason,
            },
            link=f"/casos/{referral.case_id}/",
            case_id=referral.case_id,
        )
    # An answer ends the overdue component of the case's score.
    if frm == ReferralStatus.SENT and referral.case.status == CaseStatus.OPEN:
        case_priority_refresh(case=referral.case)
    return referral


def _referral_update_need(*, referral: Referral) -> None:
    if referral.need_id is None:
        return
    if referral.status in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
        ReferralStatus.IN_SERVICE,
        ReferralStatus.SENT,
    ):
        CaseNeed.objects.filter(pk=referral.need_id, status=NeedStatus.OPEN).update(
            status=NeedStatus.ADDRESSED
        )
    elif referral.status == ReferralStatus.COMPLETED:
        CaseNeed.objects.filter(pk=referral.need_id).update(status=NeedStatus.MET)
    else:
        # Nothing else addresses the need: it is open again for the next referral.
        still = Referral.objects.filter(
            need_id=referral.need_id,
            status__in=[
                ReferralStatus.SENT,
                ReferralStatus.ACCEPTED,
                ReferralStatus.WAITING,
                ReferralStatus.IN_SERVICE,
            ],
        ).exists()
        if not still:
            CaseNeed.objects.filter(pk=referral.need_id, status=NeedStatus.ADDRESSED).update(
                status=NeedStatus.OPEN
            )


@transaction.atomic
def referral_create(
    *,
    actor: User,
    case: Case,
    service: Service,
    service_at_site: ServiceAtSite | None = None,
    need: CaseNeed | None = None,
    shared_note: str = "",
) -> Referral:
    """A draft referral: nothing reaches the provider until it is sent."""
    case_team_require(actor=actor, case=case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    if service.status != ServiceStatus.ACTIVE:
        raise ValidationError({"service": _("The service is not active.")})
    if service_at_site is not None and service_at_site.service_id != service.pk:
        raise ValidationError({"service_at_site": _("That site does not offer this service.")})
    if need is not None and need.case_id != case.pk:
        raise ValidationError({"need": _("That need belongs to another case.")})
    if referral_active_for_case_and_service(case=case, service_id=service.pk):
        raise ValidationError(
            {"service": _("The case already has an open referral to this service.")}
        )
    referral = Referral.objects.create(
        case=case,
        service=service,
        service_at_site=service_at_site,
        need=need,
        shared_note=shared_note,
        created_by=actor,
    )
    ReferralEvent.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.DRAFT, actor=actor
    )
    return referral


def _admissibility_override(*, case: Case, reason: str) -> str:
    """Refuse a case not admitted yet, but an urgent-safety one with its reason (kept)."""
    if case.admissibility == Admissibility.ADMITTED:
        return ""
    if case.admissibility == Admissibility.NOT_ADMITTED:
        raise ValidationError(
            {"admissibility": _("The case was not admitted: it is not referred.")}
        )
    if not case.urgent_safety:
        raise ValidationError(
            {
                "admissibility": _(
                    "The case is pending admissibility: decide it first, on the case's "
                    "admissibility page. Only a case with an urgent safety concern may be "
                    "referred before, with the reason recorded."
                )
            }
        )
    if not reason.strip():
        raise ValidationError(
            {
                "admissibility": _(
                    "The case is pending admissibility: give the reason to refer it now "
                    "for its urgent safety concern."
                )
            }
        )
    return reason.strip()


@transaction.atomic
def referral_send(
    *,
    actor: User,
    referral: Referral,
    consent_override_reason: str = "",
    admissibility_override_reason: str = "",
    note: str = "",
) -> Referral:
    """Send with recorded consent, or with a documented reason for sending without it.

    The case must be admitted (seeds/004, process base #2); an urgent-safety case may go
    before, with the reason recorded and audited.
    """
    case_team_require(actor=actor, case=referral.case)
    # Locked and read again before anything is written: of two sends of one draft at
    # once, the second waits here, sees it sent and gets a 400 naming the status,
    # instead of stamping a second deadline before ``referral_transition`` refuses it.
    referral = _referral_lock(referral=referral)
    if referral.status != ReferralStatus.DRAFT:
        raise _move_refused(frm=referral.status, to_status=ReferralStatus.SENT)
    admissibility_override = _admissibility_override(
        case=referral.case, reason=admissibility_override_reason
    )
    consent = case_consent_for(case=referral.case, scope=ConsentScope.REFERRAL)
    if consent is None and not consent_override_reason.strip():
        raise ValidationError(
            {
                "consent": _(
                    "There is no consent for referral on record. Record it, or give the "
                    "reason for referring without it."
                )
            }
        )
    policy = policy_current()
    case = referral.case
    # Urgent cases get the shortest deadline whatever their band.
    hours = policy.response_hours("very_high" if case.urgent_safety else case.risk_level)
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(
        consent=consent,
        consent_override_reason="" if consent else consent_override_reason.strip(),
        admissibility_override_reason=admissibility_override,
        sent_at=now,
        response_due=now + timedelta(hours=hours),
    )
    if consent is None:
        # Who sent without consent, and why, is in the event and the referral itself.
        logger.warning("referral sent without consent: referral=%s", referral.pk)
    referral = referral_transition(
        actor=actor,
        referral=referral,
        to_status=ReferralStatus.SENT,
        note=note
        or (
            _("Sent without consent: %(reason)s") % {"reason": consent_override_reason.strip()}
            if consent is None
            else ""
        ),
    )
    staff = User.objects.filter(
        memberships__organization_id=referral.service.organization_id,
        memberships__role=Role.PROVIDER,
        is_active=True,
    ).distinct()
    notification_send(
        users=staff,
        kind=NotificationKind.REFERRAL_RECEIVED,
        case_code=case.code,
        text=_("New referral %(code)s to %(service)s.")
        % {"code": case.code, "service": referral.service.name},
        link=f"/prestador/derivaciones/{referral.pk}/",
    )
    # No one on Puente to tell: the service's own address gets the letter and link
    # (without one, the case page offers the printed letter).
    if referral_is_external(referral=referral) and referral_contact_email(referral=referral):
        referral_link_email(actor=actor, referral=referral)
    webhook_event_emit(
        event=WebhookEvent.REFERRAL_SENT,
        organization_ids=[referral.service.organization_id],
        data={
            "referral_id": referral.pk,
            "case_code": case.code,
            "service_id": referral.service_id,
            "service_at_site_id": referral.service_at_site_id,
            "status": referral.status,
            "response_due": referral.response_due.isoformat() if referral.response_due else None,
        },
        link=f"/prestador/derivaciones/{referral.pk}/",
        case_id=case.pk,
    )
    return referral


@transaction.atomic
def referral_answer_by_link(
    *,
    link: ReferralLink,
    to_status: str,
    note: str = "",
    rejection_reason: str = "",
    feedback: str = "",
) -> Referral:
    """An answer from the referral's link: the provider's move, made without an account.

    The link is locked before the referral, as a placement from the link does, so two
    answers at once queue on it; the second then finds the referral moved (a 400 the
    page turns into a 409).
    """
    link = referral_link_resolve_by_id(link_id=link.pk)
    return referral_transition(
        actor=None,
        referral=link.referral,
        to_status=to_status,
        note=note or _("Answered through the referral link."),
        rejection_reason=rejection_reason,
        feedback=feedback,
        link=link,
    )


@transaction.atomic
def referral_create_and_send(
    *,
    actor: User,
    case: Case,
    service: Service,
    service_at_site: ServiceAtSite | None = None,
    need: CaseNeed | None = None,
    shared_note: str = "",
    consent_override_reason: str = "",
    admissibility_override_reason: str = "",
) -> Referral:
    """Create and send in one transaction: a refused send leaves no draft behind."""
    referral = referral_create(
        actor=actor,
        case=case,
        service=service,
        service_at_site=service_at_site,
        need=need,
        shared_note=shared_note,
    )
    return referral_send(
        actor=actor,
        referral=referral,
        consent_override_reason=consent_override_reason,
        admissibility_override_reason=admissibility_override_reason,
    )


@transaction.atomic
def referral_record_meeting_decision(
    *, actor: User, case: Case, service_at_site: ServiceAtSite, note: str
) -> Referral:
    """A referral decided at a case-review meeting, where the provider sits too.

    It starts in service: the meeting is the acceptance. The coordinator is recorded
    as its author, and consent (or its absence) is kept like any referral's.
    """
    if not user_is_coordinator(user=actor):
        raise PermissionDenied(_("Only local coordinators record the meeting's decisions."))
    consent = case_consent_for(case=case, scope=ConsentScope.REFERRAL)
    now = timezone.now()
    referral = Referral.objects.create(
        case=case,
        service=service_at_site.service,
        service_at_site=service_at_site,
        status=ReferralStatus.IN_SERVICE,
        created_by=actor,
        consent=consent,
        consent_override_reason="" if consent else note,
        sent_at=now,
        responded_at=now,
    )
    ReferralEvent.objects.create(
        referral=referral,
        from_status="",
        to_status=ReferralStatus.IN_SERVICE,
        actor=actor,
        at=now,
        note=note,
    )
    return referral
