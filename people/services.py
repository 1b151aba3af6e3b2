"""Writes on invitations: send, resend, revoke, accept.

The token is ``secrets`` randomness shown once, in the mail; the database keeps its
SHA-256 digest. Audit entries name the invitation by id, its role and organization:
never the address nor the token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import membership_grant
from audit.models import AuditAction, AuditRecordType
from audit.services import AnyRequest, audit_record
from directory.models import Organization
from notifications.email import email_queue
from people.models import Invitation, InvitationStatus
from people.selectors import invitation_can_send

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    # The only time the token exists outside the mail: never stored, never logged.
    token: str

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{reverse('people:invitation_accept', args=[self.token])}"


class InvitationUnusable(Exception):
    """The link is unknown, expired, used or revoked."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def _detail(invitation: Invitation, extra: str = "") -> str:
    return f"role={invitation.role} organization={invitation.organization_id} {extra}".strip()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    invitation.token_digest = token_digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    return token


def _mail(issued: IssuedInvitation) -> None:
    invitation = issued.invitation
    context = {
        "organization": invitation.organization.name,
        "role": invitation.get_role_display(),
        "url": issued.url,
        "days": settings.INVITATION_MAX_AGE_DAYS,
        "expires_at": invitation.expires_at,
    }
    email_queue(
        to=[invitation.email],
        subject=_("Invitation to Puente: %(organization)s")
        % {"organization": context["organization"]},
        body=render_to_string("people/email/invitation.txt", context),
        kind="invitation",
    )


@transaction.atomic
def invitation_send(
    *,
    actor: User,
    email: str,
    organization: Organization,
    role: str,
    request: AnyRequest | None = None,
) -> IssuedInvitation:
    """Invite ``email`` into ``organization`` as ``role`` and mail the link."""
    if not invitation_can_send(user=actor, organization=organization, role=role):
        raise PermissionDenied(_("You may not invite people into this organization in this role."))
    address = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=address).exists():
        raise ValidationError(
            {
                "email": _(
                    "This address already has an account: give that person the role in the "
                    "administration instead."
                )
            }
        )
    pending = Invitation.objects.select_for_update().filter(
        email__iexact=address,
        organization=organization,
        role=role,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError(
            {"email": _("This person already has a pending invitation: resend it from the list.")}
        )
    invitation = Invitation(email=address, organization=organization, role=role, invited_by=actor)
    token = _new_token(invitation)
    invitation.save()
    issued = IssuedInvitation(invitation=invitation, token=token)
    _mail(issued)
    audit_record(
        request=request,
        user=actor,
        action=AuditAction.SEND,
        record_type=AuditRecordType.INVITATION,
        record_id=invitation.pk,
        detail=_detail(invitation),
    )
    return issued


def _require_manage(*, actor: User, invitation: Invitation) -> None:
    if not invitation_can_send(
        user=actor, organization=invitation.organization, role=invitation.role
    ):
        raise PermissionDenied(_("You may not manage this invitation."))


@transaction.atomic
def invitation_resend(
    *, actor: User, invitation: Invitation, request: AnyRequest | None = None
) -> IssuedInvitation:
    """A new link (the old one stops working) with a new expiry, mailed again."""
    _require_manage(actor=actor, invitation=invitation)
    invitation = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise ValidationError(
            _("This invitation is “%(status)s”: it cannot be sent again.")
            % {"status": invitation.get_status_display()}
        )
    token = _new_token(invitation)
    invitation.save(update_fields=["token_digest", "sent_at", "expires_at"])
    issued = IssuedInvitation(invitation=invitation, token=token)
    _mail(issued)
    audit_record(
        request=request,
        user=actor,
        action=AuditAction.SEND,
        record_type=AuditRecordType.INVITATION,
        record_id=invitation.pk,
        detail=_detail(invitation, "resent"),
    )
    return issued


@transaction.atomic
def invitation_revoke(
    *, actor: User, invitation: Invitation, request: AnyRequest | None = None
) -> Invitation:
    _require_manage(actor=actor, invitation=invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already accepted: it cannot be revoked."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            request=request,
            user=actor,
            action=AuditAction.REVOKE,
            record_type=AuditRecordType.INVITATION,
            record_id=invitation.pk,
            detail=_detail(invitation),
        )
    return invitation


def invitation_resolve(*, token: str, lock: bool = False) -> Invitation:
    """The invitation of a link that still works, or ``InvitationUnusable``."""
    queryset = Invitation.objects.select_related("organization")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_digest=token_digest(token)).first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        raise InvitationUnusable("used", invitation)
    if status != InvitationStatus.PENDING:
        raise InvitationUnusable(str(status), invitation)
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, request: AnyRequest | None = None, **names: Any
) -> User:
    """Create the person's account with their password and role; the link is used up."""
    invitation = invitation_resolve(token=token, lock=True)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken: choose another.")})
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnusable("used", invitation)
    user = User.objects.create_user(
        username=username,
        email=invitation.email,
        password=password,
        first_name=names.get("first_name", ""),
        last_name=names.get("last_name", ""),
    )
    membership_grant(user=user, organization=invitation.organization, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        request=request,
        user=user,
        action=AuditAction.ACCEPT,
        record_type=AuditRecordType.INVITATION,
        record_id=invitation.pk,
        detail=_detail(invitation),
    )
    return user
