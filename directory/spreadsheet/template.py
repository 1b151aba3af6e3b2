"""The spreadsheet's columns, the limits on a file, and the empty template to fill in."""

from __future__ import annotations

import csv
import io
import unicodedata

from django.conf import settings
from openpyxl import Workbook

MAX_ROWS = 20_000
MAX_COLUMNS = 100
# An XLSX is a zip of XML. 20,000 rows of the template take about 25 MB unpacked; a
# "zip bomb" declares gigabytes in a few kilobytes. zipfile never inflates an entry
# past its declared size, so checking the declared sizes bounds what openpyxl reads.
MAX_XLSX_UNPACKED_BYTES = 150 * 1024 * 1024
MAX_XLSX_ENTRIES = 500
MAX_XLSX_RATIO = 200  # unpacked/packed per entry; real sheets stay well under 50
# A cell starting with these is run as a formula when the file is opened again in a
# spreadsheet program (CSV injection); "+" and "-" only when the cell is not a number.
FORMULA_PREFIXES = ("=", "@", "\t", "\r")


def spreadsheet_max_bytes() -> int:
    return int(settings.SPREADSHEET_MAX_MB) * 1024 * 1024


def cell_looks_like_formula(value: str) -> bool:
    if value.startswith(FORMULA_PREFIXES):
        return True
    if value[:1] in {"+", "-"}:
        try:
            float(value.replace(",", "."))
        except ValueError:
            return True
    return False


# (header, help shown in the template's second sheet)
COLUMNS: list[tuple[str, str]] = [
    ("id_prestacion", "UUID de la prestación; vacío para crear una nueva"),
    ("institucion", "Nombre exacto de la institución (debe existir)"),
    ("prestacion", "Nombre de la prestación"),
    ("descripcion", "Descripción"),
    ("categorias", "Códigos de categoría separados por ; (p. ej. social.health)"),
    ("tipo", "social | specialized"),
    ("modalidad", "transactional | individual | family_accompaniment"),
    ("modalidades_acceso", "self_referral ; referral ; outreach"),
    ("estado", "active | inactive | temporarily closed | defunct"),
    ("edad_minima", "Años, vacío sin mínimo"),
    ("edad_maxima", "Años, vacío sin máximo"),
    ("sexos", "female ; male ; other — vacío para todos"),
    ("niveles_riesgo", "low ; moderate ; high ; very_high — vacío para todos"),
    ("territorios_atendidos", "Códigos de territorio separados por ; — vacío sin restricción"),
    ("requiere_orden_judicial", "si | no"),
    ("id_sede", "UUID de la sede; vacío para crear una nueva"),
    ("sede", "Nombre de la sede"),
    ("direccion", "Dirección"),
    ("ciudad", "Ciudad o comuna"),
    ("latitud", "Grados decimales, p. ej. -33.45"),
    ("longitud", "Grados decimales, p. ej. -70.60"),
    ("cupos", "Número entero de cupos en esta sede (0 o más)"),
]
HEADERS = [name for name, _help in COLUMNS]
REQUIRED = [
    "institucion",
    "prestacion",
    "sede",
    "direccion",
    "ciudad",
    "latitud",
    "longitud",
    "cupos",
]
YES = {"si", "sí", "s", "yes", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


def spreadsheet_template(*, fmt: str) -> bytes:
    """An empty template with one example row, as CSV or XLSX."""
    example = [
        "",
        "Nombre de su institución",
        "Taller de parentalidad positiva",
        "Sesiones grupales para cuidadores",
        "specialized.positive_parenting",
        "specialized",
        "family_accompaniment",
        "referral;self_referral",
        "active",
        "0",
        "11",
        "",
        "",
        "",
        "no",
        "",
        "Sede central",
        "Av. Central 123",
        "Río Claro",
        "-33.45",
        "-70.60",
        "15",
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerow(example)
        return out.getvalue().encode("utf-8-sig")  # BOM: Excel opens accents correctly
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "prestaciones"
    sheet.append(HEADERS)
    sheet.append(example)
    guide = book.create_sheet("instrucciones")
    guide.append(["columna", "contenido", "obligatoria"])
    for name, help_text in COLUMNS:
        guide.append([name, help_text, "sí" if name in REQUIRED else "no"])
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()


def fold(value: str) -> str:
    """Lower case without accents: how headers, names and choices are compared."""
    text = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))
