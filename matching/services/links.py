"""Referral links: how a service whose organization has no one on Puente still answers.

The caseworker's referral is mailed (or printed) as a letter holding a one-time link.
Whoever holds the link sees the referral's packet and answers through the same state
machine as signed-in provider staff (``referral_transition(link=...)``). The token is
``secrets`` randomness shown once, in the letter; the database keeps its SHA-256 digest.
A link works until it expires, is revoked, is replaced by a newer one, or its referral
closes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.selectors import case_can_work
from matching.hooks import referral_placer
from matching.models import (
    ACTIVE_REFERRAL_STATUSES,
    Referral,
    ReferralLink,
    ReferralLinkChannel,
)
from matching.selectors import referral_contact_email
from notifications.email import email_queue

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    link: ReferralLink
    # The only time the token exists outside the letter: never stored, never logged.
    token: str

    @property
    def path(self) -> str:
        return reverse("matching:external_referral", kwargs={"token": self.token})

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{self.path}"


class LinkUnusable(Exception):
    """The link is unknown, expired, revoked, replaced or its referral is closed."""

    def __init__(self, reason: str, link: ReferralLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def _require_case_team(*, actor: User, referral: Referral) -> None:
    if not case_can_work(user=actor, case=referral.case):
        raise PermissionDenied(_("Only the case team manages this referral's links."))


def _issue(*, actor: User, referral: Referral, channel: str, sent_to: str = "") -> IssuedLink:
    if referral.status not in ACTIVE_REFERRAL_STATUSES:
        raise ValidationError(
            {
                "referral": _("The referral is “%(status)s”: it needs no link.")
                % {"status": referral.get_status_display()}
            }
        )
    now = timezone.now()
    # One live link per referral: a new letter replaces every earlier one.
    ReferralLink.objects.filter(referral=referral, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, replaced=True
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ReferralLink.objects.create(
        referral=referral,
        token_digest=token_digest(token),
        channel=channel,
        sent_to=sent_to,
        created=now,
        created_by=actor,
        expires_at=now + timedelta(days=settings.REFERRAL_LINK_DAYS),
    )
    return IssuedLink(link=link, token=token)


def _lock(*, referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "service__organization", "service_at_site__site")
        .get(pk=referral.pk)
    )


@transaction.atomic
def referral_link_email(*, actor: User, referral: Referral) -> IssuedLink:
    """Mail the service's contact address a referral letter with a new link."""
    _require_case_team(actor=actor, referral=referral)
    referral = _lock(referral=referral)
    address = referral_contact_email(referral=referral)
    if not address:
        raise ValidationError(
            {
                "email": _(
                    "The directory has no email address for %(service)s or its organization: "
                    "print the referral letter and deliver it."
                )
                % {"service": referral.service.name}
            }
        )
    issued = _issue(
        actor=actor, referral=referral, channel=ReferralLinkChannel.EMAIL, sent_to=address
    )
    context = {
        "referral": referral,
        "case_code": referral.case.code,
        "service_name": referral.service.name,
        "url": issued.url,
        "expires_at": issued.link.expires_at,
        "team": referral.case.organization.name,
    }
    # The letter names the case by its code and holds the link: no case contents.
    email_body = render_to_string("matching/email/referral_letter.txt", context)
    email_queue(
        to=[address],
        subject=_("Referral %(code)s to %(service)s")
        % {"code": referral.case.code, "service": referral.service.name},
        body=email_body,
        kind="referral_letter",
    )
    return issued


@transaction.atomic
def referral_link_print(*, actor: User, referral: Referral) -> IssuedLink:
    """A new link for a printed letter (the letter page shows its token once)."""
    _require_case_team(actor=actor, referral=referral)
    referral = _lock(referral=referral)
    return _issue(actor=actor, referral=referral, channel=ReferralLinkChannel.PRINT)


@transaction.atomic
def referral_link_revoke(*, actor: User, referral: Referral) -> int:
    """Revoke the referral's live link(s); how many were live."""
    _require_case_team(actor=actor, referral=referral)
    referral = _lock(referral=referral)
    return ReferralLink.objects.filter(referral=referral, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )


def referral_link_resolve(*, token: str) -> ReferralLink:
    """The live link for ``token``, or ``LinkUnusable`` saying why not.

    Read without a lock: an answer locks the link again (``referral_link_resolve_by_id``)
    and checks it under the same transaction as the referral it moves.
    """
    query = ReferralLink.objects.select_related(
        "referral__case", "referral__service__organization", "referral__service_at_site__site"
    )
    link = query.filter(token_digest=token_digest(token)).first() if token else None
    _refuse_unusable(link)
    assert link is not None
    if link.referral.status not in ACTIVE_REFERRAL_STATUSES:
        raise LinkUnusable("closed", link)
    return link


def _refuse_unusable(link: ReferralLink | None) -> None:
    if link is None:
        raise LinkUnusable("unknown")
    if link.revoked_at is not None:
        raise LinkUnusable("replaced" if link.replaced else "revoked", link)
    if link.expires_at <= timezone.now():
        raise LinkUnusable("expired", link)


@transaction.atomic
def referral_link_viewed(*, link: ReferralLink) -> None:
    ReferralLink.objects.filter(pk=link.pk, first_viewed_at__isnull=True).update(
        first_viewed_at=timezone.now()
    )


def referral_link_check_for(*, link: ReferralLink, referral: Referral) -> None:
    """Called by ``referral_transition`` under its lock: the link is live and this one's."""
    fresh = referral_link_resolve_by_id(link_id=link.pk)
    if fresh.referral_id != referral.pk:
        raise PermissionDenied(_("This link is for another referral."))
    ReferralLink.objects.filter(pk=link.pk).update(answered_at=timezone.now())


def referral_link_resolve_by_id(*, link_id: UUID) -> ReferralLink:
    """The link read again under its row lock, refused if it stopped working meanwhile
    (a revoke or a newer letter between the page and the answer)."""
    link = ReferralLink.objects.select_for_update(of=("self",)).filter(pk=link_id).first()
    _refuse_unusable(link)
    assert link is not None
    return link


@transaction.atomic
def referral_link_place(*, link: ReferralLink) -> object:
    """The child starts the service (or joins its queue) as the provider's Place does.

    Slots belong to the waitlists app: its placement runs through matching's hook, with
    the system as actor, since whoever holds the link has no account.
    """
    link = referral_link_resolve_by_id(link_id=link.pk)
    placer = referral_placer()
    if placer is None:
        raise ValidationError({"referral": _("Places cannot be taken from this link.")})
    placement = placer(actor=None, referral=link.referral)
    ReferralLink.objects.filter(pk=link.pk).update(answered_at=timezone.now())
    return placement
