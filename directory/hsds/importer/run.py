"""The whole import: read, merge, check, then write in one transaction."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from directory.hsds.importer.checks import _Checks
from directory.hsds.importer.merging import Record, _merge
from directory.hsds.importer.reading import read_sources
from directory.hsds.importer.report import ImportReport, Issue, Progress, _Rollback
from directory.hsds.importer.writes import _Writes
from directory.hsds.tabular import Tables


def _noop_progress(label: str, amount: int) -> None:
    return None


class _Importer(_Checks, _Writes):
    """Checks every record (``check``), then writes them (``write``)."""


def _warn_ignored(tables: Tables, report: ImportReport) -> None:
    for (file, table, name), n in sorted(tables.ignored.items()):
        report.warnings.append(
            Issue(
                file,
                "",
                f"{table}.{name}",
                _("Not kept by Puente; ignored in %(n)s objects.") % {"n": n},
            )
        )


@transaction.atomic
def _import_records(
    *,
    records: dict[str, dict[uuid.UUID, Record]],
    tables: Tables,
    report: ImportReport,
    dry_run: bool,
    progress: Progress,
) -> None:
    importer = _Importer(records=records, tables=tables, report=report, progress=progress)
    importer.check()
    if report.errors:
        raise _Rollback
    importer.write()
    if report.errors or dry_run:
        raise _Rollback


def hsds_import(
    *, path: Path, dry_run: bool = False, progress: Progress = _noop_progress
) -> ImportReport:
    """Import ``path`` (a JSON file, a folder of JSON files, a CSV datapackage or a zip).

    Nothing is saved when the report has errors or ``dry_run`` is set.
    """
    report = ImportReport(dry_run=dry_run)
    tables = read_sources(path=Path(path), report=report)
    records = _merge(tables, report)
    _warn_ignored(tables, report)
    # The checks read only: they run even after reading errors, so one report lists all.
    # _Rollback carries no news: the report already says why nothing was kept.
    with contextlib.suppress(_Rollback):
        _import_records(
            records=records, tables=tables, report=report, dry_run=dry_run, progress=progress
        )
    return report
