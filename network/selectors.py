"""Reads of the network's meetings: the proposed agenda, who sees which item, the year.

Who sees what:
- coordinators convene and chair meetings: every meeting, every item by case code, the
  reasons, discussion and agreements (they never open the case file from here);
- the people of an invited organization (caseworkers, supervisors, provider staff) see
  the meeting, and of its agenda the items whose case they may read: their own team's
  (lead, supervisor), or a case their organization is a partner on while the family's
  consent to share information holds (``cases.selectors.case_access_for_user``);
- anyone else: the meeting does not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import AnyUser, user_is_coordinator
from cases.models import (
    OPEN_ACTION_STATUSES,
    Case,
    CaseClosure,
    CaseStatus,
    ClosureStatus,
    FollowUp,
    FollowUpResult,
    PlanAction,
)
from cases.selectors import (
    case_access_for_user,
    case_member_organization_ids,
    case_team_organization_ids,
)
from directory.selectors import territory_descendant_ids
from matching.models import Referral, ReferralStatus
from network.models import (
    AgendaItem,
    AgendaReason,
    Agreement,
    AgreementStatus,
    Meeting,
    MeetingInvitation,
)
from waitlists.models import EntryStatus, WaitlistEntry

# How many cases each reason may bring: a meeting reviews tens of cases, not thousands.
PROPOSED_PER_REASON = 30
# A follow-up older than this no longer calls for the meeting's attention.
FOLLOW_UP_LOOKBACK_DAYS = 90
# The access through which a member reads an agenda item of a case.
READABLE_ACCESS = ("lead", "supervisor", "partner")


def meeting_wait_days() -> int:
    """Children waiting for a slot longer than this are proposed (``MEETING_WAIT_DAYS``)."""
    return int(getattr(settings, "MEETING_WAIT_DAYS", 90))


@dataclass
class ProposedCase:
    case: Case
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(AgendaReason(reason).label) for reason in self.reasons]


def _case_ids(queryset: QuerySet[Any], column: str = "case_id") -> list[UUID]:
    return list(queryset.values_list(column, flat=True).distinct()[:PROPOSED_PER_REASON])


def agenda_proposal(
    *, territory_id: UUID | None, now: Any = None, exclude: Iterable[UUID] = ()
) -> list[ProposedCase]:
    """The open cases of the territory that need the network's attention, and why.

    One small query per reason, each read from an index (the partial ones of urgent
    and multi-alert cases' priority order, plan actions', referrals' answer dates,
    waitlists', follow-ups' and closures' own) and cut at ``PROPOSED_PER_REASON``; then
    one query for the cases, gravest priority first.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope: dict[str, Any] = {"status": CaseStatus.OPEN}
    if territory_id is not None:
        scope["territory_id__in"] = territory_descendant_ids(territory_id=territory_id)
    cases = Case.objects.filter(**scope)
    on_case = {f"case__{key}": value for key, value in scope.items()}
    since = today - timedelta(days=FOLLOW_UP_LOOKBACK_DAYS)
    rejected_twice = (
        Referral.objects.filter(status=ReferralStatus.REJECTED, **on_case)
        .values("case_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    no_contact = (
        FollowUp.objects.filter(result=FollowUpResult.NO_CONTACT, done_on__gte=since, **on_case)
        .values("case_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    found: dict[str, list[UUID]] = {
        AgendaReason.URGENT: _case_ids(
            cases.filter(urgent_safety=True).order_by("-priority_score"), "pk"
        ),
        AgendaReason.MULTIPLE_ALERTS: _case_ids(
            cases.filter(multiple_alerts=True).order_by("-priority_score"), "pk"
        ),
        AgendaReason.OVERDUE_ACTIONS: _case_ids(
            PlanAction.objects.filter(
                frozen=False, status__in=OPEN_ACTION_STATUSES, due_on__lt=today, **on_case
            ).order_by()
        ),
        AgendaReason.REFERRAL_OVERDUE: _case_ids(
            Referral.objects.filter(
                status=ReferralStatus.SENT, response_due__lt=now, **on_case
            ).order_by()
        ),
        AgendaReason.REFERRAL_REJECTED_TWICE: [
            row["case_id"] for row in rejected_twice.order_by()[:PROPOSED_PER_REASON]
        ],
        AgendaReason.LONG_WAIT: _case_ids(
            WaitlistEntry.objects.filter(
                status=EntryStatus.WAITING,
                requested_at__lt=now - timedelta(days=meeting_wait_days()),
                **on_case,
            ).order_by()
        ),
        AgendaReason.FOLLOW_UP_WORSE: _case_ids(
            FollowUp.objects.filter(
                result=FollowUpResult.WORSE, done_on__gte=since, **on_case
            ).order_by()
        ),
        AgendaReason.REPEATED_NO_CONTACT: [
            row["case_id"] for row in no_contact.order_by()[:PROPOSED_PER_REASON]
        ],
        AgendaReason.CLOSURE_TO_VERIFY: _case_ids(
            CaseClosure.objects.filter(status=ClosureStatus.REQUESTED, **on_case).order_by()
        ),
    }
    excluded = set(exclude)
    reasons_of: dict[UUID, list[str]] = {}
    for reason, ids in found.items():
        for case_id in ids:
            if case_id not in excluded:
                reasons_of.setdefault(case_id, []).append(str(reason))
    rows = Case.objects.filter(pk__in=list(reasons_of)).select_related("organization")
    return [
        ProposedCase(case=case, reasons=reasons_of[case.pk])
        for case in rows.order_by("-priority_score", "requested_at")
    ]


# --- who sees what -------------------------------------------------------------


def meeting_list_for_user(*, user: AnyUser) -> QuerySet[Meeting]:
    meetings = Meeting.objects.select_related("territory")
    if user_is_coordinator(user=user):
        return meetings
    organizations = case_member_organization_ids(user=user)
    return meetings.filter(
        Q(invitations__organization_id__in=organizations) | Q(invitations__user_id=user.pk)
    ).distinct()


def meeting_get_for_user(*, user: AnyUser, meeting_id: UUID) -> Meeting | None:
    return meeting_list_for_user(user=user).filter(pk=meeting_id).first()


def meeting_can_manage(*, user: AnyUser, meeting: Meeting) -> bool:
    """Coordinators prepare, convene and record a meeting."""
    return user_is_coordinator(user=user)


def agenda_item_can_read(*, user: AnyUser, item: AgendaItem) -> bool:
    if user_is_coordinator(user=user):
        return True
    return case_access_for_user(user=user, case=item.case) in READABLE_ACCESS


def agenda_items_for_user(*, user: AnyUser, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda as far as the user's role and the families' consents allow."""
    items = (
        meeting.items.select_related("case", "case__organization")
        .prefetch_related("agreements__organization", "agreements__responsible")
        .order_by("position", "added_at")
    )
    return [item for item in items if agenda_item_can_read(user=user, item=item)]


def case_can_add_to_agenda(*, user: AnyUser, case: Case) -> bool:
    """A member brings a case of their own team; a coordinator any case."""
    return user_is_coordinator(user=user) or case.organization_id in case_team_organization_ids(
        user=user
    )


def meeting_previous(*, meeting: Meeting) -> Meeting | None:
    """The territory's meeting before this one: this one opens with its agreements."""
    return (
        Meeting.objects.filter(held_on__lt=meeting.held_on)
        .filter(
            Q(territory__isnull=True)
            if meeting.territory_id is None
            else Q(territory_id=meeting.territory_id)
        )
        .order_by("-held_on", "-created")
        .first()
    )


def agreements_for_user(*, user: AnyUser, meeting: Meeting) -> list[Agreement]:
    """The meeting's agreements on the items the user may read."""
    return [
        agreement
        for item in agenda_items_for_user(user=user, meeting=meeting)
        for agreement in item.agreements.all()
    ]


def agreement_can_mark(*, user: AnyUser, agreement: Agreement) -> bool:
    """The owner organization's people, the case's team, or a coordinator, mark it done."""
    if user_is_coordinator(user=user):
        return True
    return agreement.organization_id in case_member_organization_ids(
        user=user
    ) or agreement.case.organization_id in case_team_organization_ids(user=user)


def agreements_open_for_user(*, user: AnyUser) -> QuerySet[Agreement]:
    """Open agreements the user's organizations owe, or that concern their team's cases."""
    owners = case_member_organization_ids(user=user)
    teams = case_team_organization_ids(user=user)
    return (
        Agreement.objects.filter(status=AgreementStatus.OPEN)
        .filter(Q(organization_id__in=owners) | Q(case__organization_id__in=teams))
        .select_related("case", "organization", "item")
        .order_by("due_on", "pk")
    )


TASK_ROWS = 50


def agreement_task_section(*, user: AnyUser, today: date, **_kwargs: Any) -> dict[str, object]:
    """The task list's section of meeting agreements (``matching.hooks``)."""
    agreements = agreements_open_for_user(user=user)
    rows = [
        {
            "link": f"/reuniones/{agreement.item.meeting_id}/#agreement-{agreement.pk}",
            "code": agreement.case.code,
            "text": f"{agreement.organization.name} · {agreement.text[:80]}",
            "due_on": agreement.due_on,
            "overdue": agreement.due_on < today,
        }
        for agreement in agreements[:TASK_ROWS]
    ]
    return {
        "id": "meeting-agreements",
        "title": _("Meeting agreements"),
        "empty": _("No meeting agreement waits for your team."),
        "count": agreements.count(),
        "rows": rows,
    }


def attendance_by_organization(*, meetings: QuerySet[Meeting], year: int) -> list[dict[str, Any]]:
    """Per organization, the year's meetings it was invited to and those it attended."""
    rows = (
        MeetingInvitation.objects.filter(
            meeting__in=meetings.order_by().values("pk"), meeting__held_on__year=year
        )
        .values("organization_id", "organization__name")
        .annotate(
            invited=Count("meeting", distinct=True),
            present=Count("meeting", filter=Q(present=True), distinct=True),
        )
        .order_by("organization__name")
    )
    return [
        {
            "organization": row["organization__name"],
            "invited": row["invited"],
            "present": row["present"],
            "percent": round(100 * row["present"] / row["invited"]) if row["invited"] else 0,
        }
        for row in rows
    ]
