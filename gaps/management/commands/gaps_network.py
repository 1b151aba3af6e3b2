from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gaps.management.steps import day_option, step_bar
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
        day = day_option(options["day"])
        with step_bar(desc="red", total=2, verbosity=options["verbosity"]) as progress:
            snapshot = network_snapshot_take(day=day, progress=progress)
        figures = snapshot.indicators
        self.stdout.write(
            f"{snapshot.start}–{snapshot.end}: {figures['organizations']} organizaciones, "
            f"{figures['referrals']} derivaciones, {figures['edges']} vínculos"
        )
