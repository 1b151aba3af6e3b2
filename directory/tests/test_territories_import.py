"""The boundary import reads real files written by GDAL (ogr2ogr) in a projected SRID."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEntry
from directory.importers import TerritoryMapping, territories_import
from directory.models import Territory, TerritoryLevel
from tests.factories import CaseFactory, SiteFactory, TerritoryFactory, box, signed_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs ogr2ogr (gdal-bin)"),
]

COMUNA = [(-70.70, -33.50), (-70.50, -33.50), (-70.50, -33.40), (-70.70, -33.40)]
WEST = [(-70.70, -33.50), (-70.60, -33.50), (-70.60, -33.40), (-70.70, -33.40)]
# A bow-tie: its edges cross at (-70.55, -33.45), so it is not a valid polygon.
BOW_TIE = [(-70.60, -33.50), (-70.50, -33.40), (-70.50, -33.50), (-70.60, -33.40)]

MAPPING = TerritoryMapping(
    code_field="COD", name_field="NOMBRE", parent_field="PADRE", level_field="NIVEL"
)


def _feature(code: str, name: str, parent: str, level: str, ring: list[Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"COD": code, "NOMBRE": name, "PADRE": parent, "NIVEL": level},
        "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
    }


def _comuna_features() -> list[dict[str, Any]]:
    return [
        _feature("13101", "Comuna Ficticia", "", "comuna", COMUNA),
        _feature("13101-01", "Sector Poniente", "13101", "sector", WEST),
        _feature("13101-02", "Sector Oriente", "13101", "sector", BOW_TIE),
    ]


def write_boundaries(
    folder: Path, fmt: str, features: list[dict[str, Any]], *, srid: int = 32719
) -> Path:
    """The features (given in lon/lat) written by ogr2ogr in ``fmt``, reprojected to ``srid``."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    driver, name = {
        "geojson": ("GeoJSON", "limites.geojson"),
        "shp": ("ESRI Shapefile", "shp"),
        "shp-zip": ("ESRI Shapefile", "shp"),
        "gpkg": ("GPKG", "limites.gpkg"),
        "kml": ("KML", "limites.kml"),  # KML is always lon/lat: ogr2ogr reprojects
    }[fmt]
    target = folder / name
    command = ["ogr2ogr", "-f", driver, "-s_srs", "EPSG:4326", "-t_srs", f"EPSG:{srid}"]
    if fmt.startswith("shp"):
        command += ["-nln", "limites"]
    subprocess.run([*command, str(target), str(source)], check=True, capture_output=True)
    source.unlink()
    if fmt == "shp-zip":
        archive = folder / "limites.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for part in sorted(target.iterdir()):
                out.write(part, arcname=f"limites/{part.name}")
        return archive
    return target


@pytest.mark.parametrize("fmt", ["geojson", "shp", "shp-zip", "gpkg", "kml"])
def test_each_format_is_read_reprojected_repaired_and_promoted(tmp_path: Path, fmt: str) -> None:
    path = write_boundaries(tmp_path, fmt, _comuna_features())

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert result.errors == []
    assert result.counts["created"] == 3
    comuna = Territory.objects.get(code="13101")
    assert comuna.level == TerritoryLevel.MUNICIPALITY and comuna.parent is None
    assert comuna.geometry.srid == 4326
    # Back from UTM 19S within a few centimetres of where it was drawn.
    assert comuna.geometry.extent == pytest.approx((-70.70, -33.50, -70.50, -33.40), abs=1e-6)
    west = Territory.objects.get(code="13101-01")
    assert west.parent == comuna and west.level == TerritoryLevel.SECTOR and west.depth == 2
    assert isinstance(west.geometry, MultiPolygon) and len(west.geometry) == 1
    east = Territory.objects.get(code="13101-02")
    assert east.geometry.valid and len(east.geometry) == 2  # the bow-tie's two triangles
    assert east.geometry.area == pytest.approx(0.005, rel=1e-3)
    repaired = [w for w in result.warnings if w.field == "geometry"]
    assert [w.where for w in repaired] == ["feature 3 (code 13101-02)"]
    assert "Self-intersection" in repaired[0].message


def test_a_dry_run_reports_what_it_would_do_and_changes_nothing(tmp_path: Path) -> None:
    path = write_boundaries(tmp_path, "gpkg", _comuna_features())
    old = TerritoryFactory(code="13101", name="Antiguo nombre")

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING)

    assert result.ok and result.dry_run and not result.saved
    assert result.counts["created"] == 2 and result.counts["updated"] == 1
    assert list(Territory.objects.values_list("code", "name")) == [("13101", "Antiguo nombre")]
    old.refresh_from_db()
    assert old.geometry.equals(box(-70.7, -33.5, -70.5, -33.4))


