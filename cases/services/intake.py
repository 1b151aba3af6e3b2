"""Writes of the front door: reports, their decision, outreach, link requests.

A report is registered by any member organization (a provider's desk included) and
addressed to a case team; only that team turns it into a case, links it to a case it
has, or dismisses it, and each of these happens once (the report row is locked, the
second of two decisions is told the first won). Notifications name no child: a report
is announced by who received it, a link request by case codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    AlertType,
    Case,
    CaseDuplicateKey,
    CaseLinkRequest,
    FindingStatus,
    LinkRequestStatus,
    OutreachFinding,
    OutreachList,
    Report,
    ReportStatus,
)
from cases.selectors import case_team_users
from cases.selectors_intake import (
    case_team_choices,
    intake_organization_ids,
    report_can_decide,
    team_caseworkers,
)
from cases.services import case_create
from cases.services.team import case_team_require
from directory.models import AccessRoute, Organization, RiskLevel, Territory
from notifications.models import NotificationKind
from notifications.services import notification_send

# The written report (informe circunstanciado): a document, not a photo album.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Extension → the bytes such a file starts with; a renamed file of another kind is refused.
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    # Office Open XML and OpenDocument files are ZIP archives.
    "docx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
}
TEXT_MAX = 5000


class AlreadyDecided(ValidationError):
    """Someone decided first (two answers at once): a conflict, answered 409."""


def _team_notify(*, organization_id: Any, text: str, link: str) -> None:
    # A report has no case yet: its team is told through the organization directly.
    notification_send(
        users=team_caseworkers(organization_id=organization_id),
        text=text,
        kind=NotificationKind.ALERT_RAISED,
        link=link,
    )


# --- documents -----------------------------------------------------------------------


def report_document_validate(*, document: UploadedFile) -> None:
    """A PDF, image or text document of at most 10 MB whose contents match its name."""
    name = document.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_SIGNATURES:
        raise ValidationError(
            {
                "document": _("Attach a PDF, JPG, PNG, DOCX or ODT file (this one is %(ext)s).")
                % {"ext": extension or _("without extension")}
            }
        )
    if document.size is None or document.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"document": _("The document is larger than 10 MB.")})
    if document.size == 0:
        raise ValidationError({"document": _("The document is empty.")})
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    if not any(head.startswith(sign) for sign in DOCUMENT_SIGNATURES[extension]):
        raise ValidationError(
            {"document": _("The document's contents are not a %(ext)s file.") % {"ext": extension}}
        )


# --- reports -------------------------------------------------------------------------


@transaction.atomic
def report_register(
    *,
    actor: User,
    receiving_organization: Organization,
    addressed_to: Organization,
    modality: str,
    observed: str,
    concern_types: Sequence[str],
    urgency: str,
    reported_at: datetime | None = None,
    reporter_anonymous: bool = False,
    reporter_organization: Organization | None = None,
    reporter_institution: str = "",
    reporter_role: str = "",
    receiving_attends: bool = False,
    child_full_name: str = "",
    child_national_id: str = "",
    child_birth_date: date | None = None,
    child_age_years: int | None = None,
    child_sex: str = "",
    child_home: Point | None = None,
    child_description: str = "",
    document: UploadedFile | None = None,
    document_reference: str = "",
    document_date: date | None = None,
) -> Report:
    """Register a report received by one of the actor's organizations, for a case team."""
    if receiving_organization.pk not in intake_organization_ids(user=actor):
        raise PermissionDenied(_("You can only register reports in the name of your organization."))
    errors: dict[str, str] = {}
    if not case_team_choices().filter(pk=addressed_to.pk).exists():
        errors["addressed_to"] = _("Choose a case team of the network.")
    if modality not in AccessRoute.values:
        errors["modality"] = _("Choose how the child came to the network.")
    if urgency not in RiskLevel.values:
        errors["urgency"] = _("Choose the urgency.")
    if not observed.strip():
        errors["observed"] = _("Say what was observed.")
    if not concern_types or set(concern_types) - set(AlertType.values):
        errors["concern_types"] = _("Choose at least one concern type.")
    reported_at = reported_at or timezone.now()
    if reported_at > timezone.now() + timedelta(minutes=5):
        errors["reported_at"] = _("The report cannot be dated in the future.")
    if reporter_anonymous:
        # Nothing that could identify an anonymous reporter is kept, even if typed.
        reporter_organization, reporter_institution, reporter_role = None, "", ""
    elif not (reporter_organization or reporter_institution.strip() or reporter_role.strip()):
        errors["reporter_institution"] = _(
            "Say who reported (an institution or a role), or mark the report anonymous."
        )
    if child_birth_date is not None and child_birth_date > timezone.localdate():
        errors["child_birth_date"] = _("The birth date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    if document is not None:
        report_document_validate(document=document)
    report = Report(
        modality=modality,
        reporter_anonymous=reporter_anonymous,
        reporter_organization=reporter_organization,
        reporter_institution=reporter_institution.strip(),
        reporter_role=reporter_role.strip(),
        reported_at=reported_at,
        observed=observed.strip(),
        concern_types=sorted(set(concern_types)),
        urgency=urgency,
        child_full_name=child_full_name.strip(),
        child_national_id=child_national_id.strip(),
        child_birth_date=child_birth_date,
        child_age_years=child_age_years,
        child_sex=child_sex,
        child_home=child_home,
        child_description=child_description.strip(),
        receiving_organization=receiving_organization,
        received_by=actor,
        receiving_attends=receiving_attends,
        addressed_to=addressed_to,
        document_reference=document_reference.strip(),
        document_date=document_date,
    )
    report.full_clean(exclude=["document"])
    if document is not None:
        report.document.save(document.name or "document", document, save=False)
    report.save()
    _team_notify(
        organization_id=addressed_to.pk,
        text=_("New report received by %(organization)s.")
        % {"organization": receiving_organization.name},
        link=f"/ingreso/reportes/{report.pk}/",
    )
    return report


def _report_lock_undecided(*, actor: User, report: Report) -> Report:
    """The report, locked; refused unless the actor's case team may still decide on it."""
    locked = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if not report_can_decide(user=actor, report=locked):
        raise PermissionDenied(_("Only the case team the report is addressed to decides on it."))
    if locked.status != ReportStatus.RECEIVED:
        raise AlreadyDecided(
            {
                "status": _("This report was already decided: %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    return locked


def report_case_initial(*, report: Report) -> dict[str, Any]:
    """What a new case takes from the report: the new-case form starts from this."""
    initial: dict[str, Any] = {
        "organization": report.addressed_to_id,
        "risk_level": report.urgency,
        "access_route": report.modality,
        "full_name": report.child_full_name,
        "national_id": report.child_national_id,
    }
    if report.child_birth_date:
        initial["birth_date"] = report.child_birth_date
    if report.child_sex:
        initial["sex"] = report.child_sex
    if report.child_home is not None:
        initial["latitude"] = report.child_home.y
        initial["longitude"] = report.child_home.x
    return initial


@transaction.atomic
def report_convert(*, actor: User, report: Report, **case_fields: Any) -> Case:
    """Open a case from the report: the case counts its waiting from the report's time.

    ``case_fields`` are ``case_create``'s (organization, requested_at and access route
    come from the report).
    """
    locked = _report_lock_undecided(actor=actor, report=report)
    case_fields.pop("organization", None)
    case_fields.pop("requested_at", None)
    case_fields.setdefault("access_route", locked.modality)
    case = case_create(
        actor=actor,
        organization=locked.addressed_to,
        requested_at=locked.reported_at,
        **case_fields,
    )
    _report_decide(actor=actor, report=locked, status=ReportStatus.CONVERTED, case=case)
    report.refresh_from_db()
    return case


@transaction.atomic
def report_link(*, actor: User, report: Report, case: Case) -> Report:
    """Attach the report to a case the team already has (the same child, reported again)."""
    locked = _report_lock_undecided(actor=actor, report=report)
    if case.organization_id != locked.addressed_to_id:
        raise ValidationError({"case": _("Choose a case of the team the report is addressed to.")})
    case_team_require(actor=actor, case=case)
    _report_decide(actor=actor, report=locked, status=ReportStatus.LINKED, case=case)
    return locked


@transaction.atomic
def report_dismiss(*, actor: User, report: Report, reason: str) -> Report:
    if not reason.strip():
        raise ValidationError({"dismissal_reason": _("Say why the report is dismissed.")})
    locked = _report_lock_undecided(actor=actor, report=report)
    locked.dismissal_reason = reason.strip()[:TEXT_MAX]
    _report_decide(actor=actor, report=locked, status=ReportStatus.DISMISSED, case=None)
    return locked


def _report_decide(*, actor: User, report: Report, status: str, case: Case | None) -> None:
    report.status = status
    report.case = case
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "case", "decided_by", "decided_at", "dismissal_reason"])


def reports_anonymise(*, reports: QuerySet[Report], now: datetime) -> int:
    """Blank every free text of these reports and their findings; delete their documents."""
    for path in reports.exclude(document="").values_list("document", flat=True):
        Report.document.field.storage.delete(path)
    OutreachFinding.objects.filter(report__in=reports).update(
        description="", place="", dismissal_reason=""
    )
    return reports.update(
        reporter_institution="",
        reporter_role="",
        observed="",
        child_full_name="",
        child_national_id="",
        child_birth_date=None,
        child_home=None,
        child_description="",
        dismissal_reason="",
        document="",
        document_reference="",
        anonymised_at=now,
    )


def reports_anonymise_expired(*, now: datetime, retention_days: int) -> int:
    """Dismissed reports (no case to retain them) past retention, and dismissed findings."""
    cutoff = now - timedelta(days=retention_days)
    OutreachFinding.objects.filter(
        status=FindingStatus.DISMISSED, decided_at__lt=cutoff, report__isnull=True
    ).exclude(description="").update(description="", place="", dismissal_reason="")
    return reports_anonymise(
        reports=Report.objects.filter(
            status=ReportStatus.DISMISSED, decided_at__lt=cutoff, anonymised_at__isnull=True
        ),
        now=now,
    )


# --- outreach ------------------------------------------------------------------------


def _outreach_member_require(*, actor: User, organization_id: Any) -> None:
    if organization_id not in intake_organization_ids(user=actor):
        raise PermissionDenied(_("Only members of the organization keep its outreach lists."))


@transaction.atomic
def outreach_list_create(
    *,
    actor: User,
    organization: Organization,
    territory: Territory,
    title: str,
    carried_out_on: date | None = None,
) -> OutreachList:
    _outreach_member_require(actor=actor, organization_id=organization.pk)
    outreach = OutreachList(
        organization=organization,
        territory=territory,
        title=title.strip(),
        carried_out_on=carried_out_on or timezone.localdate(),
        created_by=actor,
    )
    outreach.full_clean()
    outreach.save()
    return outreach


@transaction.atomic
def outreach_finding_add(
    *,
    actor: User,
    outreach: OutreachList,
    description: str,
    approximate_age: int | None = None,
    place: str = "",
) -> OutreachFinding:
    _outreach_member_require(actor=actor, organization_id=outreach.organization_id)
    if approximate_age is not None and approximate_age >= 18:
        raise ValidationError(
            {"approximate_age": _("Puente follows children and adolescents under 18.")}
        )
    finding = OutreachFinding(
        outreach_list=outreach,
        description=description.strip(),
        approximate_age=approximate_age,
        place=place.strip(),
    )
    finding.full_clean()
    finding.save()
    return finding


def _finding_lock_pending(*, actor: User, finding: OutreachFinding) -> OutreachFinding:
    locked = (
        OutreachFinding.objects.select_for_update(of=("self",))
        .select_related("outreach_list")
        .get(pk=finding.pk)
    )
    _outreach_member_require(actor=actor, organization_id=locked.outreach_list.organization_id)
    if locked.status != FindingStatus.PENDING:
        raise AlreadyDecided(
            {
                "status": _("This finding was already decided: %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    return locked


@transaction.atomic
def outreach_finding_convert(
    *,
    actor: User,
    finding: OutreachFinding,
    addressed_to: Organization,
    urgency: str,
    concern_types: Sequence[str],
    observed: str = "",
    child_sex: str = "",
    child_home: Point | None = None,
) -> Report:
    """Turn a finding into an intake: a report (outreach) addressed to a case team."""
    locked = _finding_lock_pending(actor=actor, finding=finding)
    outreach = locked.outreach_list
    place = _("Place: %(place)s") % {"place": locked.place} if locked.place else ""
    report = report_register(
        actor=actor,
        receiving_organization=outreach.organization,
        addressed_to=addressed_to,
        modality=AccessRoute.OUTREACH,
        observed=observed or locked.description,
        concern_types=concern_types,
        urgency=urgency,
        reporter_organization=outreach.organization,
        reporter_role=_("Outreach: %(title)s") % {"title": outreach.title},
        child_age_years=locked.approximate_age,
        child_sex=child_sex,
        child_home=child_home,
        child_description="\n".join(part for part in (locked.description, place) if part),
    )
    locked.status = FindingStatus.CONVERTED
    locked.report = report
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "report", "decided_by", "decided_at"])
    return report


@transaction.atomic
def outreach_finding_dismiss(
    *, actor: User, finding: OutreachFinding, reason: str
) -> OutreachFinding:
    if not reason.strip():
        raise ValidationError({"dismissal_reason": _("Say why the finding is dismissed.")})
    locked = _finding_lock_pending(actor=actor, finding=finding)
    locked.status = FindingStatus.DISMISSED
    locked.dismissal_reason = reason.strip()[:TEXT_MAX]
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "dismissal_reason", "decided_by", "decided_at"])
    return locked


# --- link requests -------------------------------------------------------------------


@transaction.atomic
def case_link_request(*, actor: User, case: Case, organization: Organization) -> CaseLinkRequest:
    """Ask ``organization`` to link its possible duplicate of ``case``.

    The requester names the other team only (what the duplicate check showed); the
    other case is found here, by the key, and its code is not told to the requester.
    """
    case_team_require(actor=actor, case=case)
    if organization.pk == case.organization_id:
        raise ValidationError(
            {"organization": _("Both cases are your team's: compare them on their pages.")}
        )
    key = CaseDuplicateKey.objects.filter(case=case).values_list("key", flat=True).first()
    other = (
        Case.objects.filter(duplicate_key__key=key, organization=organization)
        .exclude(pk=case.pk)
        .order_by("created")
        .first()
        if key
        else None
    )
    if other is None:
        raise ValidationError(
            {"organization": _("That team has no possible duplicate of this case.")}
        )
    already = CaseLinkRequest.objects.filter(
        Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case),
        status__in=[LinkRequestStatus.REQUESTED, LinkRequestStatus.ACCEPTED],
    ).exists()
    if already:
        raise ValidationError(
            {"organization": _("These cases are already linked, or asked to be.")}
        )
    link = CaseLinkRequest.objects.create(from_case=case, to_case=other, requested_by=actor)
    notification_send(
        users=case_team_users(case=other),
        kind=NotificationKind.REQUEST,
        case_code=other.code,
        text=_(
            "%(team)s asks to link one of its cases with your case %(code)s: they may be "
            "the same child."
        )
        % {"team": case.organization.name, "code": other.code},
        link="/ingreso/vinculos/",
    )
    return link


