from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from directory.demo import DEMO_PASSWORD, demo_is_loaded, demo_municipality_generate


class Command(BaseCommand):
    help = "Generate a fictional municipality: territories, organizations, services, users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (deterministic)")
        parser.add_argument("--services", type=int, default=120)
        parser.add_argument("--territories", type=int, default=12, help="including region+comuna")
        parser.add_argument("--organizations", type=int, default=None)
        parser.add_argument(
            "--sites", type=int, default=None, help="total sites (default: 1-3 per organization)"
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
        services = options["services"]
        bars: dict[str, tqdm[Any]] = {}
        totals = {"services": services, "slots": None}
        quiet = options["verbosity"] == 0

        def progress(label: str, amount: int) -> None:
            if quiet:
                return
            if label not in bars:
                for previous in bars.values():
                    previous.close()
                bars[label] = tqdm(total=totals.get(label), desc=label, unit=" rows", leave=True)
            bars[label].update(amount)

        try:
            summary = demo_municipality_generate(
                seed=options["seed"],
                services=services,
                territories=options["territories"],
                organizations=options["organizations"],
                sites=options["sites"],
                with_users=not options["no_users"],
                progress=progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo municipality: {summary.territories} territories, "
                f"{summary.organizations} organizations, {summary.sites} sites, "
                f"{summary.services} services, {summary.slots} slots."
            )
        )
        if summary.users:
            self.stdout.write(f"Demo users (password {DEMO_PASSWORD}): {', '.join(summary.users)}")
