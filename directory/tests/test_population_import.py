"""The population CSV: summed into Puente's bands, kept per year, all or nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from directory.importers import ImportResult, PopulationOptions, population_import
from directory.models import Territory, TerritoryPopulation
from tests.factories import TerritoryFactory, signed_in

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _run(content: bytes, *, year: int | None = None, dry_run: bool = False) -> ImportResult:
    with translation.override("en"):
        return population_import(
            content=content, options=PopulationOptions(year=year), dry_run=dry_run
        )


def test_single_years_are_summed_into_the_bands_and_the_year_is_kept() -> None:
    territory = TerritoryFactory(code="13101")
    lines = ["territory_code,age,count,year"]
    lines += [f"13101,{age},10,2024" for age in range(18)]
    lines += ["13101,18,999,2024", "13101,40,999,2024"]

    result = _run(_csv(*lines))

    assert result.ok, result.errors
    row = TerritoryPopulation.objects.get(territory=territory, year=2024)
    assert (row.children_0_5, row.children_6_11, row.children_12_17) == (60, 60, 60)
    territory.refresh_from_db()
    assert territory.child_population == 180
    assert result.counts["rows of adults left out"] == 2


def test_census_bands_that_cross_puentes_bands_are_split_by_year_of_age() -> None:
    territory = TerritoryFactory(code="13101")
    content = _csv(
        "codigo;edad;poblacion",
        "13101;0-4;500",
        "13101;5-9;500",
        "13101;10-14;500",
        "13101;15-19;500",
        "13101;80+;7",
    )

    result = _run(content, year=2017)

    assert result.ok, result.errors
    row = TerritoryPopulation.objects.get(territory=territory, year=2017)
    # 0-5 = 500 + 1/5 of 500; 6-11 = 4/5 + 2/5; 12-17 = 3/5 + 3/5 (18 and 19 left out).
    assert (row.children_0_5, row.children_6_11, row.children_12_17) == (600, 600, 600)
    assert {w.message.split(":")[0] for w in result.warnings if w.field == "edad"} == {
        "The band 5-9 crosses Puente's bands (0–5, 6–11, 12–17)",
        "The band 10-14 crosses Puente's bands (0–5, 6–11, 12–17)",
        "The band 15-19 crosses Puente's bands (0–5, 6–11, 12–17)",
    }


def test_errors_name_the_row_and_the_column_and_nothing_is_saved() -> None:
    territory = TerritoryFactory(code="13101", children_0_5=1, children_6_11=2, children_12_17=3)
    content = _csv(
        "territory_code,age,count,year",
        "13101,0-5,100,2024",
        "13101,seis,100,2024",
        "13101,12-17,muchos,2024",
        "99999,0-5,100,2024",
        "13101,3,5,2024",
        "13101,6-11,5,20x4",
    )

    result = _run(content)

    assert [(e.where, e.field) for e in result.errors] == [
        ("row 3", "age"),
        ("row 4", "count"),
        ("row 6", "age"),  # age 3 was already in the band of row 2
        ("row 7", "year"),
    ]
    assert "row 2" in result.errors[2].message
    assert not TerritoryPopulation.objects.exists()
    territory.refresh_from_db()
    assert territory.child_population == 6


def test_an_unknown_territory_code_is_an_error_of_its_row_and_rolls_back_the_rest() -> None:
    TerritoryFactory(code="13101")
    content = _csv("code,age,count", "13101,0-5,100", "99999,0-5,100")

    result = _run(content, year=2024)

    assert [(e.where, e.field) for e in result.errors] == [("row 3", "code")]
    assert not TerritoryPopulation.objects.exists()


def test_a_missing_column_is_named() -> None:
    result = _run(_csv("territory_code,count", "13101,4"))

    assert [(e.where, e.field) for e in result.errors] == [("row 1", "age")]


def test_a_dry_run_reports_and_changes_nothing() -> None:
    territory = TerritoryFactory(code="13101")
    result = _run(_csv("code,age,count,year", "13101,0-5,7,2024"), dry_run=True)

    assert result.ok and result.counts["years added"] == 1
    assert result.counts["current population changed"] == 1
    assert not TerritoryPopulation.objects.exists()
    assert Territory.objects.get(pk=territory.pk).child_population == 600


def test_the_command_dry_runs_by_default_and_saves_with_commit(tmp_path: Path) -> None:
    TerritoryFactory(code="13101")
    path = tmp_path / "poblacion.csv"
    path.write_bytes(_csv("code,age,count", "13101,0-5,7"))
    out = StringIO()

    call_command("population_import", str(path), "--year", "2024", stdout=out, verbosity=0)
    assert not TerritoryPopulation.objects.exists()
    call_command(
        "population_import", str(path), "--year", "2024", "--commit", stdout=out, verbosity=0
    )
    assert TerritoryPopulation.objects.get().children_0_5 == 7

    path.write_bytes(_csv("code,age,count", "13101,0-5,-1"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("population_import", str(path), "--commit", stdout=out, verbosity=0)


def test_the_admin_page_checks_first_then_imports(coordinator: Any, provider: Any) -> None:
    territory = TerritoryFactory(code="13101")
    client = signed_in(coordinator)
    url = reverse("admin:directory_population_import")
    upload = SimpleUploadedFile("poblacion.csv", _csv("code,age,count", "13101,0-5,7"))

    with translation.override("en"):
        checked = client.post(url, {"file": upload, "year": "2024", "check": "1"})
    assert checked.status_code == 200 and 'name="commit"' in checked.content.decode()
    assert not TerritoryPopulation.objects.exists()

    other_year = client.post(url, {"year": "2023", "commit": "1"})
    assert other_year.status_code == 200 and not TerritoryPopulation.objects.exists()

    client.post(url, {"year": "2024", "check": "1"})
    assert client.post(url, {"year": "2024", "commit": "1"}).status_code == 302
    assert TerritoryPopulation.objects.get(territory=territory, year=2024).children_0_5 == 7
    listing = client.get(reverse("admin:directory_territorypopulation_changelist"))
    assert listing.status_code == 200 and "13101" in listing.content.decode()

    assert signed_in(provider).get(url).status_code == 403


def test_the_admin_page_shows_the_errors_by_row(coordinator: Any) -> None:
    TerritoryFactory(code="13101")
    upload = SimpleUploadedFile("poblacion.csv", _csv("code,age,count", "13101,0-5,siete"))

    with translation.override("en"):
        page = signed_in(coordinator).post(
            reverse("admin:directory_population_import"), {"file": upload, "check": "1"}
        )

    body = page.content.decode()
    assert page.status_code == 200 and " 2 [count]: " in body and 'name="commit"' not in body


def test_a_year_given_again_replaces_only_that_territorys_year() -> None:
    a, b = TerritoryFactory(code="A"), TerritoryFactory(code="B")
    _run(_csv("code,age,count,year", "A,0-5,1,2023", "A,0-5,2,2024", "B,0-5,3,2024"))

    result = _run(_csv("code,age,count,year", "A,0-5,20,2024", "B,0-5,30,2023"))

    assert result.counts["years replaced"] == 1 and result.counts["years added"] == 1
    kept = dict(TerritoryPopulation.objects.filter(territory=a).values_list("year", "children_0_5"))
    assert kept == {2023: 1, 2024: 20}
    assert TerritoryPopulation.objects.get(territory=b, year=2024).children_0_5 == 3
    b.refresh_from_db()
    assert b.children_0_5 == 3  # 2024 is still B's latest year
