from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from accounts.models import Role, User
from cases.demo.network import NETWORK_USERNAME
from cases.models import (
    Alert,
    Case,
    CaseClosure,
    CaseDuplicateKey,
    CaseIdentity,
    CaseNeed,
    CaseNote,
    CasePartner,
    CasePlan,
    CaseReopening,
    CaseStatus,
    Consent,
    FollowUp,
    Report,
)
from cases.selectors import case_list_for_user, case_list_multiple_alerts
from cases.selectors_intake import duplicate_key_compute
from demo.bulk import cases_bulk_generate
from demo.cases import demo_cases_load
from directory.demo import demo_municipality_generate
from directory.models import (
    Organization,
    Territory,
    TerritoryLevel,
)
from directory.selectors import territory_for_point
from matching.models import Referral, ReferralEvent, ReferralStatus
from matching.selectors import policy_current, referral_list_for_provider, referral_list_overdue
from matching.services import priority_recompute
from notifications.models import Notification
from tests.factories import user_with_role
from waitlists.models import Enrolment, SlotOffer, WaitlistEntry, WaitlistEvent

pytestmark = pytest.mark.django_db

SMALL = {"services": 40, "cases": 30, "seed": 3}


def load(**options) -> str:
    out = StringIO()
    call_command("demo_municipality", **{**SMALL, **options}, verbosity=0, stdout=out)
    return out.getvalue()


def demo_cases():
    """The demo caseworkers' cases: not the rest of the network's (``demo.history``)."""
    return Case.objects.exclude(caseworker__username=NETWORK_USERNAME)


def snapshot() -> list[tuple]:
    """What a seed decides, without the random UUIDs: per case, its facts and history."""
    return sorted(
        (
            c.code,
            c.status,
            c.risk_level,
            c.sex,
            c.birth_date.isoformat(),
            c.territory.code,
            tuple(sorted(c.needs.values_list("term__code", flat=True))),
            tuple(sorted(c.referrals.values_list("status", "service__name"))),
            c.alerts.count(),
        )
        for c in demo_cases().select_related("territory")
    )


def wipe_cases() -> None:
    """Remove what the case generator made, keeping the map and the users."""
    SlotOffer.objects.all().delete()
    WaitlistEvent.objects.all().delete()
    WaitlistEntry.objects.all().delete()
    Enrolment.objects.all().delete()
    ReferralEvent.objects.all().delete()
    Referral.objects.all().delete()
    Consent.objects.all().delete()
    Alert.objects.all().delete()
    # The integrated plan's goals hold on to their needs (demo.stages writes a plan).
    CasePlan.objects.all().delete()
    CaseNeed.objects.all().delete()
    # What the stages added (demo.stages): reopenings protect their closures, reports
    # their cases.
    CaseReopening.objects.all().delete()
    CaseClosure.objects.all().delete()
    Report.objects.all().delete()
    Case.objects.all().delete()
    Notification.objects.all().delete()


def test_the_demo_shows_every_referral_status_alert_and_priority_to_the_right_people():
    out = load()
    assert "Demo cases: 30 cases" in out
    assert demo_cases().count() == 30
    # The rest of the network's year is there too, in other teams (demo/tests/test_demo_history).
    assert Case.objects.count() > 30

    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    # Made through the services: every referral has its event log, first step a draft.
    assert not Referral.objects.annotate(n=Count("events")).filter(n=0).exists()
    assert not ReferralEvent.objects.filter(from_status="").exclude(to_status="draft").exists()
    # Completed ones carry the provider's feedback, rejected ones their reason.
    assert not Referral.objects.filter(status=ReferralStatus.COMPLETED, feedback="").exists()
    assert not Referral.objects.filter(status=ReferralStatus.REJECTED, rejection_reason="").exists()

    assert referral_list_overdue().exists()
    assert case_list_multiple_alerts().exists()

    # Every case was scored, and open ones by the policy in force.
    assert not Case.objects.filter(priority_policy__isnull=True).exists()
    current = policy_current()
    for case in Case.objects.filter(status=CaseStatus.OPEN):
        assert case.priority_policy_id == current.pk
        assert case.priority_components

    # Homes lie in the territory the case was given, and children are children: the
    # demo's cases and a sample of the network's (the check is a query per case).
    network = Case.objects.filter(caseworker__username=NETWORK_USERNAME).order_by("code")[:150]
    for case in [*demo_cases().select_related("territory"), *network.select_related("territory")]:
        assert territory_for_point(point=case.home) == case.territory
        assert 0 <= case.age_years() <= 17

    # Two teams, each caseworker seeing only their own team's cases.
    gestora = User.objects.get(username="gestora")
    gestor = User.objects.get(username="gestor")
    first = set(case_list_for_user(user=gestora).values_list("pk", flat=True))
    second = set(case_list_for_user(user=gestor).values_list("pk", flat=True))
    assert len(first) == 23 and len(second) == 7
    assert not first & second
    assert demo_cases().values("organization_id").distinct().count() == 2
    elsewhere = Organization.objects.exclude(pk__in=Case.objects.values("organization_id"))
    stranger = user_with_role(Role.CASEWORKER, organization=elsewhere.order_by("name").first())
    assert not case_list_for_user(user=stranger).exists()

    # The demo provider has referrals to answer and answered ones to follow.
    prestador = User.objects.get(username="prestador")
    seen = set(referral_list_for_provider(user=prestador).values_list("status", flat=True))
    assert {ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, ReferralStatus.REJECTED} <= seen


