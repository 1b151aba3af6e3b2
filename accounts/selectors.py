"""Who may do what: reads of users' roles and organizations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Membership, Role, TwoFactorRequirement

AnyUser = AbstractBaseUser | AnonymousUser

# A page asks "which teams is this user on, in which role" a dozen times (navigation,
# gates, the case's scope checks); within one request the answer is read once. Only
# inside ``membership_cache`` (the request's middleware): a script or test that changes
# memberships between calls always reads the table. A membership written during the
# request empties it (accounts/signals.py).
_memberships: ContextVar[dict[object, frozenset[tuple[str, UUID]]] | None] = ContextVar(
    "puente_memberships", default=None
)


@contextmanager
def membership_cache() -> Iterator[None]:
    token = _memberships.set({})
    try:
        yield
    finally:
        _memberships.reset(token)


def membership_cache_clear() -> None:
    cache = _memberships.get()
    if cache is not None:
        cache.clear()


def user_memberships(*, user: AnyUser) -> frozenset[tuple[str, UUID]]:
    """The user's (role, organization id) pairs: one query a request."""
    if not user.is_authenticated:
        return frozenset()
    cache = _memberships.get()
    if cache is not None and user.pk in cache:
        return cache[user.pk]
    pairs = frozenset(
        Membership.objects.filter(user_id=user.pk).values_list("role", "organization_id")
    )
    if cache is not None:
        cache[user.pk] = pairs
    return pairs


def user_roles(*, user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = {role for role, _organization in user_memberships(user=user)}
    if getattr(user, "is_superuser", False):
        # The installation's administrator passes every coordinator's gate too: the
        # admin site already lets them edit all a coordinator edits, so refusing them
        # the same work on the pages (as one of three gates once did) only hid it.
        roles |= {Role.ADMINISTRATOR, Role.COORDINATOR}
    return roles


def user_is_coordinator(*, user: AnyUser) -> bool:
    """The one coordinator predicate: the map's keepers and the network's overseers."""
    return Role.COORDINATOR in user_roles(user=user)


def user_has_role(*, user: AnyUser, roles: Iterable[str]) -> bool:
    return bool(user_roles(user=user) & set(roles))


def user_organization_ids(*, user: AnyUser, role: str) -> set[UUID]:
    return {organization for held, organization in user_memberships(user=user) if held == role}


def two_factor_required_roles() -> set[str]:
    """Roles that must use a second factor: the environment's and the administrator's."""
    configured = set(settings.OTP_REQUIRED_ROLES)
    return configured | set(TwoFactorRequirement.objects.values_list("role", flat=True))


def user_two_factor_required(*, user: AnyUser) -> bool:
    return bool(user_roles(user=user) & two_factor_required_roles())


def user_totp_device(*, user: AnyUser, confirmed: bool = True) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=confirmed).order_by("-pk").first()


def user_is_verified(*, user: AnyUser) -> bool:
    """Whether this session gave a second-factor code (django-otp's OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def user_api_tokens(*, user: AnyUser) -> QuerySet[ApiToken]:
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk).order_by("revoked", "-created")


def api_token_by_digest(*, digest: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=digest).first()
