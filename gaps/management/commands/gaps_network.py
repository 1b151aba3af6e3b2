from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from gaps.services import network_snapshot_take


class Command(BaseCommand):
    help = (
        "Compute the referral network's indicators for the year ending on a day and store "
        "them as that day's snapshot; re-running replaces it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", help="last day of the year covered, YYYY-MM-DD (default: yesterday)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as error:
                raise CommandError(f"--day: {error}") from error
        bar = tqdm(desc="red", unit="paso", total=2, disable=options["verbosity"] == 0)

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        snapshot = network_snapshot_take(day=day, progress=progress)
        bar.close()
        figures = snapshot.indicators
        self.stdout.write(
            f"{snapshot.start}–{snapshot.end}: {figures['organizations']} organizaciones, "
            f"{figures['referrals']} derivaciones, {figures['edges']} vínculos"
        )
