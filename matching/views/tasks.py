"""A caseworker's task list: what waits for them today, each row where it is done.

Due and overdue follow-up contacts, cases pending admissibility, closures waiting for
their verification (never one's own), transfers to answer or approve, and referrals
whose answer is overdue; the integrated plan's overdue actions, reviews due and plans
waiting for a supervisor's approval.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.gates import role_required
from accounts.models import Role
from audit.models import AuditRecordType
from audit.services import audit_list
from cases.selectors_lifecycle import (
    cases_pending_admissibility_for_user,
    closures_to_verify_for_user,
    follow_ups_due_for_user,
    transfers_to_answer_for_user,
)
from cases.selectors_plan import (
    plan_actions_overdue_for_user,
    plan_reviews_due_for_user,
    plans_to_approve_for_user,
)
from matching.hooks import task_sections
from matching.selectors import referral_list_overdue_for_case_team

# A contact due within this many days is on the list, so a week can be planned.
FOLLOW_UP_HORIZON_DAYS = 7
ROWS_SHOWN = 50


@require_GET
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    follow_ups = follow_ups_due_for_user(
        user=request.user, until=today + timedelta(days=FOLLOW_UP_HORIZON_DAYS)
    )
    pending = cases_pending_admissibility_for_user(user=request.user)
    closures = closures_to_verify_for_user(user=request.user)
    transfers = transfers_to_answer_for_user(user=request.user)
    overdue = referral_list_overdue_for_case_team(user=request.user)
    plan_actions = plan_actions_overdue_for_user(user=request.user, today=today)
    plan_reviews = plan_reviews_due_for_user(user=request.user, until=today)
    plans_to_approve = plans_to_approve_for_user(user=request.user)
    sections: dict[str, tuple[int, list[Any]]] = {
        "follow_ups": (follow_ups.count(), list(follow_ups[:ROWS_SHOWN])),
        "pending": (pending.count(), list(pending[:ROWS_SHOWN])),
        "closures": (closures.count(), list(closures[:ROWS_SHOWN])),
        "transfers": (transfers.count(), list(transfers[:ROWS_SHOWN])),
        "overdue": (overdue.count(), list(overdue[:ROWS_SHOWN])),
        "plan_actions": (plan_actions.count(), list(plan_actions[:ROWS_SHOWN])),
        "plan_reviews": (plan_reviews.count(), list(plan_reviews[:ROWS_SHOWN])),
        "plans_to_approve": (plans_to_approve.count(), list(plans_to_approve[:ROWS_SHOWN])),
    }
    extra = task_sections(user=request.user, today=today)
    audit_list(
        request,
        record_type=AuditRecordType.CASE,
        count=sum(len(rows) for _count, rows in sections.values())
        + sum(len(section["rows"]) for section in extra),
    )
    context = {
        "today": today,
        "horizon": FOLLOW_UP_HORIZON_DAYS,
        "rows_shown": ROWS_SHOWN,
        "extra_sections": extra,
        **{name: rows for name, (_count, rows) in sections.items()},
        **{f"{name}_count": count for name, (count, _rows) in sections.items()},
    }
    return render(request, "matching/tasks.html", context)