def test_a_bad_attribute_names_the_feature_and_field_and_nothing_is_saved(tmp_path: Path) -> None:
    features = _comuna_features()
    features[1]["properties"]["NIVEL"] = "provincia"
    features[2]["properties"]["NOMBRE"] = ""
    path = write_boundaries(tmp_path, "shp-zip", features)

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert {(e.where, e.field) for e in result.errors} == {
        ("feature 2 (code 13101-01)", "NIVEL"),
        ("feature 3 (code 13101-02)", "NOMBRE"),
    }
    assert "provincia" in str(result.errors[0])
    assert not Territory.objects.exists()


def test_an_error_found_while_writing_rolls_back_every_change(tmp_path: Path) -> None:
    """The comuna would become a sector below which its sector on the map no longer fits."""
    comuna = TerritoryFactory(code="13101", name="Comuna", level=TerritoryLevel.MUNICIPALITY)
    TerritoryFactory(code="S-1", level=TerritoryLevel.SECTOR, parent=comuna)
    features = [
        _feature("13101", "Comuna", "", "sector", COMUNA),
        _feature("99", "Nueva", "", "sector", WEST),
    ]
    path = write_boundaries(tmp_path, "geojson", features)

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert [(e.where, e.field) for e in result.errors] == [("feature 1 (code 13101)", "level")]
    comuna.refresh_from_db()
    assert comuna.level == TerritoryLevel.MUNICIPALITY
    assert not Territory.objects.filter(code="99").exists()


def test_a_missing_parent_code_and_a_duplicate_code_are_named(tmp_path: Path) -> None:
    features = [
        _feature("A", "Uno", "NOPE", "sector", WEST),
        _feature("A", "Dos", "", "sector", COMUNA),
    ]
    path = write_boundaries(tmp_path, "geojson", features)

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert {(e.where, e.field) for e in result.errors} == {
        ("feature 2 (code A)", "code"),
        ("feature 1 (code A)", "parent"),
    }


def test_without_a_parent_attribute_the_parent_is_found_by_containment(tmp_path: Path) -> None:
    region = TerritoryFactory(
        code="13", level=TerritoryLevel.REGION, geometry=box(-71, -34, -70, -33)
    )
    path = write_boundaries(tmp_path, "gpkg", _comuna_features())
    mapping = TerritoryMapping(code_field="COD", name_field="NOMBRE", level_field="NIVEL")

    with translation.override("en"):
        result = territories_import(path=path, mapping=mapping, dry_run=False)

    assert result.ok
    assert result.counts["parents found by containment"] == 3
    assert Territory.objects.get(code="13101").parent == region
    assert Territory.objects.get(code="13101-02").parent.code == "13101"


def test_upsert_by_code_updates_rather_than_duplicates(tmp_path: Path) -> None:
    path = write_boundaries(tmp_path / "one", "geojson", _comuna_features())
    territories_import(path=path, mapping=MAPPING, dry_run=False)
    features = _comuna_features()
    features[1]["properties"]["NOMBRE"] = "Sector Poniente Renombrado"
    again = write_boundaries(tmp_path / "two", "geojson", features)

    with translation.override("en"):
        result = territories_import(path=again, mapping=MAPPING, dry_run=False)

    assert result.counts["created"] == 0 and result.counts["updated"] == 1
    assert result.counts["unchanged"] == 2
    assert Territory.objects.count() == 3
    assert Territory.objects.get(code="13101-01").name == "Sector Poniente Renombrado"


def test_sites_and_cases_follow_the_new_boundaries_and_the_moves_are_counted(
    tmp_path: Path,
) -> None:
    comuna = TerritoryFactory(code="13101", geometry=box(-70.7, -33.5, -70.5, -33.4))
    inside_west = Point(-70.65, -33.45, srid=4326)
    site = SiteFactory(point=inside_west, territory=comuna)
    case = CaseFactory(home=inside_west, territory=comuna)
    SiteFactory(point=Point(-70.52, -33.49, srid=4326), territory=comuna)  # in no new sector
    features = _comuna_features()[1:2]  # only the western sector, in the comuna on the map
    path = write_boundaries(tmp_path, "shp", features)

    with translation.override("en"):
        dry = territories_import(path=path, mapping=MAPPING)
        site.refresh_from_db()
        assert dry.counts["sites moved"] == 1 and dry.counts["cases moved"] == 1
        assert site.territory == comuna

        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert result.counts["sites moved"] == 1 and result.counts["cases moved"] == 1
    west = Territory.objects.get(code="13101-01")
    site.refresh_from_db()
    case.refresh_from_db()
    assert site.territory == west and case.territory == west
    moved = AuditEntry.objects.filter(case_id=case.pk, action="update")
    assert moved.count() == 1  # the dry run's entry was rolled back with it


