"""What every planner page shares: who may open it."""

from __future__ import annotations

from gaps.selectors import GAP_ROLES
from matching.views.common import role_required

#: Planners and coordinators; caseworkers, providers and administrators get a 403.
planner_required = role_required(*GAP_ROLES)
