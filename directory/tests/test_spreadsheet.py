from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from directory.models import Service, ServiceAtSite, Site
from directory.spreadsheet import (
    HEADERS,
    SpreadsheetError,
    spreadsheet_apply,
    spreadsheet_plan,
    spreadsheet_template,
)
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def territory(db):
    return TerritoryFactory(code="C-DEMO")


def row(**overrides) -> dict[str, str]:
    values = {
        "id_prestacion": "",
        "institucion": "Fundación Proveedora",
        "prestacion": "Taller de crianza",
        "descripcion": "Sesiones grupales",
        "categorias": "specialized.positive_parenting",
        "tipo": "Servicio especializado",
        "modalidad": "family_accompaniment",
        "modalidades_acceso": "referral; Demanda espontánea",
        "estado": "active",
        "edad_minima": "0",
        "edad_maxima": "11",
        "sexos": "",
        "niveles_riesgo": "",
        "territorios_atendidos": "C-DEMO",
        "requiere_orden_judicial": "no",
        "id_sede": "",
        "sede": "Sede Norte",
        "direccion": "Calle 1",
        "ciudad": "Río Claro",
        "latitud": "-33.45",
        "longitud": "-70.60",
        "cupos": "12",
    }
    values.update(overrides)
    return values


def as_csv(*rows: dict[str, str], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def errors_of(plan) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in plan.errors]


def test_the_templates_have_the_spanish_headers_in_csv_and_xlsx(coordinator):
    text = spreadsheet_template(fmt="csv").decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == HEADERS
    book = load_workbook(io.BytesIO(spreadsheet_template(fmt="xlsx")))
    assert [c.value for c in book["prestaciones"][1]] == HEADERS
    assert book["instrucciones"]["A1"].value == "columna"


def test_a_provider_creates_a_service_with_its_site_slots_and_eligibility(provider):
    plan = spreadsheet_plan(actor=provider, content=as_csv(row()), filename="mapa.csv")
    assert plan.ok, plan.errors
    assert (plan.rows[0].service_action, plan.rows[0].site_action) == ("create", "create")
    assert Service.objects.count() == 0  # a plan writes nothing
    spreadsheet_apply(actor=provider, plan=plan)
    service = Service.objects.get(name="Taller de crianza")
    assert service.kind == "specialized"
    assert set(service.access_routes) == {"referral", "self_referral"}
    assert (service.eligibility.min_age, service.eligibility.max_age) == (0, 11)
    assert [t.code for t in service.eligibility.service_area.all()] == ["C-DEMO"]
    link = ServiceAtSite.objects.get(service=service)
    assert link.capacity == 12
    assert link.site.territory.code == "C-DEMO"


def test_uploading_the_same_rows_again_changes_nothing(provider):
    content = as_csv(row())
    spreadsheet_apply(
        actor=provider, plan=spreadsheet_plan(actor=provider, content=content, filename="a.csv")
    )
    service = Service.objects.get()
    site = Site.objects.get()
    again = as_csv(row(id_prestacion=str(service.pk), id_sede=str(site.pk)))
    plan = spreadsheet_plan(actor=provider, content=again, filename="a.csv")
    assert plan.ok, plan.errors
    assert (
        plan.rows[0].service_action,
        plan.rows[0].site_action,
        plan.rows[0].capacity_action,
    ) == (
        "unchanged",
        "unchanged",
        "unchanged",
    )


def test_a_changed_slot_count_is_planned_as_an_update(provider):
    spreadsheet_apply(
        actor=provider,
        plan=spreadsheet_plan(actor=provider, content=as_csv(row()), filename="a.csv"),
    )
    ids = {"id_prestacion": str(Service.objects.get().pk), "id_sede": str(Site.objects.get().pk)}
    plan = spreadsheet_plan(actor=provider, content=as_csv(row(cupos="3", **ids)), filename="a.csv")
    assert plan.rows[0].capacity_action == "update"
    spreadsheet_apply(actor=provider, plan=plan)
    assert ServiceAtSite.objects.get().capacity == 3


