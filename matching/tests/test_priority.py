"""The unified priority: dominance, monotonicity, ties and determinism, proved by hypothesis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.models import PriorityPolicy
from matching.priority import PriorityInputs, priority_compute, priority_explain, priority_sort_key

POLICY = PriorityPolicy(version=1)  # the defaults, unsaved: scoring reads no database

cases = st.fixed_dictionaries(
    {
        "urgent": st.booleans(),
        "band": st.integers(0, 3),
        "overdue_days": st.floats(0, 400, allow_nan=False),
        "waiting_days": st.floats(0, 3000, allow_nan=False),
        "age_years": st.integers(0, 17),
        "active_alerts": st.integers(0, 20),
        "vulnerability_count": st.integers(0, 9),
    }
)


def score(**case) -> int:
    return int(priority_compute(inputs=PriorityInputs.single(**case), policy=POLICY).score[0])


@given(case=cases, other=cases)
@settings(max_examples=300, deadline=None)
def test_a_higher_risk_band_never_lowers_priority_whatever_else_differs(case, other):
    if case["urgent"] != other["urgent"]:
        return
    if case["band"] > other["band"]:
        assert score(**case) > score(**other)


@given(case=cases, other=cases)
@settings(max_examples=300, deadline=None)
def test_the_urgent_flag_outranks_every_case_without_it(case, other):
    assert score(**{**case, "urgent": True}) > score(**{**other, "urgent": False})


@given(case=cases, extra_days=st.floats(0, 2000, allow_nan=False))
@settings(max_examples=300, deadline=None)
def test_within_a_band_more_waiting_time_never_lowers_priority(case, extra_days):
    longer = {**case, "waiting_days": case["waiting_days"] + extra_days}
    assert score(**longer) >= score(**case)


@given(case=cases, more=st.integers(0, 10))
@settings(max_examples=200, deadline=None)
def test_more_alerts_or_a_longer_overdue_answer_never_lower_priority(case, more):
    assert score(**{**case, "active_alerts": case["active_alerts"] + more}) >= score(**case)
    assert score(**{**case, "overdue_days": case["overdue_days"] + more}) >= score(**case)


@given(case=cases)
@settings(max_examples=200, deadline=None)
def test_the_score_is_deterministic(case):
    assert score(**case) == score(**case)
    first = priority_compute(inputs=PriorityInputs.single(**case), policy=POLICY)
    again = priority_compute(inputs=PriorityInputs.single(**case), policy=POLICY)
    assert {k: v.tolist() for k, v in first.points.items()} == {
        k: v.tolist() for k, v in again.points.items()
    }


@given(case=cases, gap_seconds=st.integers(1, 10**6))
@settings(max_examples=200, deadline=None)
def test_two_identical_cases_differ_only_by_who_asked_first(case, gap_seconds):
    earlier, later = 1_700_000_000.0, 1_700_000_000.0 + gap_seconds
    same = score(**case)
    assert score(**case) == same
    queue = sorted(
        [
            priority_sort_key(score=same, requested_at_ts=later, tiebreak="b"),
            priority_sort_key(score=same, requested_at_ts=earlier, tiebreak="a"),
        ]
    )
    assert queue[0][1] == earlier


def test_a_young_child_waiting_long_never_overtakes_a_higher_band():
    top_of_moderate = dict(
        urgent=False,
        band=1,
        overdue_days=1000,
        waiting_days=10_000,
        age_years=0,
        active_alerts=99,
        vulnerability_count=9,
    )
    bottom_of_high = dict(
        urgent=False,
        band=2,
        overdue_days=0,
        waiting_days=0,
        age_years=17,
        active_alerts=0,
        vulnerability_count=0,
    )
    assert score(**bottom_of_high) > score(**top_of_moderate)


def test_each_component_is_explained_in_a_sentence_with_its_points():
    result = priority_compute(
        inputs=PriorityInputs.single(
            urgent=False,
            band=2,
            overdue_days=3.5,
            waiting_days=29,
            age_years=4,
            active_alerts=2,
            vulnerability_count=1,
        ),
        policy=POLICY,
    )
    from matching.priority import priority_components_row

    explained = priority_explain(components=priority_components_row(result=result, index=0))
    by_code = {c.code: c for c in explained}
    assert by_code["risk"].points == 2000
    assert by_code["waiting"].points == 4 * 8
    assert "4" in by_code["waiting"].sentence
    assert by_code["overdue"].points == 30
    assert by_code["young"].points == 2 * 20
    assert by_code["alerts"].points == 80
    assert sum(c.points for c in explained) == int(result.score[0])
    assert explained[0].code == "risk"  # biggest first


@pytest.mark.django_db
def test_a_policy_whose_caps_reach_a_band_step_is_refused():
    policy = PriorityPolicy(version=99, waiting_cap=5000)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "band_points" in error.value.message_dict


@pytest.mark.django_db
def test_the_default_policy_is_published_as_version_one():
    policy = PriorityPolicy.objects.get(version=1)
    policy.full_clean()
    assert policy.created <= timezone.now() + timedelta(seconds=1)


def _expected(case, *, policy, now):
    """The score and components of a case, worked out here from its fields."""
    from cases.models import RISK_BANDS, Alert

    alerts = Alert.objects.filter(
        case=case, created__gte=now - timedelta(days=policy.alert_window_days)
    ).exclude(status="closed")
    result = priority_compute(
        inputs=PriorityInputs.single(
            urgent=case.urgent_safety,
            band=RISK_BANDS.index(case.risk_level),
            overdue_days=0,
            waiting_days=(now - case.requested_at).total_seconds() / 86400,
            age_years=case.age_years(on=timezone.localdate(now)),
            active_alerts=alerts.count(),
            vulnerability_count=len(case.vulnerability_factors),
        ),
        policy=policy,
    )
    from matching.priority import priority_components_row

    return int(result.score[0]), priority_components_row(result=result, index=0)


@pytest.fixture
def mixed_cases(caseworker):
    from cases.models import Alert
    from directory.models import RiskLevel
    from tests.factories import case_of

    now = timezone.now()
    made = [
        case_of(
            caseworker,
            risk_level=level,
            urgent_safety=i % 4 == 0,
            vulnerability_factors=["disability", "homelessness"][: i % 3],
            requested_at=now - timedelta(days=3 * i + 0.5),
            birth_date=timezone.localdate() - timedelta(days=365 * (1 + i % 16) + 40),
        )
        for i, level in enumerate([*RiskLevel.values, *RiskLevel.values, RiskLevel.HIGH])
    ]
    for case in made[::3]:
        Alert.objects.create(
            case=case,
            raised_by=caseworker,
            raised_by_organization=case.organization,
            alert_type="neglect",
            severity="high",
        )
    return made


def _nightly_run_stores_what_the_fields_give(mixed_cases):
    from cases.models import Case
    from matching.selectors import policy_current
    from matching.services import priority_recompute

    # As after a publication: nothing stored matches, so every case is written.
    Case.objects.update(priority_score=0, priority_components={}, priority_policy=None)
    now = timezone.now()
    assert priority_recompute(now=now, chunk_size=4) == len(mixed_cases)
    policy = policy_current()
    for case in Case.objects.filter(pk__in=[c.pk for c in mixed_cases]):
        score, components = _expected(case, policy=policy, now=now)
        assert (case.priority_score, case.priority_components) == (score, components)
        assert case.priority_policy_id == policy.pk and case.priority_computed_at == now


@pytest.mark.django_db
def test_the_nightly_run_stores_for_every_case_what_its_fields_give(mixed_cases):
    _nightly_run_stores_what_the_fields_give(mixed_cases)  # inside a transaction: one writer


# Committed for real, so the run writes its chunks on parallel connections.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_writers_store_the_same_as_one(mixed_cases, settings):
    from django.db import connection

    settings.MATCHING_PRIORITY_WRITERS = 3
    assert not connection.in_atomic_block
    _nightly_run_stores_what_the_fields_give(mixed_cases)


@pytest.mark.django_db
def test_a_run_with_nothing_new_rewrites_no_case(mixed_cases):
    from cases.models import Case
    from matching.services import priority_recompute

    priority_recompute()  # the alerts raised after scoring count now
    before = dict(Case.objects.values_list("pk", "priority_computed_at"))
    assert priority_recompute(now=timezone.now() + timedelta(seconds=1)) == len(mixed_cases)
    assert dict(Case.objects.values_list("pk", "priority_computed_at")) == before


@pytest.mark.django_db
def test_a_change_in_one_component_alone_is_written(mixed_cases):
    from cases.models import Case
    from matching.services import priority_recompute

    case = mixed_cases[1]
    stored = dict(case.priority_components)
    stored["young"] = [stored["young"][0], stored["young"][1] + 1]  # same points, other age
    Case.objects.filter(pk=case.pk).update(priority_components=stored)
    priority_recompute(now=timezone.now())
    case.refresh_from_db()
    assert case.priority_components["young"] != stored["young"]
