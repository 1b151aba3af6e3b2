"""Retention: closed cases past CASE_RETENTION_DAYS lose identity and free text, keep aggregates."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from cases.models import (
    Alert,
    AlertType,
    Case,
    CaseIdentity,
    CaseNeed,
    CaseStatus,
    Consent,
    ConsentScope,
)
from cases.retention import cases_anonymise_expired
from cases.tasks import cases_anonymise_expired_task
from directory.models import TaxonomyTerm
from gaps.network import network_facts
from matching.models import Referral, ReferralEvent, ReferralStatus
from tests.factories import OrganizationFactory, ServiceAtSiteFactory, case_of

pytestmark = pytest.mark.django_db

RETENTION_DAYS = 30
NAME = "Niña Inventada Pérez"
NOTE = "Vive con la abuela en calle Ficticia 9"


@pytest.fixture(autouse=True)
def short_retention(settings):
    settings.CASE_RETENTION_DAYS = RETENTION_DAYS


def _closed_case(caseworker, *, days_ago: float, provider_org=None) -> Case:
    """A case with identity, free text everywhere, a need and a completed referral."""
    closed_at = timezone.now() - timedelta(days=days_ago)
    case = case_of(
        caseworker,
        birth_date=date(2015, 3, 14),
        home=Point(-70.69, -33.49, srid=4326),
        admissibility_reason=NOTE,
    )
    CaseIdentity.objects.create(case=case, full_name=NAME, national_id="1-9", contact=NOTE)
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    need = CaseNeed.objects.create(case=case, term=term, note=NOTE, status="met")
    consent = Consent.objects.create(
        case=case,
        given_by="María, la madre",
        scopes=[ConsentScope.REFERRAL],
        recorded_by=caseworker,
    )
    Alert.objects.create(
        case=case,
        raised_by=caseworker,
        raised_by_organization=case.organization,
        alert_type=AlertType.NEGLECT,
        severity="high",
        note=NOTE,
        status="closed",
    )
    sas = ServiceAtSiteFactory(**({"service__organization": provider_org} if provider_org else {}))
    sent_at = closed_at - timedelta(days=20)
    referral = Referral.objects.create(
        case=case,
        need=need,
        service=sas.service,
        service_at_site=sas,
        status=ReferralStatus.COMPLETED,
        created_by=caseworker,
        shared_note=NOTE,
        consent=consent,
        consent_override_reason=NOTE,
        feedback=NOTE,
        sent_at=sent_at,
        response_due=sent_at + timedelta(days=3),
        responded_at=sent_at + timedelta(days=1),
        closed_at=closed_at,
    )
    ReferralEvent.objects.create(
        referral=referral, to_status=ReferralStatus.SENT, actor=caseworker, at=sent_at, note=NOTE
    )
    # The case lifecycle's own free text: admissibility, follow-up, notes, the closure.
    from cases.models import (
        AdmissibilityDecision,
        CaseClosure,
        CaseNote,
        FollowUp,
        RouteDecision,
    )

    RouteDecision.objects.create(
        case=case,
        route="administrative",
        best_interest=NOTE,
        child_views=NOTE,
        child_heard_by=NOTE,
        decided_by=caseworker,
    )

    AdmissibilityDecision.objects.create(
        case=case,
        outcome="not_admitted",
        reason=NOTE,
        decided_by=caseworker,
        organization=case.organization,
    )
    FollowUp.objects.create(case=case, kind="call", due_on=closed_at.date(), note=NOTE)
    CaseNote.objects.create(
        case=case, author=caseworker, organization=case.organization, text=NOTE, visibility="team"
    )
    CaseClosure.objects.create(
        case=case,
        reason="other",
        reason_text=NOTE,
        decision_note=NOTE,
        status="closed",
        requested_by=caseworker,
    )
    # The case team's free text: a reassignment, a transfer and its answer, progress.
    from cases.models import CaseAssignment, CaseProgressReport, CaseTransfer

    partner = OrganizationFactory()
    CaseAssignment.objects.create(
        case=case, organization=case.organization, assigned_by=caseworker, reason=NOTE
    )
    CaseTransfer.objects.create(
        case=case,
        from_organization=case.organization,
        to_organization=partner,
        reason=NOTE,
        answer_note=NOTE,
        status="refused",
        requested_by=caseworker,
    )
    CaseProgressReport.objects.create(
        case=case, organization=partner, author=caseworker, done=NOTE, changed=NOTE
    )
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, close_reason="plan_completed", closed_at=closed_at
    )
    case.refresh_from_db()
    return case


def test_a_case_closed_one_day_past_retention_is_anonymised(caseworker):
    case = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)

    assert cases_anonymise_expired() == 1

    case.refresh_from_db()
    assert case.anonymised_at is not None
    assert not CaseIdentity.objects.filter(case=case).exists()
    assert case.admissibility_reason == ""
    assert case.birth_date == date(2015, 7, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Equals(c.home::geometry, ST_PointOnSurface(t.geometry)),"
            " ST_Contains(t.geometry, c.home::geometry)"
            " FROM matching_case c JOIN directory_territory t ON t.id = c.territory_id"
            " WHERE c.id = %s",
            [case.pk],
        )
        assert cursor.fetchone() == (True, True)
    assert (case.home.x, case.home.y) != (-70.69, -33.49)
    referral = case.referrals.get()
    assert (referral.shared_note, referral.consent_override_reason, referral.feedback) == (
        "",
        "",
        "",
    )
    assert list(ReferralEvent.objects.filter(referral=referral).values_list("note", flat=True)) == [
        ""
    ]
    assert list(case.alerts.values_list("note", flat=True)) == [""]
    assert list(case.needs.values_list("note", flat=True)) == [""]
    assert list(case.consents.values_list("given_by", flat=True)) == [""]


def test_the_anonymised_case_leaves_no_free_text_anywhere_in_the_database(caseworker):
    case = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)
    cases_anonymise_expired()
    tables = [
        "matching_case",
        "matching_caseneed",
        "matching_consent",
        "matching_alert",
        "matching_referral",
        "matching_referralevent",
        "waitlists_waitlistevent",
        "audit_auditentry",
        "cases_admissibilitydecision",
        "cases_followup",
        "cases_casenote",
        "cases_caseclosure",
        "cases_casereopening",
        "cases_routedecision",
        "cases_caseassignment",
        "cases_casetransfer",
        "cases_caseprogressreport",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s OR t::text LIKE %s",  # noqa: S608
                [f"%{NOTE}%", "%María%"],
            )
            assert cursor.fetchone() == (0,), table
    assert case.code  # the pseudonym stays


def test_a_recently_closed_case_and_an_open_case_are_kept(caseworker):
    recent = _closed_case(caseworker, days_ago=RETENTION_DAYS - 1)
    old_but_open = case_of(caseworker, admissibility_reason=NOTE)
    Case.objects.filter(pk=old_but_open.pk).update(
        requested_at=timezone.now() - timedelta(days=10 * RETENTION_DAYS)
    )

    assert cases_anonymise_expired() == 0

    recent.refresh_from_db()
    old_but_open.refresh_from_db()
    assert recent.anonymised_at is None and old_but_open.anonymised_at is None
    assert CaseIdentity.objects.filter(case=recent).exists()
    assert old_but_open.admissibility_reason == NOTE
    # Even far in the future an open case is never anonymised.
    later = timezone.now() + timedelta(days=100 * RETENTION_DAYS)
    cases_anonymise_expired(now=later)
    old_but_open.refresh_from_db()
    assert old_but_open.anonymised_at is None


def test_running_again_changes_nothing(caseworker):
    case = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)
    cases_anonymise_expired()
    case.refresh_from_db()
    entries = AuditEntry.objects.count()

    assert cases_anonymise_expired() == 0

    again = Case.objects.get(pk=case.pk)
    assert (again.anonymised_at, again.last_modified, again.home, again.birth_date) == (
        case.anonymised_at,
        case.last_modified,
        case.home,
        case.birth_date,
    )
    assert AuditEntry.objects.count() == entries


def test_each_anonymised_case_is_audited_by_the_system_and_logged_by_count_only(caseworker, caplog):
    first = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)
    second = _closed_case(caseworker, days_ago=RETENTION_DAYS + 400)
    with caplog.at_level(logging.INFO, logger="cases.retention"):
        assert cases_anonymise_expired(batch_size=1) == 2

    entries = AuditEntry.objects.filter(action=AuditAction.ANONYMISE)
    assert {e.case_id for e in entries} == {first.pk, second.pk}
    assert all(e.user_id is None and e.username == "" for e in entries)
    assert "anonymised 2 closed cases" in caplog.text
    assert first.code not in caplog.text and second.code not in caplog.text


def test_aggregates_still_count_the_anonymised_case(caseworker, provider_org):
    case = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1, provider_org=provider_org)
    referral = case.referrals.get()
    assert referral.sent_at is not None
    cases_anonymise_expired()

    # The need, in its territory and category, as the gap inventory groups them.
    assert (
        CaseNeed.objects.filter(
            case__territory=case.territory,
            term__code="specialized.psychological_care",
            status="met",
        ).count()
        == 1
    )
    case.refresh_from_db()
    assert (case.risk_level, case.sex, case.status) == ("moderate", "female", CaseStatus.CLOSED)
    # The network indicators of the period still see the referral, completed.
    facts = network_facts(
        start=referral.sent_at - timedelta(days=1), end=referral.sent_at + timedelta(days=1)
    )
    assert len(facts["completed"]) == 1 and bool(facts["completed"][0])
    receiver = facts["organizations"][int(facts["receiver_index"][0])]
    assert receiver == provider_org.pk


def test_the_nightly_task_anonymises(caseworker):
    _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)
    assert cases_anonymise_expired_task.delay().get() == 1


def test_the_command_counts_in_a_dry_run_and_anonymises_otherwise(caseworker):
    case = _closed_case(caseworker, days_ago=RETENTION_DAYS + 1)
    out = StringIO()
    call_command("cases_anonymise", "--dry-run", stdout=out, verbosity=0)
    assert "1 closed cases are past the 30-day retention" in out.getvalue()
    assert Case.objects.get(pk=case.pk).anonymised_at is None

    out = StringIO()
    call_command("cases_anonymise", stdout=out, verbosity=0)
    assert "1 closed cases anonymised" in out.getvalue()
    assert Case.objects.get(pk=case.pk).anonymised_at is not None
