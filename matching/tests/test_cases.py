from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from cases.models import Case, CaseIdentity, CaseStatus
from cases.selectors import case_get_for_user, case_list_for_user
from cases.services import case_close, case_create, case_update
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import PriorityPolicy
from matching.selectors import case_priority_explain
from matching.services import policy_publish, priority_recompute
from tests.factories import TerritoryFactory, case_of, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    return TerritoryFactory()


def _create(caseworker, **kwargs):
    values = dict(
        actor=caseworker,
        organization=caseworker.memberships.get().organization,
        birth_date=date.today() - timedelta(days=7 * 365),
        sex="male",
        home=Point(-70.6, -33.45, srid=4326),
        risk_level=RiskLevel.HIGH,
        access_route="referral",
    )
    values.update(kwargs)
    return case_create(**values)


def test_a_new_case_gets_a_code_its_territory_and_a_score_naming_the_policy(caseworker, territory):
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    case = _create(caseworker, needs=[term], full_name="Niño Inventado")
    assert case.code.startswith("C-")
    assert case.territory == territory
    assert case.priority_score >= 2000
    assert case.priority_policy.version == PriorityPolicy.objects.order_by("-version")[0].version
    assert [n.term for n in case.needs.all()] == [term]
    # The name lives apart from the matching tables.
    assert CaseIdentity.objects.get(case=case).full_name == "Niño Inventado"
    assert "Inventado" not in str(Case.objects.filter(pk=case.pk).values().get())


def test_a_case_outside_every_territory_is_refused_naming_the_home_field(caseworker, territory):
    with pytest.raises(ValidationError) as error:
        _create(caseworker, home=Point(10.0, 10.0, srid=4326))
    assert "home" in error.value.message_dict


def test_an_adult_is_refused_naming_the_birth_date(caseworker, territory):
    with pytest.raises(ValidationError) as error:
        _create(caseworker, birth_date=date(1990, 1, 1))
    assert "birth_date" in error.value.message_dict


def test_another_organizations_caseworker_cannot_see_or_change_the_case(
    caseworker, territory, other_org
):
    case = case_of(caseworker)
    stranger = user_with_role(Role.CASEWORKER, organization=other_org)
    assert case_get_for_user(user=stranger, case_id=case.pk) is None
    assert not case_list_for_user(user=stranger).exists()
    with pytest.raises(PermissionDenied):
        case_update(actor=stranger, case=case, risk_level=RiskLevel.LOW)
    with pytest.raises(PermissionDenied):
        case_close(actor=stranger, case=case, reason="moved_away")


def test_coordinators_and_providers_do_not_read_case_files(caseworker, coordinator, provider):
    case = case_of(caseworker)
    for user in (coordinator, provider):
        assert case_get_for_user(user=user, case_id=case.pk) is None


def test_raising_the_risk_rescores_the_case_at_once(caseworker, territory):
    case = case_of(caseworker, risk_level=RiskLevel.LOW)
    before = case.priority_score
    case_update(actor=caseworker, case=case, risk_level=RiskLevel.VERY_HIGH)
    case.refresh_from_db()
    assert case.priority_score >= before + 3000
    sentences = [c.sentence for c in case_priority_explain(case=case)]
    assert any("muy alto" in s.lower() for s in sentences)


def test_closing_needs_a_reason_and_withdraws_open_referrals(caseworker, territory):
    case = case_of(caseworker)
    with pytest.raises(ValidationError):
        case_close(actor=caseworker, case=case, reason="")
    case_close(actor=caseworker, case=case, reason="moved_away")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None


def test_nightly_recompute_adds_waiting_time_and_touches_only_what_changed(caseworker, territory):
    case = case_of(caseworker, requested_at=timezone.now())
    before = case.priority_score
    later = timezone.now() + timedelta(weeks=5)
    assert priority_recompute(now=later) >= 1
    case.refresh_from_db()
    assert case.priority_score == before + 5 * 8
    assert case.priority_components["waiting"] == [40, 5]


def test_only_coordinators_publish_a_new_policy_version_and_old_scores_name_the_old_one(
    caseworker, coordinator, territory, django_capture_on_commit_callbacks
):
    case = case_of(caseworker)
    old = case.priority_policy
    with pytest.raises(PermissionDenied):
        policy_publish(actor=caseworker, change_note="no", waiting_points_per_week=20)
    with django_capture_on_commit_callbacks(execute=True):
        new = policy_publish(
            actor=coordinator, change_note="Más peso a la espera", waiting_points_per_week=20
        )
    assert new.version == old.version + 1
    assert PriorityPolicy.objects.get(pk=old.pk).waiting_points_per_week == 8  # unchanged
    case.refresh_from_db()  # the recompute task ran eagerly on commit
    assert case.priority_policy == new


def test_a_policy_change_that_breaks_dominance_is_refused_with_the_field_named(coordinator):
    with pytest.raises(ValidationError) as error:
        policy_publish(actor=coordinator, change_note="x", alert_cap=5000)
    assert "band_points" in error.value.message_dict
