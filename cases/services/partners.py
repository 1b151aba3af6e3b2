"""The case team across institutions: partners, reassignment, transfer, progress reports.

Every write locks the case row first (``case_lock``): two people adding the same
partner, answering the same transfer or reassigning at once are served one after the
other, and the second sees the first's result as a ValidationError naming it (a 409 on
the pages and the API), never a second write.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from cases.models import (
    OPEN_TRANSFER_STATUSES,
    Case,
    CaseAssignment,
    CasePartner,
    CaseProgressReport,
    CaseStatus,
    CaseTransfer,
    PartnerRole,
    TransferStatus,
)
from cases.selectors import (
    PARTNER_MEMBER_ROLES,
    case_can_supervise,
    case_can_work,
    case_member_organization_ids,
    case_partner_roles_for_user,
    case_partner_users,
    case_supervisor_organization_ids,
    organization_members,
    organization_supervisors,
)
from cases.services.team import case_lock, case_team_notify, case_team_require
from directory.models import Organization
from notifications.models import NotificationKind
from notifications.services import notification_send

TEXT_MAX = 5000


def _text(value: str, *, field: str, missing: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: missing})
    if len(value) > TEXT_MAX:
        raise ValidationError(
            {field: _("At most %(n)s characters.") % {"n": TEXT_MAX}},
        )
    return value


def _refuse_closed(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})


# --- partners -----------------------------------------------------------------------


@transaction.atomic
def case_partner_add(*, actor: User, case: Case, organization_id: UUID, role: str) -> CasePartner:
    """The lead team brings an organization onto the case team, in a role."""
    case_team_require(actor=actor, case=case)
    if role not in PartnerRole.values:
        raise ValidationError({"role": _("Choose the organization's role on the case.")})
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise ValidationError({"organization": _("Choose an organization of the network.")})
    locked = case_lock(case_id=case.pk)
    _refuse_closed(locked)
    if organization.pk == locked.organization_id:
        raise ValidationError({"organization": _("This organization already leads the case.")})
    if CasePartner.objects.filter(
        case=case, organization=organization, ended_at__isnull=True
    ).exists():
        raise ValidationError({"organization": _("This organization is already on the case team.")})
    partner = CasePartner(case=case, organization=organization, role=role, added_by=actor)
    partner.full_clean()
    partner.save()
    notification_send(
        users=_people_of(organization.pk, roles=PARTNER_MEMBER_ROLES),
        kind=NotificationKind.CASE_UPDATE,
        case_code=case.code,
        text=_("Your organization joined the team of case %(code)s as %(role)s.")
        % {"code": case.code, "role": partner.get_role_display()},
        link=f"/casos/{case.pk}/equipo/",
    )
    return partner


def _people_of(organization_id: UUID, *, roles: tuple[str, ...]) -> list[User]:
    return list(organization_members(organization_id=organization_id, roles=roles))


@transaction.atomic
def case_partner_end(*, actor: User, case: Case, partner_id: UUID) -> CasePartner:
    """The lead team ends an organization's place on the case team; its history stays."""
    case_team_require(actor=actor, case=case)
    case_lock(case_id=case.pk)
    partner = CasePartner.objects.select_for_update().filter(case=case, pk=partner_id).first()
    if partner is None:
        raise ValidationError({"partner": _("This organization is not on the case team.")})
    if partner.ended_at is not None:
        raise ValidationError({"partner": _("This organization already left the case team.")})
    partner.ended_at, partner.ended_by = timezone.now(), actor
    partner.save(update_fields=["ended_at", "ended_by"])
    return partner


# --- reassignment within the lead team ----------------------------------------------


def case_may_assign(*, user: User, case: Case) -> bool:
    return case_can_work(user=user, case=case) or case_can_supervise(user=user, case=case)


@transaction.atomic
def case_reassign(
    *, actor: User, case: Case, caseworker_id: int | None, reason: str = ""
) -> CaseAssignment:
    """A caseworker or supervisor of the lead team gives the case to another colleague."""
    if not case_may_assign(user=actor, case=case):
        raise PermissionDenied(_("Only the team that leads the case can reassign it."))
    locked = case_lock(case_id=case.pk)
    _refuse_closed(locked)
    caseworker = None
    if caseworker_id is not None:
        caseworker = User.objects.filter(
            pk=caseworker_id,
            is_active=True,
            memberships__organization_id=locked.organization_id,
            memberships__role=Role.CASEWORKER,
        ).first()
        if caseworker is None:
            raise ValidationError(
                {"caseworker": _("Choose a caseworker of the team that leads the case.")}
            )
    if (caseworker.pk if caseworker else None) == locked.caseworker_id:
        raise ValidationError({"caseworker": _("The case is already assigned so.")})
    assignment = CaseAssignment(
        case=case,
        organization_id=locked.organization_id,
        caseworker=caseworker,
        assigned_by=actor,
        reason=reason.strip()[:TEXT_MAX],
    )
    assignment.save()
    Case.objects.filter(pk=case.pk).update(caseworker=caseworker, last_modified=timezone.now())
    case.caseworker = caseworker
    if caseworker is not None and caseworker.pk != actor.pk:
        notification_send(
            users=[caseworker],
            kind=NotificationKind.CASE_UPDATE,
            case_code=case.code,
            text=_("Case %(code)s was assigned to you.") % {"code": case.code},
            link=f"/casos/{case.pk}/",
        )
    return assignment


