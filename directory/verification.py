"""Writes of listing verification: requests by mail, answers, the coordinator's review.

The schedule (``VerificationSchedule``, edited by the coordinator) says how often an
organization is asked. A request mails its contact a one-time link; the token is
``secrets`` randomness shown once, in the mail, and the database keeps its SHA-256
digest. The link's answer confirms or corrects each service at a site: confirmations
verify the listing at once, corrections wait in the coordinator's review queue. Signed-in
provider staff answer the same form and their corrections apply at once (they may edit
their own listings anyway). Unanswered requests are reminded (with a fresh link, the old
one stops working) and then escalated to the coordinators.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.gates import coordinator_require
from accounts.models import Membership, Role, User
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from directory.models import (
    Eligibility,
    ListingUpdate,
    ListingUpdateStatus,
    Organization,
    Service,
    ServiceAtSite,
    VerificationRequest,
    VerificationSchedule,
)
from directory.selectors import organization_can_edit_offer
from directory.selectors.verification import (
    LISTING_FIELDS,
    listing_current,
    organization_list_verification_due,
    verification_listing_rows,
    verification_schedule_get,
)
from directory.services import (
    eligibility_update,
    service_at_site_set_capacity,
    service_update,
    site_update,
)
from notifications.email import email_queue
from notifications.models import NotificationKind
from notifications.services import notification_send

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedVerification:
    request: VerificationRequest
    # The only time the token exists outside the mail: never stored, never logged.
    token: str

    @property
    def path(self) -> str:
        return reverse("verification:link", kwargs={"token": self.token})

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{self.path}"


class VerificationLinkUnusable(Exception):
    """The link is unknown, expired or already used."""

    def __init__(self, reason: str, request: VerificationRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


def _new_token(now: datetime, schedule: VerificationSchedule) -> tuple[str, str, datetime]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token), now + timedelta(days=schedule.link_days)


def _mail(*, issued: IssuedVerification, reminder: bool) -> None:
    request = issued.request
    if not request.sent_to:
        return
    context = {
        "organization": request.organization.name,
        "url": issued.url,
        "expires_at": request.expires_at,
        "reminder": reminder,
    }
    # The mail holds the organization's name and the link: nothing else.
    email_queue(
        to=[request.sent_to],
        subject=(
            _("Reminder: please verify the listings of %(organization)s on Puente")
            if reminder
            else _("Please verify the listings of %(organization)s on Puente")
        )
        % {"organization": request.organization.name},
        body=render_to_string("directory/email/verification_request.txt", context),
        kind="verification_request",
    )


@transaction.atomic
def verification_request_issue(
    *, organization: Organization, now: datetime | None = None
) -> IssuedVerification:
    """Ask the organization's contact to verify its listings; mail them the link.

    An open request is renewed (fresh link, the old one stops working) instead of
    duplicated: the database allows one open request per organization.
    """
    now = now or timezone.now()
    schedule = verification_schedule_get()
    token, digest, expires_at = _new_token(now, schedule)
    open_request = (
        VerificationRequest.objects.select_for_update()
        .filter(organization=organization, answered_at__isnull=True)
        .first()
    )
    if open_request is not None:
        open_request.token_digest, open_request.expires_at = digest, expires_at
        open_request.sent_to = organization.email
        open_request.save(update_fields=["token_digest", "expires_at", "sent_to"])
        request = open_request
    else:
        request = VerificationRequest.objects.create(
            organization=organization,
            token_digest=digest,
            sent_to=organization.email,
            created=now,
            expires_at=expires_at,
        )
    issued = IssuedVerification(request=request, token=token)
    _mail(issued=issued, reminder=open_request is not None)
    return issued


def verification_requests_send(*, now: datetime | None = None) -> int:
    """The periodic job: ask every organization whose listings are due. How many."""
    now = now or timezone.now()
    sent = 0
    for organization in organization_list_verification_due(today=timezone.localdate(now)):
        try:
            verification_request_issue(organization=organization, now=now)
        except IntegrityError:  # another run asked it in between
            continue
        sent += 1
    return sent


@transaction.atomic
def verification_requests_follow_up(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind unanswered requests once, then escalate them to the coordinators.

    Returns (reminded, escalated). Idempotent: each step happens once per request.
    """
    now = now or timezone.now()
    schedule = verification_schedule_get()
    open_requests = VerificationRequest.objects.select_for_update().filter(answered_at__isnull=True)
    reminded = 0
    for request in open_requests.filter(
        reminded_at__isnull=True, created__lte=now - timedelta(days=schedule.remind_after_days)
    ).select_related("organization"):
        token, digest, expires_at = _new_token(now, schedule)
        request.token_digest, request.expires_at, request.reminded_at = digest, expires_at, now
        request.save(update_fields=["token_digest", "expires_at", "reminded_at"])
        _mail(issued=IssuedVerification(request=request, token=token), reminder=True)
        reminded += 1
    late = list(
        open_requests.filter(
            escalated_at__isnull=True,
            created__lte=now - timedelta(days=schedule.escalate_after_days),
        ).select_related("organization")
    )
    if late:
        coordinators = _coordinator_users()
        for request in late:
            notification_send(
                users=coordinators,
                text=_("%(organization)s has not answered its verification request.")
                % {"organization": request.organization.name},
                link=reverse("verification:review_queue"),
                kind=NotificationKind.REQUEST,
                key=f"verification-escalated:{request.pk}",
            )
        VerificationRequest.objects.filter(pk__in=[r.pk for r in late]).update(escalated_at=now)
    return reminded, len(late)


