from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from directory.importers import TerritoryMapping, territories_import
from directory.models import TerritoryLevel


class Command(BaseCommand):
    help = (
        "Import territory boundaries from GeoJSON, a Shapefile (.zip or folder), GeoPackage "
        "or KML, in any coordinate system. Upsert by code; a dry run unless --commit; all "
        "or nothing. Sites and cases are re-assigned to the new boundaries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--code", required=True, help="attribute holding the code")
        parser.add_argument("--name", required=True, help="attribute holding the name")
        parser.add_argument(
            "--parent", default="", help="attribute holding the parent's code (else: containment)"
        )
        parser.add_argument("--level", default="", choices=["", *TerritoryLevel.values])
        parser.add_argument("--level-field", default="", help="attribute holding each level")
        parser.add_argument("--layer", default="", help="layer name (default: the first)")
        parser.add_argument(
            "--srid", type=int, default=None, help="SRID of a file that states none"
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--commit", action="store_true", help="save the import")
        mode.add_argument("--dry-run", action="store_true", help="check only (the default)")

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = TerritoryMapping(
            code_field=options["code"],
            name_field=options["name"],
            parent_field=options["parent"],
            level=options["level"],
            level_field=options["level_field"],
            layer=options["layer"],
            source_srid=options["srid"],
        )
        bars: dict[str, tqdm[Any]] = {}
        quiet = options["verbosity"] == 0

        def progress(label: str, amount: int) -> None:
            if label not in bars:
                for bar in bars.values():
                    bar.close()
                bars[label] = tqdm(desc=label, unit=" features", disable=quiet)
            bars[label].update(amount)

        try:
            result = territories_import(
                path=options["path"],
                mapping=mapping,
                dry_run=not options["commit"],
                progress=progress,
            )
        finally:
            for bar in bars.values():
                bar.close()
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