def test_the_same_seed_gives_the_same_cases():
    # The map's own determinism is directory's test; here, the cases on one map (the
    # network's history is demo/tests/test_demo_history's).
    load(history_days=0)
    first = snapshot()
    assert len(first) == 30
    wipe_cases()
    demo_cases_load(count=30, seed=3)
    assert snapshot() == first
    wipe_cases()
    demo_cases_load(count=30, seed=4)
    assert snapshot() != first


def test_without_the_demo_users_there_are_no_cases_and_if_empty_keeps_data():
    out = load(no_users=True)
    assert not Case.objects.exists()
    assert "No demo cases" in out
    out = load(if_empty=True)
    assert "demo not loaded" in out
    assert not Case.objects.exists()


def schema() -> set[tuple[str, str]]:
    """Every index and constraint of the matching and cases tables, with its definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename LIKE 'matching_%%' OR tablename LIKE 'cases_%%' "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text LIKE 'matching_%%' "
            "OR conrelid::regclass::text LIKE 'cases_%%'"
        )
        return set(cursor.fetchall())


def test_bulk_generation_puts_every_home_in_its_territory_with_needs_alerts_and_history():
    demo_municipality_generate(seed=5, services=60, territories=8, with_users=False)
    before = schema()
    inserted = cases_bulk_generate(count=3000, seed=5, referrals=900)
    # The indexes and foreign keys dropped for the load are all back, unchanged.
    assert schema() == before
    assert inserted == Case.objects.count() == 3000
    assert priority_recompute() == Case.objects.filter(status=CaseStatus.OPEN).count()

    leaves = Territory.objects.filter(level=TerritoryLevel.SECTOR)
    # Sampled: the check is one query per case.
    for case in Case.objects.order_by("code")[:200]:
        assert leaves.filter(pk=case.territory_id, geometry__intersects=case.home).exists()
        assert 0 <= case.age_years() <= 17
    counts = Case.objects.annotate(n=Count("needs")).values_list("n", flat=True)
    assert min(counts) >= 1 and max(counts) <= 3
    assert len(set(Case.objects.values_list("code", flat=True))) == 3000
    assert Alert.objects.exists()
    assert Case.objects.filter(multiple_alerts=True).exists()

    referrals = Referral.objects.all()
    assert 0.9 * 900 <= referrals.count() <= 900
    assert set(referrals.values_list("status", flat=True)) >= {
        ReferralStatus.COMPLETED,
        ReferralStatus.REJECTED,
        ReferralStatus.NO_SHOW,
        ReferralStatus.IN_SERVICE,
    }
    # Each referral is for one of its case's needs, to a service offering it.
    for referral in referrals.select_related("need__term", "service")[:200]:
        assert referral.need.case_id == referral.case_id
        assert referral.need.term.code in referral.service.category_codes
    # Time runs forward: sent, then answered, then closed.
    assert not referrals.filter(responded_at__lt=F("sent_at")).exists()
    assert not referrals.filter(closed_at__lt=F("sent_at")).exists()

    # The casework around them: a report per case, as it was asked for, some received
    # at another desk than the lead team's.
    reports = Report.objects.all()
    assert reports.count() == 3000
    assert not reports.exclude(reported_at=F("case__requested_at")).exists()
    assert not reports.exclude(modality=F("case__access_route")).exists()
    assert not reports.exclude(addressed_to=F("case__organization")).exists()
    assert reports.exclude(receiving_organization=F("addressed_to")).exists()
    # Identities for most cases, each with the key the app computes for it.
    identities = CaseIdentity.objects.select_related("case")
    assert 0.7 * 3000 <= identities.count() <= 0.9 * 3000
    assert CaseDuplicateKey.objects.count() == identities.count()
    for identity in identities[:50]:
        assert identity.case.duplicate_key.key == duplicate_key_compute(
            full_name=identity.full_name,
            national_id=identity.national_id,
            birth_date=identity.case.birth_date,
            sex=identity.case.sex,
            territory_id=identity.case.territory_id,
        )
    # Follow-ups: on closed cases all made, with a result; on open ones some planned.
    follow_ups = FollowUp.objects.all()
    assert follow_ups.filter(case__status=CaseStatus.CLOSED).exists()
    assert not follow_ups.filter(case__status=CaseStatus.CLOSED, done_on__isnull=True).exists()
    assert follow_ups.filter(case__status=CaseStatus.OPEN, done_on__isnull=True).exists()
    assert not follow_ups.filter(done_on__isnull=False, result="").exists()
    assert not follow_ups.filter(done_on__lt=F("due_on")).exists()
    assert 1.5 * 3000 <= CaseNote.objects.count() <= 2.5 * 3000
    assert not CaseNote.objects.filter(written_at__lt=F("case__requested_at")).exists()
    partners = CasePartner.objects.all()
    assert 0.2 * 3000 <= partners.count() <= 0.45 * 3000
    assert not partners.filter(organization=F("case__organization")).exists()
