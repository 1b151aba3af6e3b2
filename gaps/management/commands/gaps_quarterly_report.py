from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gaps.management.steps import day_option, step_bar
from gaps.services import management_report_take, quarter_last_completed, quarter_parse


class Command(BaseCommand):
    help = (
        "Compute the network's management indicators for a quarter or any range of days "
        "(default: the last completed quarter); re-running the same period replaces it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", help="a quarter such as 2026Q3")
        parser.add_argument("--start", help="first day, YYYY-MM-DD (with --end)")
        parser.add_argument("--end", help="last day, YYYY-MM-DD (with --start)")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = self._period(options)
        with step_bar(desc="indicadores", total=3, verbosity=options["verbosity"]) as progress:
            try:
                report = management_report_take(start=start, end=end, progress=progress)
            except ValueError as error:
                raise CommandError(str(error)) from error
        figures = report.indicators
        self.stdout.write(
            f"{report.start}–{report.end}: {figures['referrals']} derivaciones, "
            f"{figures['organizations']} organizaciones, {report.seconds} s"
        )

    def _period(self, options: dict[str, Any]) -> tuple[date, date]:
        quarter, start, end = options["quarter"], options["start"], options["end"]
        if quarter and (start or end):
            raise CommandError("Give either --quarter or --start and --end, not both.")
        if quarter:
            try:
                return quarter_parse(quarter=quarter)
            except ValueError as error:
                raise CommandError(f"--quarter: {error}") from error
        if bool(start) != bool(end):
            raise CommandError("--start and --end go together.")
        if not start:
            return quarter_last_completed(today=timezone.localdate())
        first, last = day_option(start, name="--start"), day_option(end, name="--end")
        assert first is not None and last is not None
        if first > last:
            raise CommandError(f"--start ({first}) must not be after --end ({last}).")
        return first, last
