"""Writes on users and memberships."""

from __future__ import annotations

from django.db import transaction

from accounts.models import STAFF_ROLES, Membership, User
from directory.models import Organization


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
