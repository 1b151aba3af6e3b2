"""Reads of invitations, and who may invite whom."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Role
from accounts.selectors import AnyUser, user_has_role, user_organization_ids
from directory.models import Organization
from people.models import Invitation

# A supervisor brings in the caseworkers of their own team; every other role (and any
# other organization) is the administrator's.
SUPERVISOR_INVITABLE_ROLES = (Role.CASEWORKER,)


def invitation_is_administrator(*, user: AnyUser) -> bool:
    return user_has_role(user=user, roles=[Role.ADMINISTRATOR])


def invitation_may_manage(*, user: AnyUser) -> bool:
    """Whether the invitations page opens at all: administrators and supervisors."""
    return user_has_role(user=user, roles=[Role.ADMINISTRATOR, Role.SUPERVISOR])


def invitation_organizations(*, user: AnyUser) -> QuerySet[Organization]:
    """The organizations ``user`` may invite people into."""
    if invitation_is_administrator(user=user):
        return Organization.objects.order_by("name")
    ids = user_organization_ids(user=user, role=Role.SUPERVISOR)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def invitation_roles(*, user: AnyUser) -> list[tuple[str, Any]]:
    """The roles ``user`` may invite people to, as form choices."""
    if invitation_is_administrator(user=user):
        return list(Role.choices)
    if user_has_role(user=user, roles=[Role.SUPERVISOR]):
        return [(role.value, role.label) for role in SUPERVISOR_INVITABLE_ROLES]
    return []


def invitation_can_send(*, user: AnyUser, organization: Organization, role: str) -> bool:
    allowed_roles = {value for value, _label in invitation_roles(user=user)}
    return (
        role in allowed_roles
        and invitation_organizations(user=user).filter(pk=organization.pk).exists()
    )


def invitations_visible(*, user: AnyUser) -> QuerySet[Invitation]:
    """The invitations ``user`` manages: all for an administrator, their organization's
    for a supervisor, none for anyone else."""
    if not invitation_may_manage(user=user):
        return Invitation.objects.none()
    return Invitation.objects.filter(
        organization__in=invitation_organizations(user=user)
    ).select_related("organization", "invited_by", "accepted_user")