def test_two_rows_of_one_new_service_at_two_sites_create_one_service(provider):
    content = as_csv(row(), row(sede="Sede Sur", latitud="-33.46", cupos="4"))
    plan = spreadsheet_plan(actor=provider, content=content, filename="a.csv")
    spreadsheet_apply(actor=provider, plan=plan)
    assert Service.objects.count() == 1
    assert ServiceAtSite.objects.count() == 2


def test_semicolon_separated_csv_from_a_spanish_excel_is_read(provider):
    plan = spreadsheet_plan(actor=provider, content=as_csv(row(), delimiter=";"), filename="a.csv")
    assert plan.ok, plan.errors


def test_an_xlsx_upload_is_read_like_a_csv(provider):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([row()[h] for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    assert spreadsheet_plan(actor=provider, content=out.getvalue(), filename="m.xlsx").ok


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"institucion": "No existe"}, "institucion"),
        ({"cupos": "-1"}, "cupos"),
        ({"cupos": "doce"}, "cupos"),
        ({"latitud": "10", "longitud": "10"}, "latitud"),
        ({"latitud": "200"}, "latitud"),
        ({"categorias": "no.such.term"}, "categorias"),
        ({"territorios_atendidos": "XX"}, "territorios_atendidos"),
        ({"edad_minima": "12", "edad_maxima": "5"}, "edad_maxima"),
        ({"modalidad": "remota"}, "modalidad"),
        ({"requiere_orden_judicial": "quizás"}, "requiere_orden_judicial"),
        ({"id_prestacion": "no-es-un-id"}, "id_prestacion"),
        ({"prestacion": ""}, "prestacion"),
    ],
)
def test_a_bad_cell_is_refused_naming_its_row_and_column(provider, overrides, column):
    content = as_csv(row(), row(sede="Otra sede", **overrides))
    plan = spreadsheet_plan(actor=provider, content=content, filename="a.csv")
    assert (3, column) in errors_of(plan)
    assert not plan.ok
    with pytest.raises(ValidationError):
        spreadsheet_apply(actor=provider, plan=plan)
    assert Service.objects.count() == 0


def test_a_provider_is_refused_rows_of_another_institution(provider, other_org):
    content = as_csv(row(institucion=other_org.name))
    plan = spreadsheet_plan(actor=provider, content=content, filename="a.csv")
    assert errors_of(plan) == [(2, "institucion")]


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"", "a.csv"),
        (b"nombre,otra\n1,2\n", "a.csv"),
        (b"\xff\xfe\x00garbage", "a.csv"),
        (b"PK\x03\x04 not really a workbook", "a.xlsx"),
        (b"hello", "a.pdf"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message(provider, content, filename):
    with pytest.raises(SpreadsheetError):
        spreadsheet_plan(actor=provider, content=content, filename=filename)


def test_the_admin_previews_then_applies_on_confirmation(client, coordinator, provider_org):
    client.force_login(coordinator)
    url = reverse("admin:directory_service_spreadsheet")
    upload = SimpleUploadedFile("mapa.csv", as_csv(row()), content_type="text/csv")
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200
    assert 'id="planned"' in preview.content.decode()
    assert Service.objects.count() == 0
    done = client.post(url, {"confirm": "1", "digest": preview.context["digest"]})
    assert done.status_code == 302
    assert Service.objects.filter(name="Taller de crianza").exists()


def test_the_admin_preview_lists_refused_rows_and_offers_no_confirmation(
    client, coordinator, provider_org
):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("mapa.csv", as_csv(row(cupos="-5")), content_type="text/csv")
    preview = client.post(reverse("admin:directory_service_spreadsheet"), {"file": upload})
    html = preview.content.decode()
    assert 'id="refused"' in html and "cupos" in html
    assert 'name="confirm"' not in html


def test_planners_cannot_reach_the_spreadsheet_upload(client, planner):
    client.force_login(planner)
    response = client.get(reverse("admin:directory_service_spreadsheet"))
    assert response.status_code in {302, 403}
