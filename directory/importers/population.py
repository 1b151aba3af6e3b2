"""The population import: a CSV of territory code, age (a year of age or a band) and count.

Ages are summed into Puente's bands (0-5, 6-11, 12-17). A census band that straddles
them (e.g. 5-9) is split evenly by year of age, and the part at 18 or over is left out.
Each territory's figures are kept per year (``TerritoryPopulation``); the newest year is
copied to the territory, where the gap inventory reads it. A year given again replaces
that year. All or nothing; every problem names the row and the column.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.importers.report import ImportResult, Progress, Rollback, progress_none
from directory.models import POPULATION_BANDS, Territory, TerritoryPopulation

#: The accepted headers (lower-cased) for each column.
COLUMNS = {
    "territory": ("territory_code", "territory", "code", "codigo", "código", "territorio"),
    "age": ("age", "edad", "age_band", "tramo"),
    "count": ("count", "population", "poblacion", "población", "n", "total"),
    "year": ("year", "año", "anio"),
}
ADULT = 18
MIN_YEAR, MAX_YEAR = 1900, 2200
PROGRESS_EVERY = 5_000
_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|—|a|to)\s*(\d{1,3})\s*$", re.IGNORECASE)
_OPEN = re.compile(r"^\s*(\d{1,3})\s*(?:\+|y más|y mas|or more)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PopulationOptions:
    #: The year of every row when the file has no year column (default: this year).
    year: int | None = None


def _row_where(number: int) -> str:
    return _("row %(n)s") % {"n": number}


def _decode(content: bytes, result: ImportResult) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved "as CSV" on Windows write cp1252; say so rather than refuse.
        result.warn("", "", _("The file is not UTF-8; it was read as Windows-1252."))
        return content.decode("cp1252", errors="replace")


def _reader(text: str) -> csv.DictReader[str]:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def _headers(
    fieldnames: Sequence[str] | None, result: ImportResult, *, year_given: bool
) -> dict[str, str]:
    """Each column's header in the file; an error names the columns that are missing."""
    present = {(name or "").strip().lower(): name for name in fieldnames or []}
    found: dict[str, str] = {}
    for column, accepted in COLUMNS.items():
        header = next((present[a] for a in accepted if a in present), None)
        if header is not None:
            found[column] = header
        elif column != "year":
            result.error(
                _("row 1"),
                column,
                _("No %(column)s column; name it one of: %(names)s.")
                % {"column": column, "names": ", ".join(accepted)},
            )
    if "year" in found and year_given:
        result.warn("", "year", _("The file has a year column; the year given is not used."))
    return found


def _ages(said: str) -> tuple[int, int] | None:
    """(first, last) age of a year of age or a band; ``last`` is None-free (inclusive)."""
    said = said.strip()
    if said.isdigit():
        return int(said), int(said)
    band = _BAND.match(said)
    if band:
        return int(band.group(1)), int(band.group(2))
    return None


def _add(bands: dict[str, float], first: int, last: int, count: int) -> None:
    years = last - first + 1
    for low, high, field in POPULATION_BANDS:
        overlap = min(last, high) - max(first, low) + 1
        if overlap > 0:
            bands[field] += count * overlap / years


@dataclass
class _Parsed:
    bands: dict[tuple[str, int], dict[str, float]]
    rows_of: dict[tuple[str, int], list[int]]
    territory_header: str = "territory"


def _parse(
    *, content: bytes, options: PopulationOptions, result: ImportResult, progress: Progress
) -> _Parsed:
    parsed = _Parsed(bands=defaultdict(lambda: defaultdict(float)), rows_of=defaultdict(list))
    reader = _reader(_decode(content, result))
    columns = _headers(reader.fieldnames, result, year_given=options.year is not None)
    if result.errors:
        return parsed
    parsed.territory_header = columns["territory"]
    default_year = options.year or timezone.localdate().year
    covered: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)  # age → row
    split_warned: set[str] = set()
    pending = 0
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        pending += 1
        if pending == PROGRESS_EVERY:
            progress("rows", pending)
            pending = 0
        row: dict[str, Any] = {k: (raw.get(v) or "").strip() for k, v in columns.items()}
        if not any(row.values()):
            continue
        where = _row_where(number)
        code = row["territory"]
        if not code:
            result.error(where, columns["territory"], _("The territory code is empty."))
        year = default_year
        if "year" in columns:
            if row["year"].isdigit() and MIN_YEAR <= int(row["year"]) <= MAX_YEAR:
                year = int(row["year"])
            else:
                result.error(where, columns["year"], _("The year is not a year (e.g. 2024)."))
        said_count = row["count"].replace(" ", "")
        if said_count.endswith(".0"):
            said_count = said_count[:-2]
        if not said_count.isdigit():
            result.error(
                where, columns["count"], _("The count is not a whole number of zero or more.")
            )
            continue
        count = int(said_count)
        open_band = _OPEN.match(row["age"])
        if open_band and int(open_band.group(1)) >= ADULT:
            result.count(_("rows of adults left out"))
            continue
        ages = _ages(row["age"])
        if ages is None or ages[0] > ages[1]:
            result.error(
                where,
                columns["age"],
                _(
                    "The age is not a year of age (7) or a band (0-5); an open band (80+) must "
                    "start at 18 or over."
                )
                if not open_band
                else _("An open band must start at 18 or over: Puente counts ages 0 to 17."),
            )
            continue
        first, last = ages
        if first >= ADULT:
            result.count(_("rows of adults left out"))
            continue
        if not code:
            continue
        key = (code, year)
        seen = covered[key]
        clash = next((seen[a] for a in range(first, min(last, ADULT - 1) + 1) if a in seen), None)
        if clash is not None:
            result.error(
                where,
                columns["age"],
                _("These ages of %(code)s in %(year)s were already given in row %(row)s.")
                % {"code": code, "year": year, "row": clash},
            )
            continue
        for age in range(first, min(last, ADULT - 1) + 1):
            seen[age] = number
        label = row["age"]
        straddles = not any(low <= first and last <= high for low, high, _f in POPULATION_BANDS)
        if straddles and label not in split_warned:
            split_warned.add(label)
            result.warn(
                "",
                columns["age"],
                _(
                    "The band %(band)s crosses Puente's bands (0–5, 6–11, 12–17): split evenly "
                    "by year of age."
                )
                % {"band": label},
            )
        _add(parsed.bands[key], first, last, count)
        parsed.rows_of[key].append(number)
    if pending:
        progress("rows", pending)
    incomplete = sorted(
        f"{code} {year}" for (code, year), ages in covered.items() if len(ages) < ADULT
    )
    if incomplete:
        result.warn(
            "",
            "age",
            _(
                "Not every age from 0 to 17 is given for %(n)s territories and years (%(some)s); "
                "the missing ages count as 0."
            )
            % {"n": len(incomplete), "some": ", ".join(incomplete[:5])},
        )
    return parsed


