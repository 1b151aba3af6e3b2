"""HSDS import: the official examples, upserts without churn, and all-or-nothing errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from directory.hsds.importer import hsds_import
from directory.models import (
    Eligibility,
    Organization,
    OrganizationIdentifier,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
)
from tests.factories import TerritoryFactory, box

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR).parent / "shared" / "hsds" / "examples"
# The official examples put their one location at latitude 100, longitude 101, which is
# not on Earth. The tests move it to a real place (central London, fitting the examples'
# NHS and Companies House references) covered by a test territory.
EXAMPLE_LAT, EXAMPLE_LON = 51.5074, -0.1278
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def london():
    return TerritoryFactory(code="GB-LDN", name="London", geometry=box(-0.6, 51.2, 0.4, 51.8))


def relocated(document):
    if isinstance(document, dict):
        out = {}
        for key, value in document.items():
            if key == "latitude" and value == 100:
                out[key] = EXAMPLE_LAT
            elif key == "longitude" and value == 101:
                out[key] = EXAMPLE_LON
            else:
                out[key] = relocated(value)
        return out
    if isinstance(document, list):
        return [relocated(item) for item in document]
    return document


def example(tmp_path: Path, name: str, *, move: bool = True) -> Path:
    document = json.loads((EXAMPLES / name).read_text())
    target = tmp_path / name
    target.write_text(json.dumps(relocated(document) if move else document))
    return target


def write(tmp_path: Path, name: str, document) -> Path:
    target = tmp_path / name
    target.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return target


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "services": Service.objects.count(),
        "sites": Site.objects.count(),
        "links": ServiceAtSite.objects.count(),
        "terms": TaxonomyTerm.objects.count(),
        "taxonomies": Taxonomy.objects.count(),
        "history": history_count(),
    }


def history_count() -> int:
    return sum(
        model.history.count() for model in (Organization, Service, Site, ServiceAtSite, Eligibility)
    )


def minimal_service(**overrides):
    service = {
        "id": "0f5a6d2c-9a43-4a54-a0d9-2f6b9f0f7a01",
        "name": "Orientación familiar",
        "description": "Apoyo a familias",
        "status": "active",
        "organization": {
            "id": "5b0b6a1e-7f1d-4e0e-9f43-8f2d8c1c2b11",
            "name": "Centro Comunitario",
            "description": "Organización comunitaria",
        },
        "service_at_locations": [
            {
                "id": "8e1f0a3a-3e3c-4d9b-a0f2-6f0b9d5f4c21",
                "location": {
                    "id": "c3a9c3a4-6f6f-4f7e-8a34-0e7b1f3e9d31",
                    "location_type": "physical",
                    "name": "Sede única",
                    "latitude": EXAMPLE_LAT,
                    "longitude": EXAMPLE_LON,
                    "addresses": [
                        {
                            "id": "9d3e8f1b-2a4c-4b6d-8e0f-1a2b3c4d5e61",
                            "address_1": "1 Main Street",
                            "city": "London",
                            "state_province": "",
                            "postal_code": "EC1",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }
    service.update(overrides)
    return service


def error_text(report) -> str:
    return "\n".join(str(e) for e in report.errors)


# --- the official examples ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "service_full.json",
        "service_list.json",
        "organization_full.json",
        "organization_list.json",
        "service_at_location_full.json",
        "tabular.json",
        "taxonomy.json",
        "taxonomy_list.json",
        "taxonomy_term.json",
        "taxonomy_term_list.json",
        "base.json",
    ],
)
def test_each_official_example_imports_on_its_own(tmp_path, london, name):
    report = hsds_import(path=example(tmp_path, name))
    assert report.ok, error_text(report)


def test_every_official_example_imports_one_after_the_other(tmp_path, london):
    names = sorted(p.name for p in EXAMPLES.glob("*.json"))
    # Locations come alone in location.json and without address in the SAL list: they
    # update the location the full examples created.
    order = [n for n in names if "full" in n] + [n for n in names if "full" not in n]
    for name in order:
        report = hsds_import(path=example(tmp_path, name))
        assert report.ok, f"{name}: {error_text(report)}"
    service = Service.objects.get(pk=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert service.organization_id == Organization.objects.get(pk=ORGANIZATION_ID).pk
    assert service.eligibility.min_age == 12
    assert service.eligibility.max_age is None  # 100 is beyond the ages Puente serves
    assert service.languages == ["ur"]
    assert service.verified_on.isoformat() == "2005-01-01"
    assert not service.is_free
    site = Site.objects.get(pk=LOCATION_ID)
    assert (site.point.y, site.point.x) == (EXAMPLE_LAT, EXAMPLE_LON)
    assert site.territory == london
    assert site.city == "MyCity" and site.postal_code == "ABC 1234"
    assert service.categories.get().code == "code"
    assert OrganizationIdentifier.objects.get().identifier == "1234567"


def test_the_examples_report_what_was_ignored_and_the_defaults_used(tmp_path, london):
    report = hsds_import(path=example(tmp_path, "service_full.json"))
    assert report.ok
    warnings = "\n".join(str(w) for w in report.warnings)
    assert "service.phones" in warnings and "service.funding" in warnings
    assert "modality" in warnings and "access routes" in warnings
    assert "maximum age of 100" in warnings
    service = Service.objects.get(pk=SERVICE_ID)
    assert service.modality == "transactional"
    assert service.access_routes == ["self_referral", "referral"]
    assert service.kind == "social"


def test_a_standalone_location_without_organization_is_refused_with_a_reason(tmp_path, london):
    report = hsds_import(path=example(tmp_path, "location.json"))
    assert not report.ok
    assert "needs an organization" in error_text(report)
    assert Site.objects.count() == 0


def test_the_examples_as_published_are_refused_for_a_latitude_off_the_earth(tmp_path, london):
    before = counts()
    report = hsds_import(path=example(tmp_path, "service_full.json", move=False))
    assert not report.ok
    assert "not on Earth" in error_text(report)
    assert "latitude" in error_text(report)
    assert counts() == before


# --- upserts --------------------------------------------------------------------------


def test_importing_twice_changes_nothing_the_second_time(tmp_path, london):
    source = example(tmp_path, "service_full.json")
    first = hsds_import(path=source)
    assert first.ok
    after_first = counts()
    second = hsds_import(path=source)
    assert second.ok, error_text(second)
    assert counts() == after_first
    assert set(second.counts["service"]) == {"unchanged"}
    assert set(second.counts["location"]) == {"unchanged"}


def test_a_changed_record_is_updated_in_place(tmp_path, london):
    hsds_import(path=write(tmp_path, "a.json", minimal_service()))
    history = history_count()
    report = hsds_import(path=write(tmp_path, "a.json", minimal_service(name="Nuevo nombre")))
    assert report.ok
    assert Service.objects.get().name == "Nuevo nombre"
    assert report.counts["service"]["updated"] == 1
    assert history_count() == history + 1


def test_a_dry_run_checks_everything_and_saves_nothing(tmp_path, london):
    before = counts()
    report = hsds_import(path=example(tmp_path, "service_full.json"), dry_run=True)
    assert report.ok and report.dry_run
    assert report.counts["service"]["created"] == 1
    assert counts() == before


# --- errors: reported precisely, nothing saved -----------------------------------------


def test_it_refuses_a_truncated_file_and_saves_nothing(tmp_path, london):
    text = json.dumps(minimal_service())[:-40]
    before = counts()
    report = hsds_import(path=write(tmp_path, "cut.json", text))
    assert not report.ok
    message = error_text(report)
    assert "cut.json" in message and "not valid JSON" in message and "line 1" in message
    assert counts() == before


def test_it_refuses_missing_required_fields_naming_each(tmp_path, london):
    service = minimal_service()
    del service["name"]
    del service["organization"]["description"]
    before = counts()
    report = hsds_import(path=write(tmp_path, "missing.json", [service]))
    assert not report.ok
    fields = {(e.where, e.field) for e in report.errors}
    assert ("$[0]", "name") in fields
    assert ("$[0].organization", "description") in fields
    assert counts() == before


def test_it_refuses_a_wrong_type_with_its_json_path(tmp_path, london):
    service = minimal_service(minimum_age="twelve")
    service["service_at_locations"][0]["location"]["latitude"] = "north"
    report = hsds_import(path=write(tmp_path, "types.json", service))
    assert not report.ok
    wheres = {e.where for e in report.errors}
    assert "$.minimum_age" in wheres
    assert "$.service_at_locations[0].location.latitude" in wheres
    assert Service.objects.count() == 0


def test_it_refuses_a_point_outside_every_territory(tmp_path, london):
    service = minimal_service()
    service["service_at_locations"][0]["location"]["latitude"] = -33.45
    service["service_at_locations"][0]["location"]["longitude"] = 150.0
    before = counts()
    report = hsds_import(path=write(tmp_path, "far.json", service))
    assert not report.ok
    error = report.errors[0]
    assert error.where == "$.service_at_locations[0].location"
    assert error.field == "latitude"
    assert "outside every territory" in error.message
    assert counts() == before


def test_it_refuses_an_unknown_taxonomy_term(tmp_path, london):
    service = minimal_service(
        attributes=[
            {
                "id": "1c2d3e4f-0000-4000-8000-000000000001",
                "taxonomy_term_id": "1c2d3e4f-0000-4000-8000-0000000000ff",
            }
        ]
    )
    before = counts()
    report = hsds_import(path=write(tmp_path, "term.json", service))
    assert not report.ok
    error = report.errors[0]
    assert error.field == "taxonomy_term_id" and "Unknown taxonomy term" in error.message
    assert error.where == "$.attributes[0]"
    assert counts() == before


def test_a_known_taxonomy_term_by_id_becomes_a_category(tmp_path, london):
    term = TaxonomyTerm.objects.get(code="specialized.family_guidance")
    service = minimal_service(
        attributes=[
            {"id": "1c2d3e4f-0000-4000-8000-000000000001", "taxonomy_term_id": str(term.pk)}
        ]
    )
    report = hsds_import(path=write(tmp_path, "term.json", service))
    assert report.ok, error_text(report)
    imported = Service.objects.get()
    assert list(imported.categories.all()) == [term]
    assert imported.kind == "specialized"  # guessed from the category


def test_it_refuses_a_duplicate_id_and_saves_nothing(tmp_path, london):
    first = minimal_service()
    second = minimal_service(name="Otra con el mismo id")
    before = counts()
    report = hsds_import(path=write(tmp_path, "dup.json", [first, second]))
    assert not report.ok
    error = report.errors[0]
    assert error.where == "$[1]" and error.field == "id"
    assert "Duplicate id" in error.message and "$[0]" in error.message
    assert counts() == before


def test_one_bad_record_among_good_ones_saves_none_of_them(tmp_path, london):
    good = minimal_service()
    bad = minimal_service(id="0f5a6d2c-9a43-4a54-a0d9-2f6b9f0f7a02", status="open")
    bad["service_at_locations"] = []
    report = hsds_import(path=write(tmp_path, "mixed.json", [good, bad]))
    assert not report.ok
    assert [(e.where, e.field) for e in report.errors] == [("$[1].status", "status")]
    assert Service.objects.count() == 0 and Organization.objects.count() == 0


def test_model_rules_are_checked_before_saving(tmp_path, london):
    service = minimal_service(
        eligibility={
            "min_age": 10,
            "max_age": 4,
            "sexes": [],
            "risk_levels": [],
            "service_area": [],
            "requires_judicial_order": False,
            "notes": "",
        }
    )
    report = hsds_import(path=write(tmp_path, "ages.json", service))
    assert not report.ok
    assert any(e.field == "maximum_age" for e in report.errors), error_text(report)
    assert Service.objects.count() == 0


def test_a_csv_datapackage_error_names_the_file_row_and_column(tmp_path, london):
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "datapackage.json").write_text("{}")
    (folder / "organizations.csv").write_text(
        "id,name,description\n"
        "5b0b6a1e-7f1d-4e0e-9f43-8f2d8c1c2b11,Centro,Desc\n"
        "6b0b6a1e-7f1d-4e0e-9f43-8f2d8c1c2b11,,Desc\n"
    )
    (folder / "services.csv").write_text(
        "id,organization_id,name,status,minimum_age\n"
        "0f5a6d2c-9a43-4a54-a0d9-2f6b9f0f7a01,5b0b6a1e-7f1d-4e0e-9f43-8f2d8c1c2b11,S,active,x\n"
    )
    report = hsds_import(path=folder)
    assert not report.ok
    found = {(e.file, e.where, e.field) for e in report.errors}
    assert ("services.csv", "row 2", "minimum_age") in found
    assert ("organizations.csv", "row 3", "name") in found
    assert Organization.objects.count() == 0


def test_the_command_prints_every_error_and_fails(tmp_path, london, capsys):
    path = write(tmp_path, "dup.json", [minimal_service(), minimal_service()])
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("hsds_import", str(path), verbosity=0)
    assert "Duplicate id" in capsys.readouterr().err


def test_the_command_imports_and_summarises(tmp_path, london, capsys):
    path = example(tmp_path, "service_full.json")
    call_command("hsds_import", str(path), verbosity=0)
    output = capsys.readouterr().out
    assert "service: created 1" in output
    assert Service.objects.filter(pk=SERVICE_ID).exists()