def test_a_file_without_a_coordinate_system_asks_for_its_srid(tmp_path: Path) -> None:
    path = write_boundaries(tmp_path, "shp", _comuna_features())
    next(path.glob("*.prj")).unlink()

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)
        assert [e.field for e in result.errors] == ["source_srid"]
        given = territories_import(
            path=path,
            mapping=TerritoryMapping(**{**MAPPING.__dict__, "source_srid": 32719}),
            dry_run=False,
        )

    assert given.ok and Territory.objects.count() == 3


def test_an_unknown_attribute_in_the_mapping_lists_the_attributes_there_are(
    tmp_path: Path,
) -> None:
    path = write_boundaries(tmp_path, "geojson", _comuna_features())
    mapping = TerritoryMapping(code_field="CODIGO", name_field="NOMBRE", level="sector")

    with translation.override("en"):
        result = territories_import(path=path, mapping=mapping)

    assert [e.field for e in result.errors] == ["code_field"]
    assert "COD" in result.errors[0].message


def test_the_command_dry_runs_by_default_and_saves_with_commit(tmp_path: Path) -> None:
    path = write_boundaries(tmp_path, "kml", _comuna_features())
    args = [str(path), "--code", "COD", "--name", "NOMBRE", "--parent", "PADRE"]
    out = StringIO()

    call_command("territories_import", *args, "--level-field", "NIVEL", stdout=out, verbosity=0)
    assert "Dry run" in out.getvalue() and not Territory.objects.exists()

    call_command(
        "territories_import", *args, "--level-field", "NIVEL", "--commit", stdout=out, verbosity=0
    )
    assert Territory.objects.count() == 3

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "territories_import", *args, "--level", "region", "--commit", stdout=out, verbosity=0
        )


def test_the_admin_page_checks_first_then_imports_the_checked_mapping(
    tmp_path: Path, coordinator: Any
) -> None:
    client = signed_in(coordinator)
    url = reverse("admin:directory_territory_import")
    path = write_boundaries(tmp_path, "shp-zip", _comuna_features())
    fields = {"code_field": "COD", "name_field": "NOMBRE", "parent_field": "PADRE"}
    fields |= {"level_field": "NIVEL", "level": "", "layer": "", "source_srid": ""}

    assert client.get(url).status_code == 200
    with path.open("rb") as upload, translation.override("en"):
        checked = client.post(url, {**fields, "file": upload, "check": "1"})
    assert checked.status_code == 200
    page = checked.content.decode()
    assert 'id="import-counts"' in page and 'name="commit"' in page
    assert "13101-02) [geometry]" in page and "Self-intersection" in page  # the bow-tie
    assert "NOMBRE" in page  # the layer's attributes are listed for the mapping
    assert not Territory.objects.exists()

    changed = client.post(url, {**fields, "parent_field": "", "commit": "1"})
    assert changed.status_code == 200 and not Territory.objects.exists()  # not the checked one

    client.post(url, {**fields, "check": "1"})  # the kept file, checked again
    imported = client.post(url, {**fields, "commit": "1"})
    assert imported.status_code == 302
    assert Territory.objects.count() == 3


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:directory_territory_import",
        "admin:directory_population_import",
        "admin:directory_territorypopulation_changelist",
    ],
)
def test_only_coordinators_and_administrators_open_the_import_pages(
    url_name: str, client: Any, request: pytest.FixtureRequest
) -> None:
    """The cells of docs/permissions.md: the admin sends non-staff roles to its sign-in."""
    url = reverse(url_name)
    expected = {
        "coordinator": 200,
        "administrator": 200,
        "provider": 403,
        "caseworker": 302,
        "planner": 302,
    }
    for role, status in expected.items():
        user = request.getfixturevalue(role)
        assert signed_in(user).get(url).status_code == status, role
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_a_changed_boundary_is_updated_and_the_sites_under_it_move(tmp_path: Path) -> None:
    comuna = TerritoryFactory(code="13101", geometry=box(-70.7, -33.5, -70.5, -33.4))
    sector = TerritoryFactory(
        code="13101-01",
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(-70.6, -33.5, -70.5, -33.4),  # the east half, for now
    )
    site = SiteFactory(point=Point(-70.65, -33.45, srid=4326), territory=comuna)
    path = write_boundaries(tmp_path, "gpkg", _comuna_features()[1:2])  # now the west half

    with translation.override("en"):
        result = territories_import(path=path, mapping=MAPPING, dry_run=False)

    assert result.counts["updated"] == 1 and result.counts["boundaries changed"] == 1
    assert result.counts["sites moved"] == 1
    sector.refresh_from_db()
    site.refresh_from_db()
    assert sector.geometry.extent == pytest.approx((-70.7, -33.5, -70.6, -33.4), abs=1e-6)
    assert sector.name == "Sector Poniente" and sector.parent == comuna
    assert site.territory == sector
