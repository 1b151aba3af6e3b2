"""The periodic jobs: network snapshot, management report, the inventory's fan-out, beat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Role
from cases.models import CaseNeed
from directory.models import Eligibility, TaxonomyTerm, TerritoryLevel
from gaps import services
from gaps.inventory import gap_inventory_compute, gap_territory_chunks
from gaps.models import (
    CategorySetting,
    GapCell,
    GapHotspot,
    GapSnapshot,
    ManagementReport,
    NetworkSnapshot,
)
from gaps.network import network_indicators_for_period
from gaps.services import (
    _network_snapshot_store,
    indicators_for_storage,
    management_report_take,
    network_snapshot_take,
    quarter_last_completed,
    quarter_parse,
)
from matching.models import Referral, ReferralStatus
from tests.factories import (
    CaseFactory,
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    box,
    case_of,
    user_with_role,
)
from waitlists.models import WaitlistEntry

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"
DAY = date(2026, 3, 31)  # the nightly snapshot of this day covers 2025-04-01 .. 2026-03-31


@pytest.fixture
def network(db):
    """A team that refers to two providers; referrals inside and outside the year and Q1."""
    team, provider_1, provider_2 = (OrganizationFactory() for _ in range(3))
    author = user_with_role(Role.CASEWORKER, organization=team)
    case = CaseFactory(organization=team)
    service_1 = ServiceAtSiteFactory(service__organization=provider_1).service
    service_2 = ServiceAtSiteFactory(service__organization=provider_2).service

    def referral(service, status, sent):
        return Referral.objects.create(
            case=case, service=service, status=status, created_by=author, sent_at=sent
        )

    at = lambda y, m, d: datetime(y, m, d, 15, tzinfo=UTC)  # noqa: E731 - a local shorthand
    referral(service_1, ReferralStatus.COMPLETED, at(2026, 2, 10))  # Q1 2026 and the year
    referral(service_1, ReferralStatus.REJECTED, at(2026, 3, 30))  # Q1 2026 and the year
    referral(service_2, ReferralStatus.ACCEPTED, at(2025, 11, 5))  # Q4 2025 and the year
    referral(service_2, ReferralStatus.SENT, at(2025, 3, 1))  # before the year
    referral(service_2, ReferralStatus.SENT, at(2026, 4, 2))  # after the day
    return {"team": team, "provider_1": provider_1, "provider_2": provider_2, "add": referral}


# --- the nightly network snapshot ----------------------------------------------------------------


def test_the_network_snapshot_covers_the_year_ending_with_its_day(network):
    snapshot = network_snapshot_take(day=DAY)
    assert (snapshot.start, snapshot.end) == (date(2025, 4, 1), DAY)
    figures = snapshot.indicators
    assert figures["referrals"] == 3
    assert figures["edges"] == 2  # team → provider 1, team → provider 2
    team = next(
        o for o in figures["per_organization"] if o["organization"] == str(network["team"].pk)
    )
    assert team["sent"] == 3
    assert figures["per_pair_total"] == 2


def test_a_rerun_of_the_same_day_replaces_its_network_snapshot(network):
    first = network_snapshot_take(day=DAY)
    network["add"](
        Referral.objects.first().service,
        ReferralStatus.SENT,
        datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    second = network_snapshot_take(day=DAY)
    assert NetworkSnapshot.objects.count() == 1
    assert NetworkSnapshot.objects.get().pk == second.pk != first.pk
    assert second.indicators["referrals"] == 4


def test_another_day_keeps_the_earlier_snapshot_as_history(network):
    network_snapshot_take(day=DAY)
    network_snapshot_take(day=DAY + timedelta(days=1))
    assert NetworkSnapshot.objects.count() == 2


def test_a_network_job_stopped_before_saving_leaves_the_previous_snapshot(network):
    previous = network_snapshot_take(day=DAY)

    calls = []

    def killed(message):
        calls.append(message)
        if len(calls) == 2:  # the second step is saving: the figures are computed
            raise KeyboardInterrupt  # what a worker's warm shutdown raises mid-task

    with pytest.raises(KeyboardInterrupt):
        network_snapshot_take(day=DAY, progress=killed)
    assert list(NetworkSnapshot.objects.values_list("pk", flat=True)) == [previous.pk]


def test_a_write_failing_half_way_rolls_back_the_deletion_of_the_previous_snapshot(network):
    previous = network_snapshot_take(day=DAY)
    with pytest.raises(TypeError):
        # The old row is deleted first; the new one cannot be encoded as JSON.
        _network_snapshot_store(start=previous.start, end=previous.end, indicators={"x": object()})
    assert NetworkSnapshot.objects.get().pk == previous.pk


def test_only_the_busiest_pairs_are_stored(network, monkeypatch):
    monkeypatch.setattr(services, "NETWORK_MAX_PAIRS", 1)
    start, end = services.period_bounds(start=date(2025, 4, 1), end=DAY)
    data = indicators_for_storage(network_indicators_for_period(start=start, end=end))
    assert data["per_pair_total"] == 2
    assert [(p["receiver"], p["sent"]) for p in data["per_pair"]] == [
        (str(network["provider_1"].pk), 2)
    ]


def test_the_network_command_and_task_store_the_snapshot(network):
    from gaps.tasks import network_snapshot_task

    call_command("gaps_network", "--day", "2026-03-31", verbosity=0)
    assert NetworkSnapshot.objects.get().end == DAY
    assert network_snapshot_task.delay(day="2026-03-30").get() == "2025-03-31–2026-03-30"
    assert NetworkSnapshot.objects.count() == 2


def test_the_network_command_names_a_bad_day():
    with pytest.raises(CommandError, match="--day"):
        call_command("gaps_network", "--day", "31/03/2026")


# --- the management report ---------------------------------------------------------------------


def test_quarters_are_read_and_the_last_completed_one_found():
    assert quarter_parse(quarter="2026Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_parse(quarter="2025-q4") == (date(2025, 10, 1), date(2025, 12, 31))
    assert quarter_last_completed(today=date(2026, 11, 23)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_last_completed(today=date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))
    with pytest.raises(ValueError, match="2026Q5"):
        quarter_parse(quarter="2026Q5")


def test_the_management_report_counts_the_referrals_of_its_period(network):
    report = management_report_take(start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert report.indicators["referrals"] == 2
    assert report.indicators["per_organization"]
    rerun = management_report_take(start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert list(ManagementReport.objects.values_list("pk", flat=True)) == [rerun.pk]
    management_report_take(start=date(2025, 10, 1), end=date(2025, 12, 31))
    assert ManagementReport.objects.count() == 2


def test_the_report_command_takes_a_quarter_or_a_range(network):
    call_command("gaps_quarterly_report", "--quarter", "2026Q1", verbosity=0)
    report = ManagementReport.objects.get()
    assert (report.start, report.end, report.indicators["referrals"]) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        2,
    )
    call_command(
        "gaps_quarterly_report", "--start", "2025-11-01", "--end", "2026-02-28", verbosity=0
    )
    assert ManagementReport.objects.get(start=date(2025, 11, 1)).indicators["referrals"] == 2


def test_the_report_command_defaults_to_the_last_completed_quarter_as_the_task_does(network):
    from django.utils import timezone

    from gaps.tasks import quarterly_report_task

    call_command("gaps_quarterly_report", verbosity=0)
    start, end = quarter_last_completed(today=timezone.localdate())
    assert ManagementReport.objects.get().start == start
    assert quarterly_report_task.delay().get() == f"{start}–{end}"
    assert ManagementReport.objects.count() == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--quarter", "2026Q5"], "--quarter"),
        (["--quarter", "2026Q1", "--start", "2026-01-01"], "either --quarter"),
        (["--start", "2026-01-01"], "go together"),
        (["--start", "2026-01-01", "--end", "2026-02-30"], "--end"),
        (["--start", "2026-03-01", "--end", "2026-01-01"], "must not be after"),
    ],
)
def test_the_report_command_names_what_is_wrong(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("gaps_quarterly_report", *arguments, verbosity=0)
    assert not ManagementReport.objects.exists()


# --- the gap inventory fanned out over workers -------------------------------------------------


@pytest.fixture
def two_sectors(caseworker):
    """A comuna of two sectors; unmet cases cluster in the east one, where the site refuses them."""
    comuna = TerritoryFactory(
        level=TerritoryLevel.MUNICIPALITY, children_0_5=0, children_6_11=0, children_12_17=0
    )
    west = TerritoryFactory(
        level=TerritoryLevel.SECTOR, parent=comuna, geometry=box(-70.7, -33.5, -70.6, -33.4)
    )
    east = TerritoryFactory(
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(-70.6, -33.5, -70.5, -33.4),
        children_0_5=50,
        children_6_11=50,
        children_12_17=900,
    )
    psy = TaxonomyTerm.objects.get(code=PSY)
    CategorySetting.objects.create(
        category=psy, catchment_m=5000, enhanced=True, norm_slots_per_1000=20
    )
    west_site = ServiceAtSiteFactory(
        site__point=Point(-70.65, -33.45, srid=4326), site__territory=west, capacity=6
    )
    east_site = ServiceAtSiteFactory(
        site__point=Point(-70.55, -33.45, srid=4326), site__territory=east, capacity=3
    )
    for sas in (west_site, east_site):
        sas.service.categories.add(psy)
    Eligibility.objects.filter(service=east_site.service).update(min_age=12)  # the cases are 8
    for i in range(6):
        case = case_of(
            caseworker, territory=east, home=Point(-70.55 + i * 0.0005, -33.45, srid=4326)
        )
        CaseNeed.objects.create(case=case, term=psy)
    served = case_of(caseworker, territory=west, home=Point(-70.65, -33.45, srid=4326))
    CaseNeed.objects.create(case=served, term=psy)
    WaitlistEntry.objects.create(case=served, service=west_site.service)
    return {"west": west, "east": east, "comuna": comuna}


def _cells(snapshot):
    return {
        (c.territory_id, c.category_id): (
            c.children,
            c.active_needs,
            c.slots,
            pytest.approx(c.accessibility, rel=1e-12, abs=1e-15),
            pytest.approx(c.zero_access_share, rel=1e-12, abs=1e-15),
            pytest.approx(c.shortfall_slots, rel=1e-12),
            c.unmet_cases,
            c.waiting,
            c.waitlist_pressure,
            c.median_wait_days,
            c.rejected_no_capacity,
        )
        for c in GapCell.objects.filter(snapshot=snapshot)
    }


def _spots(snapshot):
    return sorted(
        (h.category_id, h.size, h.centroid.coords, h.suggested_site.coords, h.radius_m)
        for h in GapHotspot.objects.filter(snapshot=snapshot)
    )


def test_the_fanned_out_inventory_stores_the_same_snapshot_as_one_process(two_sectors):
    from gaps.tasks import gap_inventory_task

    in_process = gap_inventory_compute(day=date(2026, 1, 30))
    # A threshold of 0 cases sends every run through the chord; eager Celery runs its
    # slices one after another and then the callback, as workers would.
    with override_settings(GAPS_CHORD_MIN_CASES=0, GAPS_CHORD_CHUNKS=3):
        answer = gap_inventory_task.delay(day="2026-01-31").get()
    assert "3 slices" in answer
    fanned = GapSnapshot.objects.get(day=date(2026, 1, 31))
    assert _cells(fanned) == _cells(in_process)
    assert _spots(fanned) == _spots(in_process)
    assert fanned.equity == in_process.equity
    # The figures themselves: the six eight-year-olds in the east have no eligible site.
    east = GapCell.objects.get(snapshot=fanned, territory=two_sectors["east"], category__code=PSY)
    assert (east.active_needs, east.unmet_cases, east.slots) == (6, 6, 3)
    comuna = GapCell.objects.get(
        snapshot=fanned, territory=two_sectors["comuna"], category__code=PSY
    )
    assert (comuna.active_needs, comuna.unmet_cases, comuna.slots, comuna.waiting) == (7, 6, 9, 1)
    spots = GapHotspot.objects.filter(snapshot=fanned)
    # One cluster, counted under the category and again under its parent ("specialized").
    assert sorted((h.category.code, h.size) for h in spots) == [("specialized", 6), (PSY, 6)]


def test_the_territory_slices_cover_every_territory_once(two_sectors):
    slices = gap_territory_chunks(chunks=3)
    flat = [t for chunk in slices for t in chunk]
    assert len(slices) == 3 and len(flat) == len(set(flat)) == 4  # three territories and "none"


def test_below_the_threshold_the_inventory_runs_in_one_process(two_sectors):
    from gaps.tasks import gap_inventory_task

    assert gap_inventory_task.delay(day="2026-01-31").get() == "2026-01-31"
    assert GapSnapshot.objects.get().day == date(2026, 1, 31)


# --- beat --------------------------------------------------------------------------------------


# The scheduler closes stale connections as beat does between ticks, which a test wrapped
# in a transaction cannot survive: this one commits for real.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_gaps_jobs_are_beat_entries_editable_in_the_admin():
    from django_celery_beat.models import PeriodicTask

    from config.beat import Scheduler
    from config.celery import app

    app.loader.import_default_modules()  # a worker's autodiscovery
    Scheduler(app=app)  # what `celery beat` does when it starts
    schedules = {
        "gaps.tasks.gap_inventory_task": ("45", "2", "*", "*"),
        "gaps.tasks.network_snapshot_task": ("15", "3", "*", "*"),
        "gaps.tasks.quarterly_report_task": ("0", "5", "1", "1,4,7,10"),
    }
    for task, (minute, hour, day_of_month, month) in schedules.items():
        entry = PeriodicTask.objects.get(task=task)
        assert entry.enabled
        crontab = entry.crontab
        assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year) == (
            minute,
            hour,
            day_of_month,
            month,
        )
        assert task in app.tasks  # the name beat sends is a task the workers know


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_schedule_changed_in_the_admin_survives_a_restart_of_beat():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from config.beat import Scheduler
    from config.celery import app

    Scheduler(app=app)
    entry = PeriodicTask.objects.get(name="gaps-nightly-inventory")
    entry.crontab = CrontabSchedule.objects.create(minute="5", hour="22")
    entry.enabled = False
    entry.save()
    PeriodicTask.objects.filter(name="gaps-nightly-network").delete()
    Scheduler(app=app)  # beat restarts
    entry.refresh_from_db()
    assert (entry.crontab.minute, entry.crontab.hour, entry.enabled) == ("5", "22", False)
    # An entry nobody stored (a new release's job, or one deleted) is installed again.
    assert PeriodicTask.objects.filter(name="gaps-nightly-network").exists()


# --- eligibility as arrays ---------------------------------------------------------------------


def test_the_vectorised_eligibility_agrees_with_failures_for_on_every_profile():
    """The inventory evaluates eligibility over arrays; ``failures_for`` is the definition."""
    import itertools

    import numpy as np

    from directory.models import EligibilityCandidate, RiskLevel, Sex
    from directory.selectors import eligibility_arrays
    from gaps.inventory.unmet import need_children

    region = TerritoryFactory(level=TerritoryLevel.REGION)
    comuna = TerritoryFactory(level=TerritoryLevel.MUNICIPALITY, parent=region)
    north = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    south = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    elsewhere = TerritoryFactory(level=TerritoryLevel.MUNICIPALITY)
    rule_sets = [
        {},
        {"min_age": 6},
        {"max_age": 11},
        {"min_age": 6, "max_age": 11, "sexes": [Sex.FEMALE]},
        {"sexes": [Sex.MALE, Sex.OTHER], "risk_levels": [RiskLevel.HIGH, RiskLevel.VERY_HIGH]},
        {"requires_judicial_order": True, "area": [north]},
        {"area": [comuna, elsewhere]},
        {"area": [region], "risk_levels": [RiskLevel.LOW]},
    ]
    services = []
    for rules in rule_sets:
        service = ServiceAtSiteFactory().service
        area = rules.pop("area", [])
        Eligibility.objects.filter(service=service).update(**rules)
        service.eligibility.service_area.set(area)
        services.append(service)
    without_rules = ServiceAtSiteFactory().service
    Eligibility.objects.filter(service=without_rules).delete()
    services.append(without_rules)

    parents = {t.pk: t.parent_id for t in (region, comuna, north, south, elsewhere)}
    admission = eligibility_arrays(parents=parents)
    profiles = list(
        itertools.product(
            [None, 0, 6, 11, 12, 17],
            [*Sex.values, None],
            [*RiskLevel.values, None],
            [north.pk, south.pk, comuna.pk, elsewhere.pk, None],
            [False, True],
        )
    )
    needs = [
        (None, territory, 0.0, 0.0, "", age, sex, risk, judicial)
        for age, sex, risk, territory, judicial in profiles
    ]
    child = {
        key: values[:, None]
        for key, values in need_children(admission=admission, needs=needs).items()
    }
    rows = admission.rows_for([s.pk for s in services])
    vectorised = admission.admits(rules=rows[None, :], child=child)
    lineage: dict = {t: [] for t in parents}
    for t in parents:
        current = t
        while current is not None:
            lineage[t].append(current)
            current = parents[current]
    stored = {e.service_id: e for e in Eligibility.objects.all()}  # fresh, not the cached
    expected = np.array(
        [
            [
                service.pk not in stored
                or not stored[service.pk].failures_for(
                    EligibilityCandidate(
                        age_years=age,
                        sex=sex,
                        risk_level=risk,
                        territory_ids=frozenset(lineage.get(territory, [])),
                        has_judicial_order=judicial,
                    )
                )
                for service in services
            ]
            for age, sex, risk, territory, judicial in profiles
        ]
    )
    assert vectorised.shape == expected.shape == (len(profiles), len(services))
    assert (vectorised == expected).all()
    assert expected.any() and not expected.all()  # the cases tell admitted from refused


def test_unmet_cases_are_those_with_no_eligible_site_within_reach(monkeypatch):
    """Against a brute force over every (case, site) with ``failures_for`` and haversine."""
    import math
    import random

    import numpy as np

    from directory.models import EligibilityCandidate, RiskLevel, Sex
    from directory.selectors import eligibility_arrays
    from gaps.accessibility import unit_vectors
    from gaps.inventory import unmet as unmet_module
    from gaps.inventory.unmet import need_children

    # Two nearest first, so most homes go through the search of the whole catchment.
    monkeypatch.setattr(unmet_module, "NEAREST_SITES_FIRST", 2)
    rng = random.Random(3)
    comuna = TerritoryFactory(level=TerritoryLevel.MUNICIPALITY)
    north = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    south = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    rules: list[dict] = [
        {},
        {"min_age": 12},
        {"max_age": 5, "sexes": [Sex.MALE]},
        {"risk_levels": [RiskLevel.VERY_HIGH]},
        {"area": [north]},
        {"area": [south], "min_age": 6},
        {"requires_judicial_order": True},
    ]
    sites: list = []
    for i in range(40):
        service = ServiceAtSiteFactory().service
        chosen = dict(rules[1 + i % (len(rules) - 1)] if i % 9 else rules[0])
        area = chosen.pop("area", [])
        Eligibility.objects.filter(service=service).update(**chosen)
        service.eligibility.service_area.set(area)
        lon, lat = -70.6 + rng.uniform(-0.03, 0.03), -33.45 + rng.uniform(-0.03, 0.03)
        sites.append((None, service.pk, lon, lat, 5, None, []))
    needs = [
        (
            i,
            rng.choice([north.pk, south.pk]),
            -70.6 + rng.uniform(-0.04, 0.04),
            -33.45 + rng.uniform(-0.04, 0.04),
            "",
            rng.choice([3, 8, 14]),
            rng.choice([Sex.FEMALE, Sex.MALE]),
            rng.choice(RiskLevel.values),
            rng.random() < 0.2,
        )
        for i in range(120)
    ]
    parents = {t.pk: t.parent_id for t in (comuna, north, south)}
    admission = eligibility_arrays(parents=parents)
    catchment = 1500.0
    unmet = unmet_module.unmet_mask(
        homes=unit_vectors(np.array([(n[2], n[3]) for n in needs])),
        child=need_children(admission=admission, needs=needs),
        supply_rows=sites,
        catchment=catchment,
        admission=admission,
    )

    stored = {e.service_id: e for e in Eligibility.objects.all()}

    def metres(a, b):
        lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * 6_371_008.8 * math.asin(math.sqrt(h))

    expected = [
        not any(
            metres((n[2], n[3]), (s[2], s[3])) <= catchment
            and not stored[s[1]].failures_for(
                EligibilityCandidate(
                    age_years=n[5],
                    sex=n[6],
                    risk_level=n[7],
                    territory_ids=frozenset({n[1], comuna.pk}),
                    has_judicial_order=n[8],
                )
            )
            for s in sites
        )
        for n in needs
    ]
    assert unmet.tolist() == expected
    assert 0 < sum(expected) < len(expected)
