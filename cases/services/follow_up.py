"""Follow-up once the services end: plan the contacts, record what each found.

A "worse" result opens again the need it concerns and raises the case's risk one band
(the priority reads the band, so the case moves up every queue at once); two "no
contact" in a row tell the coordinators, by case code, that the child may be lost.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.models import (
    RISK_BANDS,
    Case,
    CaseNeed,
    CaseStatus,
    FollowUp,
    FollowUpKind,
    FollowUpResult,
    NeedStatus,
)
from cases.services.team import case_lock, case_team_notify, case_team_require
from cases.signals import case_changed
from directory.models import RiskLevel
from notifications.models import NotificationKind
from notifications.services import notification_send

# The contacts of a period, in months after its start: the first soon, then spread out.
SCHEDULE_MONTHS = {6: (1, 3, 6), 12: (1, 3, 6, 9, 12)}

HIGHER_RISK = (RiskLevel.HIGH, RiskLevel.VERY_HIGH)


def follow_up_months(*, case: Case) -> int:
    if case.risk_level in HIGHER_RISK:
        return settings.CASE_FOLLOW_UP_MONTHS_HIGHER_RISK
    return settings.CASE_FOLLOW_UP_MONTHS_LOWER_RISK


def _months_later(day: date, months: int) -> date:
    # 30.44 days a month: a due date, not a calendar event; no month has a day 31 problem.
    return day + timedelta(days=round(months * 30.44))


def _schedule(months: int) -> tuple[int, ...]:
    if months in SCHEDULE_MONTHS:
        return SCHEDULE_MONTHS[months]
    return tuple(sorted({1, *range(3, months + 1, 3), months}))


@transaction.atomic
def follow_up_period_start(
    *, case: Case, actor: User | None = None, today: date | None = None
) -> list[FollowUp]:
    """The services ended: plan the period's contacts (once; a plan running stays)."""
    locked = case_lock(case_id=case.pk)
    if locked.status != CaseStatus.OPEN:
        return []
    if FollowUp.objects.filter(case=case, done_on__isnull=True).exists():
        return []
    today = today or timezone.localdate()
    months = follow_up_months(case=locked)
    planned = [
        FollowUp(
            case=case,
            kind=FollowUpKind.HOME_VISIT if index == 0 else FollowUpKind.CALL,
            due_on=_months_later(today, offset),
            scheduled_by=actor,
        )
        for index, offset in enumerate(_schedule(months))
    ]
    FollowUp.objects.bulk_create(planned)
    case.follow_up_until = _months_later(today, months)
    Case.objects.filter(pk=case.pk).update(follow_up_until=case.follow_up_until)
    case_team_notify(
        case=case,
        kind=NotificationKind.CASE_UPDATE,
        text=_("The services of case %(code)s ended: %(n)s follow-up contacts are planned.")
        % {"code": case.code, "n": len(planned)},
        link=f"/casos/{case.pk}/seguimiento/",
    )
    return planned


@transaction.atomic
def follow_up_schedule(
    *, actor: User, case: Case, kind: str, due_on: date, need: CaseNeed | None = None
) -> FollowUp:
    case_team_require(actor=actor, case=case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    if need is not None and need.case_id != case.pk:
        raise ValidationError({"need": _("That need belongs to another case.")})
    follow_up = FollowUp(case=case, kind=kind, due_on=due_on, need=need, scheduled_by=actor)
    follow_up.full_clean()
    follow_up.save()
    return follow_up


def _coordinators() -> list[User]:
    return list(User.objects.filter(memberships__role=Role.COORDINATOR, is_active=True).distinct())


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    follow_up: FollowUp,
    result: str,
    note: str = "",
    done_on: date | None = None,
) -> FollowUp:
    """What the contact found; "worse" and repeated silence act on the case at once."""
    case_team_require(actor=actor, case=follow_up.case)
    case = case_lock(case_id=follow_up.case_id)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_on is not None:
        raise ValidationError({"follow_up": _("This contact was already recorded.")})
    if result not in FollowUpResult.values:
        raise ValidationError({"result": _("Choose what the contact found.")})
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today:
        raise ValidationError({"done_on": _("A contact cannot be recorded in the future.")})
    previous = (
        FollowUp.objects.filter(case=case, done_on__isnull=False)
        .order_by("-done_on", "-created")
        .first()
    )
    locked.result, locked.note, locked.done_on, locked.recorded_by = (
        result,
        note.strip(),
        done_on,
        actor,
    )
    locked.full_clean()
    locked.save(update_fields=["result", "note", "done_on", "recorded_by"])
    if result == FollowUpResult.WORSE:
        _worse(case=case, follow_up=locked)
    elif (
        result == FollowUpResult.NO_CONTACT
        and previous is not None
        and previous.result == FollowUpResult.NO_CONTACT
    ):
        notification_send(
            users=_coordinators(),
            kind=NotificationKind.REQUEST,
            case_code=case.code,
            text=_("Case %(code)s: two follow-up contacts in a row found nobody.")
            % {"code": case.code},
            link="/coordinacion/",
        )
    follow_up.done_on, follow_up.result = locked.done_on, locked.result
    return locked


def _worse(*, case: Case, follow_up: FollowUp) -> None:
    needs = (
        [follow_up.need]
        if follow_up.need is not None
        else list(case.needs.filter(status__in=[NeedStatus.MET, NeedStatus.ADDRESSED]))
    )
    for need in needs:
        if need.status != NeedStatus.OPEN:
            need.status = NeedStatus.OPEN
            need.save(update_fields=["status"])
    band = RISK_BANDS.index(case.risk_level)
    if band + 1 < len(RISK_BANDS):
        case.risk_level = RISK_BANDS[band + 1]
        case.save(update_fields=["risk_level", "last_modified"])
    case_changed.send(sender=Case, case=case)
    case_team_notify(
        case=case,
        kind=NotificationKind.CASE_UPDATE,
        text=_("A follow-up of case %(code)s found the child worse: its needs are open again.")
        % {"code": case.code},
    )


# A contact that fell due this many days ago is still told, should beat miss a morning;
# older ones are on the task list already.
FOLLOW_UP_DUE_LOOKBACK_DAYS = 7


@transaction.atomic
def follow_ups_notify_due(*, today: date | None = None) -> int:
    """Tell each case team of its follow-up contacts due by today, once per contact.

    The notification's key makes a second run (or a second morning) tell no one again;
    rows another run holds are skipped, so two runs at once tell once.
    """
    today = today or timezone.localdate()
    due = (
        FollowUp.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            done_on__isnull=True,
            due_on__lte=today,
            due_on__gte=today - timedelta(days=FOLLOW_UP_DUE_LOOKBACK_DAYS),
            case_team__isnull=False,  # only while the case is open (cases/case_team_sql.py)
        )
        .select_related("case")
        .order_by("due_on", "pk")
    )
    told = 0
    for follow_up in due:
        case = follow_up.case
        told += case_team_notify(
            case=case,
            kind=NotificationKind.TASK_DUE,
            text=_("A follow-up contact of case %(code)s is due on %(day)s.")
            % {"code": case.code, "day": follow_up.due_on.strftime("%d/%m/%Y")},
            link=f"/casos/{case.pk}/seguimiento/#follow-up-{follow_up.pk}",
            key=f"follow-up-due:{follow_up.pk}",
        )
    return told
