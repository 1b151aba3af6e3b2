"""What every planner page shares: who may open it."""

from __future__ import annotations

from accounts.gates import role_required
from gaps.selectors import GAP_ROLES

#: Planners and coordinators; caseworkers, providers and administrators get a 403.
planner_required = role_required(*GAP_ROLES)
