"""Who may do what: reads of users' roles and organizations."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import Membership, Role

AnyUser = AbstractBaseUser | AnonymousUser


def user_roles(*, user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = set(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True))
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMINISTRATOR)
    return roles


def user_has_role(*, user: AnyUser, roles: Iterable[str]) -> bool:
    return bool(user_roles(user=user) & set(roles))


def user_organization_ids(*, user: AnyUser, role: str) -> set[UUID]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user_id=user.pk, role=role).values_list(
            "organization_id", flat=True
        )
    )