@transaction.atomic
def case_link_answer(
    *, actor: User, link_request: CaseLinkRequest, accept: bool
) -> CaseLinkRequest:
    """Accept or refuse a link request, once: of two answers at once, the second is told."""
    locked = (
        CaseLinkRequest.objects.select_for_update(of=("self",))
        .select_related("from_case__organization", "to_case__organization")
        .get(pk=link_request.pk)
    )
    case_team_require(actor=actor, case=locked.to_case)
    if locked.status != LinkRequestStatus.REQUESTED:
        raise AlreadyDecided(
            {
                "status": _("This request was already answered: %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    locked.status = LinkRequestStatus.ACCEPTED if accept else LinkRequestStatus.REFUSED
    locked.answered_by = actor
    locked.answered_at = timezone.now()
    locked.save(update_fields=["status", "answered_by", "answered_at"])
    if accept:
        text = _("%(team)s accepted to link your case %(code)s with its case %(other)s.") % {
            "team": locked.to_case.organization.name,
            "code": locked.from_case.code,
            "other": locked.to_case.code,
        }
    else:
        text = _("%(team)s refused to link your case %(code)s.") % {
            "team": locked.to_case.organization.name,
            "code": locked.from_case.code,
        }
    notification_send(
        users=case_team_users(case=locked.from_case),
        kind=NotificationKind.CASE_UPDATE,
        case_code=locked.from_case.code,
        text=text,
        link=f"/ingreso/casos/{locked.from_case_id}/vinculos/",
    )
    return locked
