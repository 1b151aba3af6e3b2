from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.models import AssessmentInstrument
from cases.selectors_assessment import instrument_export
from cases.services.assessment import instrument_import


class Command(BaseCommand):
    help = (
        "Import an assessment instrument from JSON (as a new draft version of its code, "
        "or published with --publish) or export one (--export CODE [--instrument-version N])."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="The JSON file to import ('-': stdin).")
        parser.add_argument("--publish", action="store_true", help="Publish what is imported.")
        parser.add_argument("--export", metavar="CODE", help="Write this instrument as JSON.")
        parser.add_argument("--instrument-version", dest="instrument_version", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export"]:
            versions = AssessmentInstrument.objects.filter(code=options["export"])
            if options["instrument_version"]:
                versions = versions.filter(version=options["instrument_version"])
            instrument = versions.order_by("-version").first()
            if instrument is None:
                raise CommandError(f"No instrument {options['export']!r} with that version.")
            self.stdout.write(
                json.dumps(instrument_export(instrument=instrument), ensure_ascii=False, indent=2)
            )
            return
        if not options["file"]:
            raise CommandError("Give a JSON file to import, or --export CODE.")
        try:
            text = (
                sys.stdin.read()
                if options["file"] == "-"
                else Path(options["file"]).read_text(encoding="utf-8")
            )
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        try:
            instrument = instrument_import(actor=None, data=data, publish=options["publish"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        state = "published" if instrument.is_published else "draft"
        self.stdout.write(f"Imported {instrument.code} version {instrument.version} ({state}).")
