"""The nightly gap inventory on small hand-made data, every figure checked by hand."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from cases.models import CaseNeed
from directory.models import TaxonomyTerm
from gaps.inventory import gap_inventory_compute, suppress_small
from gaps.models import CategorySetting, GapCell, GapSnapshot
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of
from waitlists.models import WaitlistEntry

pytestmark = pytest.mark.django_db

PSY, FOOD = "specialized.psychological_care", "social.food"


@pytest.fixture
def world(caseworker):
    # 600 children; the box is about 18 by 11 km, so a 50 km catchment reaches everywhere.
    territory = TerritoryFactory(children_0_5=100, children_6_11=200, children_12_17=300)
    psy, food = TaxonomyTerm.objects.get(code=PSY), TaxonomyTerm.objects.get(code=FOOD)
    for term in (psy, food):
        CategorySetting.objects.create(
            category=term, catchment_m=50_000, enhanced=False, norm_slots_per_1000=20
        )
    site = ServiceAtSiteFactory(
        site__point=Point(-70.6, -33.45, srid=4326), site__territory=territory, capacity=6
    )
    site.service.categories.add(psy)
    served = case_of(caseworker, territory=territory)
    unserved = case_of(caseworker, territory=territory)
    CaseNeed.objects.create(case=served, term=psy)
    CaseNeed.objects.create(case=unserved, term=food)
    WaitlistEntry.objects.create(case=served, service=site.service)
    return territory


def test_the_inventory_holds_every_figure_per_territory_and_category(world):
    snapshot = gap_inventory_compute()
    psy = GapCell.objects.get(snapshot=snapshot, territory=world, category__code=PSY)
    # 6 slots for 600 children, all within reach: A = 6 / 600 = 0.01 everywhere.
    assert psy.children == 600
    assert psy.slots == 6
    assert psy.accessibility == pytest.approx(0.01)
    assert psy.zero_access_share == 0.0
    # Norm 20 per 1,000 children: 12 slots; 6 exist, so 6 short.
    assert psy.shortfall_slots == pytest.approx(6.0)
    assert (psy.active_needs, psy.unmet_cases) == (1, 0)
    assert psy.waiting == 1 and psy.waitlist_pressure == pytest.approx(1 / 6)

    food = GapCell.objects.get(snapshot=snapshot, territory=world, category__code=FOOD)
    assert food.slots == 0 and food.accessibility == 0.0 and food.zero_access_share == 1.0
    assert food.shortfall_slots == pytest.approx(12.0)
    assert (food.active_needs, food.unmet_cases) == (1, 1)
    # A parent category counts its sub-categories' needs and slots.
    social = GapCell.objects.get(snapshot=snapshot, territory=world, category__code="social")
    assert social.active_needs == 1
    # One territory: perfect equality.
    assert snapshot.equity[PSY]["gini"] == 0.0


def test_a_rerun_the_same_day_replaces_the_snapshot(world):
    first = gap_inventory_compute()
    second = gap_inventory_compute(day=first.day)
    assert GapSnapshot.objects.count() == 1
    assert GapSnapshot.objects.get().pk == second.pk


def test_counts_below_five_are_suppressed():
    assert [suppress_small(v) for v in (0, 1, 4, 5, None)] == [0, "<5", "<5", 5, None]


def test_the_command_and_the_task_compute_the_snapshot(world):
    from django.core.management import call_command

    from gaps.tasks import gap_inventory_task

    call_command("gaps_inventory", "--day", "2026-01-31", verbosity=0)
    assert GapSnapshot.objects.filter(day="2026-01-31").exists()
    assert gap_inventory_task.delay().get() == str(GapSnapshot.objects.latest("computed_at").day)


def test_the_command_names_a_bad_day():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--day"):
        call_command("gaps_inventory", "--day", "31/01/2026")
