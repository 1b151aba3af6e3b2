from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from directory.hsds.exporter import FORMATS, hsds_export
from directory.models import Service


def _advance(bar: tqdm[Any], amount: int) -> None:
    bar.update(amount)


class Command(BaseCommand):
    help = "Export the service map as HSDS 3.0 JSON and/or the tabular CSV datapackage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="folder to write into")
        parser.add_argument("--format", choices=FORMATS, default="both")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        with tqdm(
            total=Service.objects.count(), desc="services", unit=" rows", disable=quiet
        ) as bar:
            summary = hsds_export(
                output=options["output"],
                format=options["format"],
                progress=lambda _label, amount: _advance(bar, amount),
            )
        counts = ", ".join(f"{name} {n}" for name, n in summary.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Exported {counts} to {options['output']}"))
