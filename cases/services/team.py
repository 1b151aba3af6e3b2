"""Who may write a case, and telling its team: what every write of the case file shares."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from cases.selectors import case_can_work, case_team_users
from notifications.models import NotificationKind
from notifications.services import notification_send


def case_team_require(*, actor: User, case: Case) -> None:
    """Refuse anyone but the case's own team (every write of the case file starts here)."""
    if not case_can_work(user=actor, case=case):
        raise PermissionDenied(_("Only the team that owns the case can work on it."))


def case_lock(*, case_id: UUID) -> Case:
    """The case row, locked for this transaction and read again.

    Every write that decides on a case's state (admissibility, route, follow-up,
    closure, an alert) takes it first: of two at once, the second waits and sees what
    the first did.
    """
    return Case.objects.select_for_update(of=("self",)).get(pk=case_id)


def case_team_notify(
    *, case: Case, text: str, kind: NotificationKind | str, link: str = "", key: str = ""
) -> int:
    """Tell the case's caseworkers something (by case code only, never contents), in
    Puente and by mail as each chose for ``kind``; how many were told."""
    return notification_send(
        users=case_team_users(case=case),
        text=text,
        kind=kind,
        link=link or f"/casos/{case.pk}/",
        case_code=case.code,
        key=key,
    )
