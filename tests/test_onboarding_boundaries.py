"""A coordinator starts a real comuna on a new database, from the admin pages alone:
boundaries from a Shapefile and a GeoPackage, population from a CSV, then the start page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory.models import Territory, TerritoryLevel
from directory.tests.test_territories_import import BOW_TIE, COMUNA, WEST, write_boundaries
from tests.factories import signed_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs ogr2ogr (gdal-bin)"),
]


def _polygon(code: str, name: str, ring: list[Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"CUT": code, "NOM": name},
        "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
    }


def _check_then_import(client: Any, url: str, data: dict[str, Any]) -> Any:
    checked = client.post(url, {**data, "check": "1"})
    assert checked.status_code == 200 and 'name="commit"' in checked.content.decode()
    data = {k: v for k, v in data.items() if k != "file"}  # the kept upload is imported
    return client.post(url, {**data, "commit": "1"})


def test_a_coordinator_loads_boundaries_and_population_and_the_start_page_says_so(
    tmp_path: Path, coordinator: Any
) -> None:
    client = signed_in(coordinator)
    boundaries = reverse("admin:directory_territory_import")
    mapping = {"code_field": "CUT", "name_field": "NOM", "parent_field": "", "level_field": ""}
    mapping |= {"layer": "", "source_srid": ""}

    comunas = write_boundaries(
        tmp_path / "c", "shp-zip", [_polygon("13101", "Comuna Ficticia", COMUNA)]
    )
    with comunas.open("rb") as upload:
        done = _check_then_import(
            client, boundaries, {**mapping, "level": "municipality", "file": upload}
        )
    assert done.status_code == 302

    sectors = write_boundaries(
        tmp_path / "s",
        "gpkg",
        [_polygon("S1", "Poniente", WEST), _polygon("S2", "Oriente", BOW_TIE)],
    )
    with sectors.open("rb") as upload:
        done = _check_then_import(
            client, boundaries, {**mapping, "level": "sector", "file": upload}
        )
    assert done.status_code == 302
    comuna = Territory.objects.get(code="13101")
    assert comuna.level == TerritoryLevel.MUNICIPALITY
    assert set(comuna.children.values_list("code", flat=True)) == {"S1", "S2"}

    lines = ["territory_code,age,count,year"]
    lines += [f"{code},{band},100,2024" for code in ("S1", "S2") for band in ("0-5", "6-11")]
    lines += ["S1,12-17,50,2024", "S2,12-17,50,2024"]
    csv = SimpleUploadedFile("poblacion.csv", ("\n".join(lines) + "\n").encode())
    done = _check_then_import(client, reverse("admin:directory_population_import"), {"file": csv})
    assert done.status_code == 302
    assert Territory.objects.get(code="S2").child_population == 250

    items = {i.key: i for i in client.get(reverse("maps:start")).context["items"]}
    assert items["territories"].loaded and items["population"].loaded
