"""Writes of the network's meetings: prepare, convene, record, follow up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from directory.models import Organization, Territory
from network.models import (
    AgendaItem,
    AgendaReason,
    Agreement,
    AgreementStatus,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
)
from network.selectors import (
    agenda_item_can_read,
    agenda_proposal,
    agreement_can_mark,
    case_can_add_to_agenda,
    meeting_can_manage,
)
from notifications.models import NotificationKind
from notifications.services import notification_send
from waitlists.models import AllocationRound


def _require_manager(*, actor: User, meeting: Meeting | None = None) -> None:
    if meeting is not None and not meeting_can_manage(user=actor, meeting=meeting):
        raise PermissionDenied(_("Only a coordinator prepares and records a meeting."))


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    title: str,
    held_on: date,
    territory: Territory | None = None,
    place: str = "",
    organizations: Iterable[Organization] = (),
    people: Iterable[tuple[Organization, User]] = (),
) -> Meeting:
    meeting = Meeting(
        title=title, held_on=held_on, territory=territory, place=place, created_by=actor
    )
    _require_manager(actor=actor, meeting=meeting)
    meeting.full_clean()
    meeting.save()
    meeting_invite(actor=actor, meeting=meeting, organizations=organizations, people=people)
    return meeting


@transaction.atomic
def meeting_invite(
    *,
    actor: User,
    meeting: Meeting,
    organizations: Iterable[Organization] = (),
    people: Iterable[tuple[Organization, User]] = (),
) -> int:
    """Invite organizations and people; those already invited are skipped."""
    _require_manager(actor=actor, meeting=meeting)
    rows = [MeetingInvitation(meeting=meeting, organization=org) for org in organizations]
    rows += [MeetingInvitation(meeting=meeting, organization=org, user=u) for org, u in people]
    return len(MeetingInvitation.objects.bulk_create(rows, ignore_conflicts=True))


@transaction.atomic
def meeting_convene(*, actor: User, meeting: Meeting) -> int:
    """Convene the meeting: tell the invited people (kind ``meeting_convened``)."""
    _require_manager(actor=actor, meeting=meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.DRAFT:
        raise ValidationError({"status": _("This meeting was already convened.")})
    meeting.status = MeetingStatus.CONVENED
    meeting.convened_at = timezone.now()
    meeting.save(update_fields=["status", "convened_at"])
    people = User.objects.filter(
        pk__in=meeting.invitations.filter(user__isnull=False).values("user_id"), is_active=True
    )
    return notification_send(
        users=people,
        kind=NotificationKind.MEETING_CONVENED,
        text=_("You are invited to the meeting “%(title)s” on %(date)s.")
        % {"title": meeting.title, "date": meeting.held_on.isoformat()},
        link=f"/reuniones/{meeting.pk}/",
        key=f"meeting-convened-{meeting.pk}",
    )


@transaction.atomic
def agenda_item_add(
    *, actor: User, meeting: Meeting, case: Case, reasons: Iterable[str] = ()
) -> AgendaItem:
    """Put a case on the agenda: Puente's proposal (by a coordinator), or a member's own."""
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError({"case": _("This meeting was already held.")})
    if not case_can_add_to_agenda(user=actor, case=case):
        raise PermissionDenied(_("You can only add cases of your own team."))
    reasons = list(reasons) or [AgendaReason.MEMBER]
    position = meeting.items.count()
    try:
        with transaction.atomic():
            return AgendaItem.objects.create(
                meeting=meeting, case=case, reasons=reasons, added_by=actor, position=position
            )
    except IntegrityError:
        raise ValidationError({"case": _("This case is already on the agenda.")}) from None


@transaction.atomic
def agenda_proposal_accept(*, actor: User, meeting: Meeting) -> int:
    """Add every case Puente proposes, each with its reasons."""
    _require_manager(actor=actor, meeting=meeting)
    present = set(meeting.items.values_list("case_id", flat=True))
    proposed = agenda_proposal(territory_id=meeting.territory_id, exclude=present)
    start = len(present)
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                case=row.case,
                reasons=row.reasons,
                added_by=actor,
                position=start + i,
            )
            for i, row in enumerate(proposed)
        ],
        ignore_conflicts=True,
    )
    return len(proposed)


def _require_item(*, actor: User, item: AgendaItem) -> None:
    if not (
        meeting_can_manage(user=actor, meeting=item.meeting)
        or agenda_item_can_read(user=actor, item=item)
    ):
        raise PermissionDenied(_("You may not record on this case."))


@transaction.atomic
def agenda_item_record(
    *, actor: User, item: AgendaItem, challenges: str, progress: str
) -> AgendaItem:
    _require_item(actor=actor, item=item)
    item.challenges, item.progress = challenges, progress
    item.save(update_fields=["challenges", "progress"])
    return item


@transaction.atomic
def agreement_add(
    *,
    actor: User,
    item: AgendaItem,
    text: str,
    organization: Organization,
    due_on: date,
    responsible: User | None = None,
) -> Agreement:
    """An agreement on a case: it shows on the owner's and the case team's task list."""
    _require_item(actor=actor, item=item)
    if not text.strip():
        raise ValidationError({"text": _("Write what was agreed.")})
    if (
        responsible is not None
        and not responsible.memberships.filter(organization=organization).exists()
    ):
        raise ValidationError(
            {"responsible": _("The responsible person must belong to the organization.")}
        )
    return Agreement.objects.create(
        item=item,
        case_id=item.case_id,
        text=text.strip(),
        organization=organization,
        responsible=responsible,
        due_on=due_on,
        created_by=actor,
    )


@transaction.atomic
def agreement_mark(*, actor: User, agreement: Agreement, status: str) -> Agreement:
    if not agreement_can_mark(user=actor, agreement=agreement):
        raise PermissionDenied(_("You may not change this agreement."))
    if status not in AgreementStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    agreement.status = status
    agreement.done_on = timezone.localdate() if status == AgreementStatus.DONE else None
    agreement.save(update_fields=["status", "done_on"])
    return agreement


@transaction.atomic
def meeting_attendance_record(
    *, actor: User, meeting: Meeting, present_ids: Iterable[Any]
) -> Meeting:
    """Record who came (invitation ids) and mark the meeting held."""
    _require_manager(actor=actor, meeting=meeting)
    present = {str(pk) for pk in present_ids}
    for invitation in meeting.invitations.all():
        invitation.present = str(invitation.pk) in present
        invitation.save(update_fields=["present"])
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def meeting_round_link(
    *, actor: User, meeting: Meeting, allocation_round: AllocationRound | None
) -> Meeting:
    _require_manager(actor=actor, meeting=meeting)
    if (
        allocation_round is not None
        and meeting.territory_id is not None
        and allocation_round.territory_id != meeting.territory_id
    ):
        raise ValidationError(
            {"allocation_round": _("The round must be of the meeting's territory.")}
        )
    meeting.allocation_round = allocation_round
    meeting.save(update_fields=["allocation_round"])
    return meeting