def verification_request_resolve(*, token: str) -> VerificationRequest:
    """The open request for ``token``, or ``VerificationLinkUnusable`` saying why not."""
    request = (
        VerificationRequest.objects.select_related("organization")
        .filter(token_digest=token_digest(token))
        .first()
        if token
        else None
    )
    _refuse_unusable(request)
    assert request is not None
    return request


def _refuse_unusable(request: VerificationRequest | None) -> None:
    if request is None:
        raise VerificationLinkUnusable("unknown")
    if request.answered_at is not None:
        raise VerificationLinkUnusable("used", request)
    if request.expires_at <= timezone.now():
        raise VerificationLinkUnusable("expired", request)


def _clean_answers(
    *, organization: Organization, answers: dict[UUID, dict[str, Any]]
) -> list[tuple[ServiceAtSite, dict[str, Any], dict[str, Any]]]:
    rows = {row.pk: row for row in verification_listing_rows(organization=organization)}
    cleaned = []
    for sas_id, proposed in answers.items():
        row = rows.get(sas_id)
        if row is None:
            # Another organization's listing, or one that no longer exists.
            raise PermissionDenied(_("This link only verifies its own organization's listings."))
        unknown = set(proposed) - set(LISTING_FIELDS)
        if unknown:
            raise ValidationError({sorted(unknown)[0]: _("This field cannot be verified here.")})
        current = listing_current(service_at_site=row)
        cleaned.append((row, current, {**current, **proposed}))
    return cleaned


def _verify_service(*, service: Service, by: User | None, label: str, on: date) -> None:
    # A queryset update: the verification is not an edit of the listing's content, and
    # the services' history would otherwise gain a row per confirmation.
    Service.objects.filter(pk=service.pk).update(
        verified_on=on, verified_by=by, verified_by_label=label[:200], verification_due=False
    )


def _label_for_link(request: VerificationRequest) -> str:
    who = request.respondent or _("its contact")
    return _("%(who)s (%(organization)s, by its verification link)") % {
        "who": who,
        "organization": request.organization.name,
    }


@transaction.atomic
def verification_answer_by_link(
    *, token: str, respondent: str, answers: dict[UUID, dict[str, Any]]
) -> list[ListingUpdate]:
    """The link's answer: one update per service at a site. Unchanged ones verify the
    listing now; changed ones wait for the coordinator. The link is spent."""
    digest = token_digest(token)
    request = (
        VerificationRequest.objects.select_for_update()
        .select_related("organization")
        .filter(token_digest=digest)
        .first()
    )
    _refuse_unusable(request)  # under the lock: of two answers, the second sees it used
    assert request is not None
    if not answers:
        raise ValidationError({"answers": _("Confirm or correct at least one listing.")})
    cleaned = _clean_answers(organization=request.organization, answers=answers)
    now = timezone.now()
    request.answered_at, request.respondent = now, respondent.strip()[:120]
    request.save(update_fields=["answered_at", "respondent"])
    updates = []
    for row, current, proposed in cleaned:
        changed = proposed != current
        update = ListingUpdate(
            request=request,
            service_at_site=row,
            current=current,
            proposed=proposed,
            submitted_at=now,
            status=ListingUpdateStatus.PENDING if changed else ListingUpdateStatus.ACCEPTED,
            reviewed_at=None if changed else now,
        )
        update.save()
        updates.append(update)
        if not changed:
            _verify_service(
                service=row.service,
                by=None,
                label=_label_for_link(request),
                on=timezone.localdate(now),
            )
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=request.pk,
        detail=f"link answered={len(updates)} "
        f"pending={sum(u.status == ListingUpdateStatus.PENDING for u in updates)}",
    )
    return updates


def _apply(*, actor: User, row: ServiceAtSite, values: dict[str, Any]) -> None:
    """Write ``values`` onto the listing with ``actor`` as the history's author."""
    row = ServiceAtSite.objects.select_related("service", "site").get(pk=row.pk)
    service_at_site_set_capacity(
        actor=actor,
        service=row.service,
        site=row.site,
        capacity=int(values["capacity"]),
        schedule_description=values["schedule_description"],
        declared_capacity_status=values["declared_capacity_status"],
        declared_wait_days=values["declared_wait_days"],
    )
    if values["email"] != row.service.email:
        service_update(actor=actor, service=row.service, email=values["email"])
    eligibility = Eligibility.objects.filter(service=row.service).first()
    ages = (values["min_age"], values["max_age"])
    if eligibility is None or ages != (eligibility.min_age, eligibility.max_age):
        eligibility_update(
            actor=actor, service=row.service, min_age=values["min_age"], max_age=values["max_age"]
        )
    if (values["address_1"], values["city"]) != (row.site.address_1, row.site.city):
        site_update(actor=actor, site=row.site, address_1=values["address_1"], city=values["city"])


