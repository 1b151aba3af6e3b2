from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gaps.inventory import gap_inventory_compute
from gaps.management.steps import day_option, step_bar


class Command(BaseCommand):
    help = "Compute the gap inventory (catastro de brechas) for a day; re-running replaces it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = day_option(options["day"])
        with step_bar(desc="brechas", verbosity=options["verbosity"]) as progress:
            snapshot = gap_inventory_compute(day=day, progress=progress)
        self.stdout.write(
            f"{snapshot.day}: {snapshot.cells.count()} celdas, "
            f"{snapshot.hotspots.count()} focos, {snapshot.seconds} s"
        )