def _rounded(bands: dict[str, float]) -> dict[str, int]:
    return {field: round(bands.get(field, 0.0)) for _low, _high, field in POPULATION_BANDS}


@transaction.atomic
def _write(*, parsed: _Parsed, result: ImportResult, progress: Progress) -> None:
    codes = {code for code, _year in parsed.bands}
    territories = dict(
        Territory.objects.select_for_update().filter(code__in=codes).values_list("code", "id")
    )
    for (code, _year), rows in sorted(parsed.rows_of.items()):
        if code not in territories:
            for number in rows:
                result.error(
                    _row_where(number),
                    parsed.territory_header,
                    _("No territory has the code %(code)s; import the boundaries first.")
                    % {"code": code},
                )
    if result.errors:
        raise Rollback
    keys = list(parsed.bands)
    wanted = {(territories[code], year) for code, year in keys}
    existing = [
        p.pk
        for p in TerritoryPopulation.objects.filter(
            territory_id__in=territories.values(), year__in={year for _c, year in keys}
        ).only("id", "territory_id", "year")
        if (p.territory_id, p.year) in wanted  # not another territory's year
    ]
    now = timezone.now()
    fresh = [
        TerritoryPopulation(
            territory_id=territories[code],
            year=year,
            imported_at=now,
            **_rounded(parsed.bands[(code, year)]),
        )
        for code, year in keys
    ]
    # A year given again replaces that year: delete and insert, which is also far cheaper
    # than bulk_update's CASE per column and row at tens of thousands of territories.
    TerritoryPopulation.objects.filter(pk__in=existing).delete()
    TerritoryPopulation.objects.bulk_create(fresh, batch_size=2000)
    progress("writing", len(fresh))
    created, updated = len(fresh) - len(existing), len(existing)
    result.count(_("years added"), created)
    result.count(_("years replaced"), updated)
    result.count(_("territories"), len(codes))
    _latest_to_territories(territory_ids=list(territories.values()), result=result)
    if result.dry_run:
        raise Rollback


def _latest_to_territories(*, territory_ids: list[Any], result: ImportResult) -> None:
    """Copy each territory's newest year to it: what the gap inventory and maps read."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE directory_territory t
            SET children_0_5 = p.children_0_5, children_6_11 = p.children_6_11,
                children_12_17 = p.children_12_17
            FROM (
                SELECT DISTINCT ON (territory_id)
                       territory_id, children_0_5, children_6_11, children_12_17
                FROM directory_territorypopulation WHERE territory_id = ANY(%s)
                ORDER BY territory_id, year DESC
            ) p
            WHERE t.id = p.territory_id
              AND (t.children_0_5, t.children_6_11, t.children_12_17)
                  IS DISTINCT FROM (p.children_0_5, p.children_6_11, p.children_12_17)
            """,
            [territory_ids],
        )
        changed = cursor.rowcount
    result.count(_("current population changed"), changed)


def population_import(
    *,
    content: bytes,
    options: PopulationOptions | None = None,
    dry_run: bool = True,
    progress: Progress = progress_none,
) -> ImportResult:
    """Import a population CSV; nothing is kept on a dry run or on any error."""
    result = ImportResult(dry_run=dry_run)
    parsed = _parse(
        content=content, options=options or PopulationOptions(), result=result, progress=progress
    )
    if not parsed.bands and result.ok:
        result.error("", "", _("The file holds no rows of children's population."))
    if result.errors:
        return result
    with contextlib.suppress(Rollback):
        _write(parsed=parsed, result=result, progress=progress)
    return result
