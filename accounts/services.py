"""Writes on users, memberships, API tokens and two-factor devices."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import STAFF_ROLES, ApiToken, Membership, User

# Memberships point at ``directory.Organization`` by its app label only: accounts sits
# below directory and never imports it, so an organization is typed as a model here.
Organization = Model

API_TOKEN_PREFIX = "pte_"  # noqa: S105 -- a visible label, not a secret
# last_used is a hint for the person who reviews their tokens, not an audit trail:
# writing it at most every few minutes keeps API reads from becoming writes.
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


@transaction.atomic
def membership_grant(*, user: User, organization: Organization, role: str) -> Membership:
    """Give a user a role in an organization; staff roles open the admin site."""
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role
    )
    user_sync_staff_flag(user=user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    user = membership.user
    membership.delete()
    user_sync_staff_flag(user=user)


def user_sync_staff_flag(*, user: User) -> None:
    """Admin access follows the roles, so revoking a role also closes the admin."""
    has_staff_role = user.memberships.filter(role__in=STAFF_ROLES).exists()
    is_staff = has_staff_role or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    memberships: list[tuple[Organization, str]] | None = None,
) -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    for organization, role in memberships or []:
        membership_grant(user=user, organization=organization, role=role)
    return user


def api_token_digest(*, key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the key is returned here once and never stored."""
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=key[: len(API_TOKEN_PREFIX) + 6],
        key_hash=api_token_digest(key=key),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used is None or now - token.last_used > API_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's device waiting for confirmation, created with a fresh key if none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Puente", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the device when the code from the app is right; older devices are removed."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return True


@transaction.atomic
def totp_device_remove(*, user: User) -> int:
    deleted, _per_model = TOTPDevice.objects.filter(user=user).delete()
    return deleted
