"""HSDS export: valid documents, the CSV datapackage, and a lossless round trip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from jsonschema import Draft202012Validator

from directory.demo import demo_municipality_generate
from directory.demo_confidential import CONFIDENTIAL_DEMO
from directory.hsds.exporter import datapackage_files, hsds_documents, hsds_export
from directory.hsds.importer import hsds_import
from directory.hsds.schemas import validation_errors
from directory.hsds.tabular import layouts, typed_row
from directory.models import (
    Organization,
    OrganizationIdentifier,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
)

pytestmark = pytest.mark.django_db

KINDS = {
    "services.json": "service",
    "organizations.json": "organization",
    "service_at_locations.json": "service_at_location",
    "taxonomies.json": "taxonomy",
    "taxonomy_terms.json": "taxonomy_term",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def demo():
    demo_municipality_generate(seed=11, services=30, with_users=False)
    site = Site.objects.order_by("name").first()
    OrganizationIdentifier.objects.create(
        organization=site.organization, identifier_type="RUT", identifier="70.000.000-1"
    )


def flush_directory() -> None:
    """Everything HSDS carries; territories stay, as the map they are placed on."""
    ServiceAtSite.objects.all().delete()
    Service.objects.all().delete()
    Site.objects.all().delete()
    OrganizationIdentifier.objects.all().delete()
    Organization.objects.all().delete()
    while TaxonomyTerm.objects.exists():
        TaxonomyTerm.objects.filter(children__isnull=True).delete()
    Taxonomy.objects.all().delete()


def comparable(documents: dict) -> dict:
    """The documents without what records the moment of writing rather than the data."""
    result = json.loads(json.dumps(documents))
    for service in result["services.json"]:
        service.pop("last_modified", None)
        for capacity in service["capacities"]:
            capacity.pop("updated")
    return result


def test_every_exported_document_validates_against_the_hsds_and_profile_schemas(demo):
    documents = hsds_documents()
    assert len(documents["services.json"]) == 30 + len(CONFIDENTIAL_DEMO)
    for name, items in documents.items():
        assert items, name
        for item in items:
            assert validation_errors(item, KINDS[name]) == [], (name, item["id"])
            assert validation_errors(item, KINDS[name], profiled=True) == [], (name, item["id"])


def test_the_datapackage_has_every_hsds_table_with_valid_rows(demo):
    files = datapackage_files(hsds_documents())
    package = json.loads(files["datapackage.json"])
    paths = {resource["path"] for resource in package["resources"]}
    assert {
        "services.csv",
        "organizations.csv",
        "locations.csv",
        "service_at_location.csv",
        "addresses.csv",
        "taxonomy_terms.csv",
        "service_capacity.csv",
    } <= paths
    for layout in layouts():
        rows = list(csv.DictReader(io.StringIO(files[layout.path])))
        header = files[layout.path].splitlines()[0].split(",")
        assert header == [name for name, _type in layout.columns]
        validator = Draft202012Validator(layout.schema)
        for number, row in enumerate(rows, start=2):
            typed = typed_row(layout, row)
            errors = [e.message for e in validator.iter_errors(typed)]
            assert errors == [], (layout.path, number, errors)
    services = list(csv.DictReader(io.StringIO(files["services.csv"])))
    assert len(services) == 30 + len(CONFIDENTIAL_DEMO)
    assert json.loads(services[0]["eligibility"])["service_area"] is not None


def without_confidential_sites() -> None:
    """A redacted location never exports its point or address, so it cannot be read back
    into an *empty* directory as it was (docs/confidential-sites.md, known limits)."""
    Site.objects.update(confidential=False)


def test_the_json_export_round_trips_to_the_same_document(demo, tmp_path):
    without_confidential_sites()
    before = hsds_documents()
    hsds_export(output=tmp_path / "out", format="json")
    flush_directory()
    assert Service.objects.count() == 0
    report = hsds_import(path=tmp_path / "out")
    assert report.ok, "\n".join(map(str, report.errors))
    assert comparable(hsds_documents()) == comparable(before)


def test_the_csv_datapackage_round_trips_to_the_same_document(demo, tmp_path):
    without_confidential_sites()
    before = hsds_documents()
    hsds_export(output=tmp_path / "out", format="csv")
    flush_directory()
    report = hsds_import(path=tmp_path / "out")
    assert report.ok, "\n".join(map(str, report.errors))
    assert comparable(hsds_documents()) == comparable(before)


def test_importing_our_own_export_over_itself_changes_nothing(demo, tmp_path):
    hsds_export(output=tmp_path / "out", format="json")
    history = sum(m.history.count() for m in (Organization, Service, Site, ServiceAtSite))
    report = hsds_import(path=tmp_path / "out")
    assert report.ok, "\n".join(map(str, report.errors))
    assert set(report.counts["service"]) == {"unchanged"}
    assert sum(m.history.count() for m in (Organization, Service, Site, ServiceAtSite)) == history


def test_the_command_writes_json_and_the_datapackage(demo, tmp_path):
    call_command("hsds_export", "--output", str(tmp_path / "out"), verbosity=0)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"services.json", "organizations.json", "datapackage"} <= names
    assert (tmp_path / "out" / "datapackage" / "datapackage.json").exists()
    services = json.loads((tmp_path / "out" / "services.json").read_text())
    assert len(services) == 30 + len(CONFIDENTIAL_DEMO)


def test_the_export_zip_is_public_and_holds_both_forms(demo, client, tmp_path):
    without_confidential_sites()
    response = client.get(reverse("directory:hsds:export_zip"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert {
        "json/services.json",
        "datapackage/datapackage.json",
        "datapackage/services.csv",
    } <= names
    zipped = Path(tmp_path / "export.zip")
    zipped.write_bytes(content)
    flush_directory()
    report = hsds_import(path=zipped)
    assert report.ok, "\n".join(map(str, report.errors))
    assert Service.objects.count() == 30 + len(CONFIDENTIAL_DEMO)
