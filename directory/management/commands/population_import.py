from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from directory.importers import PopulationOptions, population_import


class Command(BaseCommand):
    help = (
        "Import the child population from a CSV (territory code, age or age band, count, "
        "optionally year), summed into Puente's age bands and kept per year. A dry run "
        "unless --commit; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path)
        parser.add_argument(
            "--year", type=int, default=None, help="year of every row, if the file has none"
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--commit", action="store_true", help="save the import")
        mode.add_argument("--dry-run", action="store_true", help="check only (the default)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        with tqdm(desc="rows", unit=" rows", disable=options["verbosity"] == 0) as bar:

            def progress(_label: str, amount: int) -> None:
                bar.update(amount)

            result = population_import(
                content=path.read_bytes(),
                options=PopulationOptions(year=options["year"]),
                dry_run=not options["commit"],
                progress=progress,
            )
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if result.errors:
            for error in result.errors:
                self.stderr.write(self.style.ERROR(f"error: {error}"))
            raise CommandError(
                f"{len(result.errors)} error(s); nothing was imported. Fix them and run again."
            )
        self.stdout.write(result.summary())
        if result.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved (--commit saves)."))
        else:
            self.stdout.write(self.style.SUCCESS("Import complete."))
