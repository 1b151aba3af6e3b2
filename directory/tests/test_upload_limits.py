"""Uploads are size-limited and parsed safely: a malicious file gets a clear refusal."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from directory.hsds.importer import hsds_import
from directory.models import Service
from directory.spreadsheet import SpreadsheetError, spreadsheet_plan, spreadsheet_template
from directory.tests.test_spreadsheet import as_csv, row
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def territory(db):
    return TerritoryFactory(code="C-DEMO")


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (msgids); Spanish comes from the catalog."""
    with translation.override("en"):
        yield


def zip_bomb_xlsx(*, unpacked_mb: int) -> bytes:
    """A real workbook whose sheet is padded to ``unpacked_mb`` of highly compressible XML."""
    template = zipfile.ZipFile(io.BytesIO(spreadsheet_template(fmt="xlsx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        for info in template.infolist():
            data = template.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b" " * (unpacked_mb * 1024 * 1024))
                data += b"</worksheet>"
            bomb.writestr(info.filename, data)
    return out.getvalue()


def upload(client, content: bytes, name: str):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("admin:directory_service_spreadsheet"), {"file": file})


# --- the directory spreadsheet ---------------------------------------------------------


def test_a_zip_bomb_disguised_as_a_workbook_is_refused_unopened(provider):
    content = zip_bomb_xlsx(unpacked_mb=200)
    assert len(content) < 1024 * 1024  # small on the wire
    with pytest.raises(SpreadsheetError, match="unpack"):
        spreadsheet_plan(actor=provider, content=content, filename="mapa.xlsx")


def test_a_workbook_that_compresses_suspiciously_well_is_refused(provider):
    content = zip_bomb_xlsx(unpacked_mb=5)  # under the total, but 1000 to 1
    with pytest.raises(SpreadsheetError, match="unpack"):
        spreadsheet_plan(actor=provider, content=content, filename="mapa.xlsx")


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7 not a workbook at all",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program renamed .xlsx
        b"nombre,otra\n1,2\n",
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_as_such(provider, content):
    with pytest.raises(SpreadsheetError, match="not a valid XLSX"):
        spreadsheet_plan(actor=provider, content=content, filename="mapa.xlsx")


def test_a_plain_zip_renamed_xlsx_is_refused(provider):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("leeme.txt", "hola")
    with pytest.raises(SpreadsheetError, match="not a valid XLSX"):
        spreadsheet_plan(actor=provider, content=out.getvalue(), filename="mapa.xlsx")


def test_a_binary_file_renamed_csv_is_refused(provider):
    with pytest.raises(SpreadsheetError):
        spreadsheet_plan(actor=provider, content=b"a\x00b,c\n\x00\x00", filename="mapa.csv")


def test_a_csv_field_over_the_parser_limit_is_a_clear_refusal(provider):
    content = as_csv(row()) + b'"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(SpreadsheetError, match="cannot be read"):
        spreadsheet_plan(actor=provider, content=content, filename="mapa.csv")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("prestacion", '=HYPERLINK("http://evil.example","clic")'),
        ("descripcion", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("descripcion", "+cmd|' /C calc'!A0"),
        ("sede", "-2+3+cmd|' /C calc'!A0"),
        ("direccion", "\t=1+1"),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_refused_naming_row_and_column(
    provider, column, value
):
    plan = spreadsheet_plan(
        actor=provider, content=as_csv(row(**{column: value})), filename="mapa.csv"
    )
    assert (2, column) in [(e.row, e.column) for e in plan.errors]
    message = next(e.message for e in plan.errors if e.column == column)
    assert "formula" in message or "fórmula" in message
    assert not plan.ok


def test_negative_coordinates_are_numbers_not_formulas(provider):
    plan = spreadsheet_plan(
        actor=provider,
        content=as_csv(
            row(
                latitud="-33.45",
                longitud="-70.60",
                tipo="specialized",
                modalidades_acceso="referral",
            )
        ),
        filename="a.csv",
    )
    assert plan.ok, plan.errors


def test_the_admin_refuses_an_oversized_spreadsheet_naming_the_limit(client, coordinator, settings):
    settings.SPREADSHEET_MAX_MB = 1
    client.force_login(coordinator)
    response = upload(client, b"x" * (1024 * 1024 + 1), "mapa.csv")
    assert response.status_code == 200
    assert "1 MB" in response.content.decode()
    assert Service.objects.count() == 0


def test_the_admin_shows_a_zip_bomb_refusal_on_the_form(client, coordinator):
    client.force_login(coordinator)
    response = upload(client, zip_bomb_xlsx(unpacked_mb=200), "mapa.xlsx")
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Service.objects.count() == 0


def test_a_request_body_over_the_global_limit_is_refused_before_it_is_read(
    client, coordinator, settings
):
    settings.REQUEST_MAX_BYTES = 1024
    client.force_login(coordinator)
    response = upload(client, b"x" * 4096, "mapa.csv")
    assert response.status_code == 413
    assert "1024" not in response.content.decode()  # says MB, for people
    assert "MB" in response.content.decode()


# --- hsds_import -----------------------------------------------------------------------


def test_hsds_import_refuses_a_file_over_the_limit(tmp_path, settings):
    settings.HSDS_IMPORT_MAX_MB = 1
    big = tmp_path / "services.json"
    big.write_text(json.dumps([{"name": "x" * 100}] * 20_000))
    report = hsds_import(path=big, dry_run=True)
    assert any("HSDS_IMPORT_MAX_MB" in str(issue) for issue in report.errors)


def test_hsds_import_refuses_a_zip_bomb_without_unpacking_it(tmp_path):
    archive_path = tmp_path / "export.zip"
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.json", b"[" + b" " * (300 * 1024 * 1024) + b"]")
    assert archive_path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(CommandError):
        call_command("hsds_import", str(archive_path), "--dry-run", verbosity=0)
    report = hsds_import(path=archive_path, dry_run=True)
    assert any("Too large" in str(issue) or "MB" in str(issue) for issue in report.errors)


def test_hsds_import_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "services.json"
    path.write_bytes(b'[{"name": "Caf\xe9"}]')
    report = hsds_import(path=path, dry_run=True)
    assert [issue.file for issue in report.errors] == ["services.json"]
    assert "UTF-8" in str(report.errors[0])


def test_hsds_import_reports_a_damaged_zip(tmp_path):
    path = tmp_path / "export.zip"
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.json", "[]" * 1000)
    data = bytearray(good.getvalue())
    data[40:60] = b"\x00" * 20  # corrupt the member's compressed data
    path.write_bytes(bytes(data))
    report = hsds_import(path=path, dry_run=True)
    assert report.errors
