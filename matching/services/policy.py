"""The prioritization policy: publishing the next version, and the saved version in force."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import user_is_coordinator
from matching.models import PriorityPolicy
from matching.selectors import DEFAULT_POLICY_NOTE, policy_current

PRIORITY_RECOMPUTE_ALL_TASK = "matching.tasks.priority_recompute_all_task"

POLICY_FIELDS = [
    f.name
    for f in PriorityPolicy._meta.get_fields()
    if f.concrete and f.name not in {"id", "version", "created", "created_by", "change_note"}
]


@transaction.atomic
def policy_publish(*, actor: User, change_note: str, **fields: Any) -> PriorityPolicy:
    """Publish the next version of the policy: the current one with ``fields`` changed.

    The old version stays as it was: scores computed under it keep naming it.
    """
    if not user_is_coordinator(user=actor):
        raise PermissionDenied(_("Only local coordinators can change the prioritization."))
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown policy setting.") for name in unknown})
    if not change_note.strip():
        raise ValidationError({"change_note": _("Say what changed and why.")})
    # Lock the latest row so two coordinators publishing at once get 2 and 3, not 2 twice.
    current = PriorityPolicy.objects.select_for_update().order_by("-version").first()
    values = {name: getattr(current, name) for name in POLICY_FIELDS} if current else {}
    values.update(fields)
    policy = PriorityPolicy(
        version=(current.version + 1) if current else 1,
        created_by=actor,
        change_note=change_note,
        **values,
    )
    policy.full_clean(exclude=["version"])
    policy.save()
    transaction.on_commit(_recompute_later)
    return policy


def _recompute_later() -> None:
    # By name, not by import: matching.tasks imports this package, and a worker (or the
    # eager test app) has the task registered from MatchingConfig.ready().
    current_app.signature(PRIORITY_RECOMPUTE_ALL_TASK).delay()


def policy_ensure_current() -> PriorityPolicy:
    """The policy in force as a saved row, for whoever stores its id (a case's score).

    Migration 0002 publishes version 1, so there is one unless the table was emptied
    since (a test's flush): then version 1 with the model's defaults is saved here.
    """
    current = policy_current()
    if current.pk is not None:
        return current
    # Two callers at once both insert version 1: the unique version makes the second
    # wait for the first to commit, and get_or_create then reads that row back.
    with transaction.atomic():
        PriorityPolicy.objects.get_or_create(
            version=1, defaults={"change_note": DEFAULT_POLICY_NOTE}
        )
    return policy_current()
