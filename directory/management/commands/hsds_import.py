from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from directory.hsds.importer import hsds_import


def _advance(bar: tqdm[Any], amount: int) -> None:
    bar.update(amount)


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 JSON (an object, a list or a page), a folder of JSON files, a CSV "
        "datapackage folder or a zip. All or nothing: any error leaves the map unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        with tqdm(desc="services", unit=" rows", disable=quiet) as bar:
            report = hsds_import(
                path=options["path"],
                dry_run=options["dry_run"],
                progress=lambda _label, amount: _advance(bar, amount),
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if report.errors:
            for error in report.errors:
                self.stderr.write(self.style.ERROR(f"error: {error}"))
            raise CommandError(
                f"{len(report.errors)} error(s); nothing was imported. Fix them and run again."
            )
        self.stdout.write(report.summary())
        if report.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        else:
            self.stdout.write(self.style.SUCCESS("Import complete."))
