"""Cases follow their home's territory when the boundaries change (``territories_changed``).

``directory`` sits below ``cases`` and never imports it: the boundary import sends the
hook and this receiver, connected in ``CasesConfig.ready()``, re-assigns the cases. Each
case moved gets an audit entry (a write to a case record), with no case data in it.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record_cases
from cases.models import Case
from directory.importers.hooks import territories_changed
from directory.importers.territories import territory_points_reassign


@receiver(territories_changed)
def cases_follow_territories(
    sender: Any, territory_ids: list[Any], actor: Any = None, **kwargs: Any
) -> dict[str, int]:
    moved, outside = territory_points_reassign(
        table=Case._meta.db_table, point_column="home", territory_ids=territory_ids
    )
    if moved:
        audit_record_cases(
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.CASE,
            cases=Case.objects.filter(pk__in=moved).values_list("pk", "code"),
            user=actor,
            detail="territory re-assigned by a boundary import",
        )
    return {_("cases moved"): len(moved), _("cases outside every territory"): outside}
