"""Writes of the case file: cases, admissibility, needs, consents, alerts (closing: ``closure``).

What the apps above must do when a case changes (rescoring, withdrawing referrals) is
not called from here: it is connected to the signals of ``cases.signals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    RISK_BANDS,
    Admissibility,
    Alert,
    AlertKind,
    AlertStatus,
    Case,
    CaseDuplicateKey,
    CaseIdentity,
    CaseNeed,
    CaseStatus,
    Consent,
    NeedStatus,
    Report,
    ReportStatus,
)
from cases.selectors import alert_organization_ids
from cases.selectors_intake import duplicate_key_compute
from cases.services.admissibility import case_admissibility_decide as case_admissibility_decide
from cases.services.closure import case_close as case_close
from cases.services.closure import case_reopen_by_alert
from cases.services.team import case_lock, case_team_notify, case_team_require
from cases.signals import case_changed
from directory.models import AccessRoute, Organization, RiskLevel, TaxonomyTerm
from notifications.models import NotificationKind
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

# --- cases -------------------------------------------------------------------------

CASE_FIELDS = {
    "birth_date",
    "sex",
    "home",
    "risk_level",
    "urgent_safety",
    "vulnerability_factors",
    "has_judicial_order",
    "access_route",
    "caseworker",
}


@transaction.atomic
def case_create(
    *,
    actor: User,
    organization: Organization,
    birth_date: date,
    sex: str,
    home: Point,
    risk_level: str,
    access_route: str,
    needs: Sequence[TaxonomyTerm] = (),
    urgent_safety: bool = False,
    vulnerability_factors: Sequence[str] = (),
    has_judicial_order: bool = False,
    requested_at: datetime | None = None,
    full_name: str = "",
    national_id: str = "",
) -> Case:
    case = Case(
        organization=organization,
        caseworker=actor,
        birth_date=birth_date,
        sex=sex,
        home=home,
        risk_level=risk_level,
        access_route=access_route,
        urgent_safety=urgent_safety,
        vulnerability_factors=list(vulnerability_factors),
        has_judicial_order=has_judicial_order,
        requested_at=requested_at or timezone.now(),
    )
    case_team_require(actor=actor, case=case)
    case.full_clean(exclude=["territory"])
    case.save()
    for term in needs:
        CaseNeed.objects.create(case=case, term=term)
    if full_name:
        CaseIdentity.objects.create(case=case, full_name=full_name, national_id=national_id)
        # The duplicate check's keyed hash, so later registrations find this case.
        _duplicate_key_store(case=case)
    case_changed.send(sender=Case, case=case)
    return case


# The fields of the case (not of its identity) that the duplicate key hashes; the
# territory follows the home.
_DUPLICATE_KEY_FIELDS = frozenset({"birth_date", "sex", "home"})


def _duplicate_key_store(*, case: Case) -> None:
    """Keep the case's keyed hash equal to what a new registration of the child computes.

    A corrected birth date or a move to another territory changes the key: a stale one
    would hide a real duplicate from the next team and flag a child who is not one.
    """
    identity = CaseIdentity.objects.filter(case=case).first()
    key = (
        duplicate_key_compute(
            full_name=identity.full_name,
            national_id=identity.national_id,
            birth_date=case.birth_date,
            sex=case.sex,
            territory_id=case.territory_id,
        )
        if identity is not None
        else None
    )
    if key:
        CaseDuplicateKey.objects.update_or_create(case=case, defaults={"key": key})
    else:
        CaseDuplicateKey.objects.filter(case=case).delete()


@transaction.atomic
def case_update(*, actor: User, case: Case, **fields: Any) -> Case:
    case_team_require(actor=actor, case=case)
    unknown = set(fields) - CASE_FIELDS
    if unknown:
        raise ValueError(f"Not editable through case_update: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean(exclude=["territory"])
    case.save()
    if _DUPLICATE_KEY_FIELDS & set(fields):
        _duplicate_key_store(case=case)
    case_changed.send(sender=Case, case=case)
    return case


@transaction.atomic
def case_need_add(*, actor: User, case: Case, term: TaxonomyTerm, note: str = "") -> CaseNeed:
    case_team_require(actor=actor, case=case)
    need, created = CaseNeed.objects.get_or_create(case=case, term=term, defaults={"note": note})
    if not created and need.status in (NeedStatus.MET, NeedStatus.DROPPED):
        need.status = NeedStatus.OPEN
        need.save(update_fields=["status"])
    return need


@transaction.atomic
def case_need_set_status(*, actor: User, need: CaseNeed, status: str) -> CaseNeed:
    case_team_require(actor=actor, case=need.case)
    need.status = status
    need.full_clean()
    need.save(update_fields=["status"])
    return need


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    given_by: str,
    scopes: Sequence[str],
    given_at: datetime | None = None,
) -> Consent:
    case_team_require(actor=actor, case=case)
    consent = Consent(
        case=case,
        given_by=given_by,
        scopes=list(scopes),
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    case_team_require(actor=actor, case=consent.case)
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    return consent


# --- alerts --------------------------------------------------------------------------


def alert_kinds(
    *,
    case: Case,
    organization: Organization,
    alert_type: str,
    severity: str,
    started_intake: bool,
) -> list[str]:
    """Simultaneous, successive, complex (seeds/003): what a new alert is, as it arrives.

    Read before the alert is saved and before it reopens a closed case: "successive"
    is about the case as the alert found it.
    """
    kinds: list[str] = []
    earlier = Alert.objects.filter(case=case)
    if not started_intake:
        since = timezone.now() - timedelta(days=settings.ALERT_SIMULTANEOUS_DAYS)
        others = (
            earlier.filter(created__gte=since).exclude(raised_by_organization=organization).exists()
        )
        if others:
            kinds.append(AlertKind.SIMULTANEOUS)
        if (
            case.status == CaseStatus.CLOSED
            or case.closed_at is not None
            or earlier.filter(status=AlertStatus.CLOSED).exists()
            or case.reopenings.exists()
        ):
            kinds.append(AlertKind.SUCCESSIVE)
    concerns = set(
        earlier.exclude(status=AlertStatus.CLOSED).values_list("alert_type", flat=True)
    ) | {alert_type}
    if len(concerns) > 1 or severity == RiskLevel.VERY_HIGH:
        kinds.append(AlertKind.COMPLEX)
    return kinds


@transaction.atomic
def alert_raise(
    *,
    actor: User,
    organization: Organization,
    alert_type: str,
    severity: str,
    note: str = "",
    case: Case | None = None,
    intake_organization: Organization | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
    home: Point | None = None,
) -> Alert:
    """Raise an alert about a child; without a case, it starts an intake.

    Any member of the network may raise one, in the name of an organization they
    belong to. They need not (and usually may not) see the case: they learn only
    that the alert reached the case team. An alert on a closed case is accepted,
    attached to it, and opens it again (a successive alert).
    """
    if organization.pk not in alert_organization_ids(user=actor):
        raise PermissionDenied(_("You can only raise alerts in the name of your organization."))
    started_intake = False
    if case is None:
        missing = {
            name: _("This field is required to start an intake.")
            for name, value in {
                "intake_organization": intake_organization,
                "birth_date": birth_date,
                "sex": sex,
                "home": home,
            }.items()
            if not value
        }
        if missing:
            raise ValidationError(missing)
        assert intake_organization and birth_date and sex and home  # for the type checker
        case = Case(
            organization=intake_organization,
            birth_date=birth_date,
            sex=sex,
            home=home,
            risk_level=severity,
            access_route="referral",
            admissibility=Admissibility.PENDING,
        )
        case.full_clean(exclude=["territory"])
        case.save()
        started_intake = True
        # The intake's report: a referral from the raising institution, already a case.
        Report.objects.create(
            modality=AccessRoute.REFERRAL,
            reporter_organization=organization,
            reporter_institution=organization.name,
            reported_at=case.requested_at,
            observed=note,
            concern_types=[alert_type],
            urgency=severity,
            child_birth_date=birth_date,
            child_sex=sex,
            child_home=home,
            receiving_organization=organization,
            received_by=actor,
            addressed_to=intake_organization,
            status=ReportStatus.CONVERTED,
            case=case,
            decided_at=case.requested_at,
        )
    else:
        # Locked: an alert arriving while the team closes the case reopens what closed.
        case = case_lock(case_id=case.pk)
    alert = Alert(
        case=case,
        raised_by=actor,
        raised_by_organization=organization,
        alert_type=alert_type,
        severity=severity,
        note=note,
        started_intake=started_intake,
        kinds=alert_kinds(
            case=case,
            organization=organization,
            alert_type=alert_type,
            severity=severity,
            started_intake=started_intake,
        ),
    )
    alert.full_clean()
    alert.save()
    reopened = case_reopen_by_alert(actor=actor, case=case, alert=alert)
    # An alert can only raise a case's risk: the team lowers it after assessing.
    if RISK_BANDS.index(severity) > RISK_BANDS.index(case.risk_level):
        case.risk_level = severity
        case.save(update_fields=["risk_level", "last_modified"])
    case_changed.send(sender=Case, case=case)
    if started_intake:
        text = _("New intake %(code)s from an alert.") % {"code": case.code}
    elif reopened:
        text = _("Case %(code)s was closed and is open again: a new alert.") % {"code": case.code}
    else:
        text = _("New alert on case %(code)s.") % {"code": case.code}
    case_team_notify(case=case, text=text, kind=NotificationKind.ALERT_RAISED)
    webhook_event_emit(
        event=WebhookEvent.ALERT_RAISED,
        organization_ids=[case.organization_id],
        data={
            "alert_id": alert.pk,
            "case_code": case.code,
            "alert_type": alert.alert_type,
            "severity": alert.severity,
            "kinds": list(alert.kinds),
            "started_intake": started_intake,
            "reopened": bool(reopened),
        },
        link=f"/casos/{case.pk}/",
        case_id=case.pk,
    )
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert, close: bool = False) -> Alert:
    case_team_require(actor=actor, case=alert.case)
    alert.status = AlertStatus.CLOSED if close else AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = alert.acknowledged_at or timezone.now()
    alert.acknowledged_by = alert.acknowledged_by or actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    case_changed.send(sender=Case, case=alert.case)
    return alert