@transaction.atomic
def verification_answer_signed_in(
    *, actor: User, organization: Organization, answers: dict[UUID, dict[str, Any]]
) -> list[ListingUpdate]:
    """Provider staff (or a coordinator) verify in Puente: corrections apply at once."""
    if not organization_can_edit_offer(user=actor, organization_id=organization.pk):
        raise PermissionDenied(_("You can only verify the listings of your own organization."))
    if not answers:
        raise ValidationError({"answers": _("Confirm or correct at least one listing.")})
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    cleaned = _clean_answers(organization=organization, answers=answers)
    now = timezone.now()
    request = VerificationRequest.objects.filter(
        organization=organization, answered_at__isnull=True
    ).first()
    if request is None:
        request = VerificationRequest.objects.create(
            organization=organization,
            token_digest=token_digest(secrets.token_urlsafe(TOKEN_BYTES)),  # never sent
            created=now,
            expires_at=now,
        )
    request.answered_at, request.answered_by = now, actor
    request.respondent = actor.get_full_name() or actor.get_username()
    request.save(update_fields=["answered_at", "answered_by", "respondent"])
    updates = []
    for row, current, proposed in cleaned:
        if proposed != current:
            _apply(actor=actor, row=row, values=proposed)
        update = ListingUpdate(
            request=request,
            service_at_site=row,
            current=current,
            proposed=proposed,
            submitted_at=now,
            status=ListingUpdateStatus.ACCEPTED,
            reviewed_at=now,
            reviewed_by=actor,
        )
        update._history_user = actor  # type: ignore[attr-defined]
        update.save()
        updates.append(update)
        _verify_service(
            service=row.service,
            by=actor,
            label=_("%(who)s (%(organization)s)")
            % {"who": request.respondent, "organization": organization.name},
            on=timezone.localdate(now),
        )
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=request.pk,
        user=actor,
        detail=f"signed-in answered={len(updates)}",
    )
    return updates


def _lock_pending(*, update: ListingUpdate) -> ListingUpdate:
    locked = (
        ListingUpdate.objects.select_for_update(of=("self",))
        .select_related("request__organization", "service_at_site__service")
        .get(pk=update.pk)
    )
    if locked.status != ListingUpdateStatus.PENDING:
        # Of two reviewers, the second is told (the view answers 409).
        raise ValidationError(
            {
                "status": _("This update was already reviewed (“%(status)s”).")
                % {"status": locked.get_status_display()}
            }
        )
    return locked


@transaction.atomic
def listing_update_accept(
    *, actor: User, update: ListingUpdate, edited: dict[str, Any] | None = None
) -> ListingUpdate:
    """The coordinator accepts the provider's correction (``edited``: as amended)."""
    coordinator_require(user=actor, message=_("Only coordination reviews listing updates."))
    update = _lock_pending(update=update)
    values = {**update.proposed, **(edited or {})}
    if set(values) - set(LISTING_FIELDS):
        raise ValidationError({"proposed": _("This field cannot be verified here.")})
    _apply(actor=actor, row=update.service_at_site, values=values)
    update.proposed = values
    update.status = ListingUpdateStatus.ACCEPTED
    update.reviewed_at, update.reviewed_by = timezone.now(), actor
    update._history_user = actor  # type: ignore[attr-defined]
    update.save()
    _verify_service(
        service=update.service_at_site.service,
        by=actor,
        label=_label_for_link(update.request),
        on=timezone.localdate(update.submitted_at),
    )
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=update.pk,
        user=actor,
        detail=f"accepted{' edited' if edited else ''}",
    )
    return update


@transaction.atomic
def listing_update_refuse(*, actor: User, update: ListingUpdate, note: str) -> ListingUpdate:
    """The coordinator refuses the correction, saying why; the contact is told."""
    coordinator_require(user=actor, message=_("Only coordination reviews listing updates."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the update is refused: the provider reads it.")})
    update = _lock_pending(update=update)
    update.status = ListingUpdateStatus.REFUSED
    update.review_note = note.strip()
    update.reviewed_at, update.reviewed_by = timezone.now(), actor
    update._history_user = actor  # type: ignore[attr-defined]
    update.save()
    address = update.request.sent_to or update.request.organization.email
    if address:
        email_queue(
            to=[address],
            subject=_("Your listing update on Puente was not accepted"),
            body=render_to_string(
                "directory/email/verification_refused.txt",
                {
                    "service": update.service_at_site.service.name,
                    "note": update.review_note,
                    "organization": update.request.organization.name,
                },
            ),
            kind="verification_refused",
        )
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=update.pk,
        user=actor,
        detail="refused",
    )
    return update


def _coordinator_users() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(role=Role.COORDINATOR).values("user_id"),
        )
    )
