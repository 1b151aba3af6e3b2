"""Who reads the gap inventory and the network indicators."""

from __future__ import annotations

from accounts.models import Role
from accounts.selectors import AnyUser, user_has_role

GAP_ROLES = (Role.PLANNER, Role.COORDINATOR)


def gap_can_view(*, user: AnyUser) -> bool:
    """Planners and coordinators read the gap inventory and the network indicators."""
    return user_has_role(user=user, roles=GAP_ROLES)
