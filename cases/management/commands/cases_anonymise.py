from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from cases.retention import cases_anonymise_expired, retention_days


class Command(BaseCommand):
    help = (
        "Anonymise closed cases past CASE_RETENTION_DAYS: identity removed, free text "
        "blanked, birth date and home coarsened, aggregates kept. Re-running is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the cases that are due."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = retention_days()
        if options["dry_run"]:
            due = cases_anonymise_expired(dry_run=True)
            self.stdout.write(
                f"{due} closed cases are past the {days}-day retention (dry run: nothing changed)."
            )
            return
        bar = tqdm(desc="anonymising", unit="case", disable=options["verbosity"] == 0)

        def progress(done: int, due: int) -> None:
            bar.total = due
            bar.n = done
            bar.refresh()

        done = cases_anonymise_expired(progress=progress)
        bar.close()
        self.stdout.write(f"{done} closed cases anonymised (retention {days} days).")
