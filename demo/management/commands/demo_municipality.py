from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from demo.cases import demo_cases_load
from demo.history import DemoHistorySummary, demo_history_load
from demo.progress import TqdmProgress
from directory.demo import DEMO_PASSWORD, demo_is_loaded, demo_municipality_generate
from waitlists.demo import demo_waitlists_snapshot

#: The network's year is simulated service by service: on a benchmark-sized map it would
#: take hours, and the benchmarks have their own history (``demo.bulk``).
HISTORY_MAX_SERVICES = 2000


class Command(BaseCommand):
    help = (
        "Generate a fictional municipality: territories, organizations, services, users, "
        "and the demo caseworker's cases with their alerts and referrals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (deterministic)")
        parser.add_argument("--services", type=int, default=120)
        parser.add_argument("--territories", type=int, default=12, help="including region+comuna")
        parser.add_argument("--organizations", type=int, default=None)
        parser.add_argument(
            "--sites", type=int, default=None, help="total sites (default: 1-3 per organization)"
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=120,
            help="cases of the demo caseworker, with alerts and referrals (0: none; "
            "skipped with --no-users, since cases need the demo caseworker)",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=365,
            help="days of the whole network's history behind the demo cases: other teams' "
            "referrals, slots and waitlists, and every day's nightly figures (0: none)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if a map is already loaded"
        )
        parser.add_argument("--no-users", action="store_true", help="skip the demo users")

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("The database already holds a service map; demo not loaded.")
                return
            raise CommandError("The database already holds a service map; use an empty one.")
        if options["cases"] < 0:
            raise CommandError("--cases must not be negative.")
        if options["history_days"] < 0:
            raise CommandError("--history-days must not be negative.")
        with_users = not options["no_users"]
        cases = options["cases"] if with_users else 0
        quiet = options["verbosity"] == 0
        bars = TqdmProgress(totals={"services": options["services"], "slots": None, "cases": cases})

        def progress(label: str, amount: int) -> None:
            if not quiet:
                bars(label, amount)

        try:
            # One transaction: a failure leaves the database empty, so --if-empty retries.
            with transaction.atomic():
                summary = demo_municipality_generate(
                    seed=options["seed"],
                    services=options["services"],
                    territories=options["territories"],
                    organizations=options["organizations"],
                    sites=options["sites"],
                    with_users=with_users,
                    progress=progress,
                )
                case_summary = demo_cases_load(count=cases, seed=options["seed"], progress=progress)
                history = DemoHistorySummary()
                if case_summary.cases and options["services"] > HISTORY_MAX_SERVICES:
                    self.stdout.write(
                        f"No network history: it is drawn for maps of up to "
                        f"{HISTORY_MAX_SERVICES} services (this one has {options['services']})."
                    )
                elif case_summary.cases:
                    history = demo_history_load(
                        seed=options["seed"], days=options["history_days"], progress=progress
                    )
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            bars.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo municipality: {summary.territories} territories, "
                f"{summary.organizations} organizations, {summary.sites} sites, "
                f"{summary.services} services, {summary.slots} slots."
            )
        )
        if case_summary.cases:
            statuses = ", ".join(f"{s} {n}" for s, n in sorted(case_summary.referrals.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo cases: {case_summary.cases} cases, {case_summary.alerts} alerts, "
                    f"{case_summary.referral_count} referrals ({statuses})."
                )
            )
            for stage, code in case_summary.stages.items():
                self.stdout.write(f"  {stage}: {code}")
        elif options["cases"] and not with_users:
            self.stdout.write("No demo cases: they belong to the demo caseworker (--no-users).")
        if case_summary.cases:
            # The nightly jobs, once now, so the coordinator's and planner's pages show
            # figures on the first visit rather than the morning after. Imported here:
            # gaps loads numpy and scipy, not needed when nothing is loaded (--if-empty).
            from gaps.demo import demo_gaps_history, demo_gaps_load

            if history.cases:
                self.stdout.write(
                    f"Network history, {options['history_days']} days: {history.cases} cases "
                    f"of other teams, {history.referrals} referrals; {history.waiting} children "
                    f"waiting, {history.pending_offers} slot offers awaiting an answer."
                )
            today = timezone.localdate()
            demo_waitlists_snapshot()
            gaps = demo_gaps_load(today=today)
            self.stdout.write(f"Gap inventory {gaps.day}: {gaps.cells} cells.")
            if history.cases:
                days = demo_gaps_history(
                    today=today,
                    days=options["history_days"],
                    seed=options["seed"],
                    capacity_before=history.capacity_before,
                )
                self.stdout.write(
                    f"Daily history: {history.waitlist_snapshots} waitlist snapshots, "
                    f"{days} past gap inventories."
                )
            self.stdout.write(
                f"Network indicators to {gaps.network_end}; "
                f"report {gaps.report_start} to {gaps.report_end}."
            )
        if summary.users:
            self.stdout.write(f"Demo users (password {DEMO_PASSWORD}): {', '.join(summary.users)}")
