from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from gaps.inventory import gap_inventory_compute


class Command(BaseCommand):
    help = "Compute the gap inventory (catastro de brechas) for a day; re-running replaces it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as error:
                raise CommandError(f"--day: {error}") from error
        bar = tqdm(desc="brechas", unit="paso", disable=options["verbosity"] == 0)

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        snapshot = gap_inventory_compute(day=day, progress=progress)
        bar.close()
        self.stdout.write(
            f"{snapshot.day}: {snapshot.cells.count()} celdas, "
            f"{snapshot.hotspots.count()} focos, {snapshot.seconds} s"
        )