# --- transfer between organizations -------------------------------------------------


def _receiving_organization(organization_id: UUID) -> Organization:
    organization = Organization.objects.filter(pk=organization_id).first()
    has_team = Membership.objects.filter(
        organization_id=organization_id, role=Role.CASEWORKER, user__is_active=True
    ).exists()
    if organization is None or not has_team:
        raise ValidationError(
            {"to_organization": _("Choose an organization of the network with a case team.")}
        )
    return organization


TEAM_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


def _transfer_receivers(organization_id: UUID) -> list[User]:
    return _people_of(organization_id, roles=TEAM_ROLES)


def _offer(transfer: CaseTransfer) -> None:
    notification_send(
        users=_transfer_receivers(transfer.to_organization_id),
        kind=NotificationKind.REQUEST,
        case_code=transfer.case.code,
        text=_("%(organization)s asks your team to take case %(code)s.")
        % {"organization": transfer.from_organization.name, "code": transfer.case.code},
        link=f"/traspasos/{transfer.pk}/",
    )


@transaction.atomic
def case_transfer_request(
    *, actor: User, case: Case, to_organization_id: UUID, reason: str
) -> CaseTransfer:
    """The lead team asks to hand the case to another organization.

    Where the lead organization has supervisors, one of them approves before the other
    team is asked; otherwise the other team is asked at once.
    """
    case_team_require(actor=actor, case=case)
    reason = _text(reason, field="reason", missing=_("Say why the case is transferred."))
    locked = case_lock(case_id=case.pk)
    _refuse_closed(locked)
    if to_organization_id == locked.organization_id:
        raise ValidationError({"to_organization": _("The case is already led by this team.")})
    receiving = _receiving_organization(to_organization_id)
    if CaseTransfer.objects.filter(case=case, status__in=OPEN_TRANSFER_STATUSES).exists():
        raise ValidationError({"case": _("This case already has a transfer under way.")})
    supervisors = organization_supervisors(organization_id=locked.organization_id)
    transfer = CaseTransfer(
        case=locked,
        from_organization_id=locked.organization_id,
        to_organization=receiving,
        reason=reason,
        requested_by=actor,
        status=TransferStatus.AWAITING_APPROVAL if supervisors else TransferStatus.OFFERED,
    )
    transfer.full_clean()
    transfer.save()
    if supervisors:
        notification_send(
            users=supervisors,
            kind=NotificationKind.REQUEST,
            case_code=case.code,
            text=_("The transfer of case %(code)s waits for your approval.") % {"code": case.code},
            link=f"/casos/{case.pk}/equipo/",
        )
    else:
        _offer(transfer)
    return transfer


def _transfer_locked(*, transfer_id: UUID, case_id: UUID, status: str) -> CaseTransfer:
    case_lock(case_id=case_id)
    transfer = (
        CaseTransfer.objects.select_for_update(of=("self",))
        .select_related("case", "from_organization", "to_organization")
        .get(pk=transfer_id)
    )
    if transfer.status == TransferStatus.AWAITING_APPROVAL != status:
        raise ValidationError(
            {"transfer": _("This transfer still waits for the supervisor's approval.")}
        )
    if transfer.status != status:
        raise ValidationError(
            {
                "transfer": _("This transfer was already answered: %(status)s.")
                % {"status": transfer.get_status_display()}
            }
        )
    return transfer


@transaction.atomic
def case_transfer_approve(
    *, actor: User, transfer: CaseTransfer, approve: bool, note: str = ""
) -> CaseTransfer:
    """A supervisor of the lead organization lets the transfer go out, or stops it."""
    if transfer.from_organization_id not in case_supervisor_organization_ids(user=actor):
        raise PermissionDenied(_("Only a supervisor of the team that leads the case approves."))
    locked = _transfer_locked(
        transfer_id=transfer.pk, case_id=transfer.case_id, status=TransferStatus.AWAITING_APPROVAL
    )
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the transfer is stopped.")})
    now = timezone.now()
    if approve:
        locked.status, locked.approved_by, locked.approved_at = TransferStatus.OFFERED, actor, now
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        _offer(locked)
    else:
        locked.status = TransferStatus.REFUSED
        locked.answered_by, locked.answered_at, locked.answer_note = actor, now, note
        locked.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
        case_team_notify(
            case=locked.case,
            kind=NotificationKind.CASE_UPDATE,
            text=_("The transfer of case %(code)s was not approved.") % {"code": locked.case.code},
            link=f"/casos/{locked.case_id}/equipo/",
        )
    transfer.status = locked.status
    return locked


def transfer_can_answer(*, user: User, transfer: CaseTransfer) -> bool:
    """Caseworkers and supervisors of the receiving organization answer the offer."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        organization_id=transfer.to_organization_id,
        role__in=TEAM_ROLES,
    ).exists()


@transaction.atomic
def case_transfer_answer(
    *, actor: User, transfer: CaseTransfer, accept: bool, note: str = ""
) -> CaseTransfer:
    """The receiving team takes the case (it becomes its lead) or refuses, saying why."""
    if not transfer_can_answer(user=actor, transfer=transfer):
        raise PermissionDenied(_("Only the receiving team answers a transfer."))
    locked = _transfer_locked(
        transfer_id=transfer.pk, case_id=transfer.case_id, status=TransferStatus.OFFERED
    )
    note = note.strip()
    if not accept and not note:
        raise ValidationError({"note": _("Say why the transfer is refused.")})
    case = Case.objects.get(pk=locked.case_id)
    previous = case.organization_id
    locked.answered_by, locked.answered_at, locked.answer_note = actor, timezone.now(), note
    locked.status = TransferStatus.ACCEPTED if accept else TransferStatus.REFUSED
    locked.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    if accept:
        takes_it = Membership.objects.filter(
            user_id=actor.pk, organization_id=locked.to_organization_id, role=Role.CASEWORKER
        ).exists()
        caseworker = actor if takes_it else None
        # The receiving organization leads from now on; if it was a partner, its place
        # as partner ends (a lead is not its own partner).
        CasePartner.objects.filter(
            case=case, organization_id=locked.to_organization_id, ended_at__isnull=True
        ).update(ended_at=timezone.now(), ended_by=actor)
        Case.objects.filter(pk=case.pk).update(
            organization_id=locked.to_organization_id,
            caseworker=caseworker,
            last_modified=timezone.now(),
        )
        CaseAssignment.objects.create(
            case=case,
            organization_id=locked.to_organization_id,
            caseworker=caseworker,
            assigned_by=actor,
            reason=_("Transfer from %(organization)s")
            % {"organization": locked.from_organization.name},
        )
    notification_send(
        users=_people_of(previous, roles=TEAM_ROLES),
        kind=NotificationKind.CASE_UPDATE,
        case_code=case.code,
        text=(
            _("%(organization)s took case %(code)s.")
            if accept
            else _("%(organization)s refused to take case %(code)s.")
        )
        % {"organization": locked.to_organization.name, "code": case.code},
        link=f"/traspasos/{locked.pk}/",
    )
    transfer.status = locked.status
    return locked


@transaction.atomic
def case_transfer_withdraw(*, actor: User, transfer: CaseTransfer) -> CaseTransfer:
    """The lead team takes back a transfer nobody has answered yet."""
    case_team_require(actor=actor, case=transfer.case)
    case_lock(case_id=transfer.case_id)
    locked = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status not in OPEN_TRANSFER_STATUSES:
        raise ValidationError(
            {
                "transfer": _("This transfer was already answered: %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    locked.status = TransferStatus.WITHDRAWN
    locked.answered_by, locked.answered_at = actor, timezone.now()
    locked.save(update_fields=["status", "answered_by", "answered_at"])
    transfer.status = locked.status
    return locked


# --- progress reports ----------------------------------------------------------------


def case_may_report_progress(*, user: User, case: Case) -> bool:
    return case_can_work(user=user, case=case) or bool(
        case_partner_roles_for_user(user=user, case=case)
    )


@transaction.atomic
def case_progress_report(
    *, actor: User, case: Case, organization_id: UUID | None, done: str, changed: str
) -> CaseProgressReport:
    """A partner (or the lead) reports to the authority what was done and what changed."""
    if not case_may_report_progress(user=actor, case=case):
        raise PermissionDenied(_("Only the case team reports progress on the case."))
    done = _text(done, field="done", missing=_("Say what was done."))
    changed = _text(changed, field="changed", missing=_("Say what changed."))
    own = case_member_organization_ids(user=actor)
    if case_can_work(user=actor, case=case):
        own |= {case.organization_id}
    eligible = own & (
        {case.organization_id}
        | set(
            CasePartner.objects.filter(case=case, ended_at__isnull=True).values_list(
                "organization_id", flat=True
            )
        )
    )
    if organization_id is None and len(eligible) == 1:
        organization_id = next(iter(eligible))
    if organization_id not in eligible:
        raise ValidationError(
            {"organization": _("Choose the organization of the case team you report for.")}
        )
    locked = case_lock(case_id=case.pk)
    _refuse_closed(locked)
    report = CaseProgressReport(
        case=case, organization_id=organization_id, author=actor, done=done, changed=changed
    )
    report.full_clean()
    report.save()
    told = case_partner_users(case=case, roles=(PartnerRole.AUTHORITY,))
    if organization_id != case.organization_id:
        case_team_notify(
            case=case,
            kind=NotificationKind.CASE_UPDATE,
            text=_("A partner reported progress on case %(code)s.") % {"code": case.code},
            link=f"/casos/{case.pk}/equipo/",
        )
    notification_send(
        users=[user for user in told if user.pk != actor.pk],
        kind=NotificationKind.CASE_UPDATE,
        case_code=case.code,
        text=_("A partner reported progress on case %(code)s.") % {"code": case.code},
        link=f"/casos/{case.pk}/equipo/",
    )
    return report
