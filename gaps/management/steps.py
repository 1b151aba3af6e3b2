"""What the gap commands share: a day typed on the command line, and a bar that a job's
``progress`` callback moves one step at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from django.core.management.base import CommandError
from tqdm import tqdm


def day_option(value: str | None, *, name: str = "--day") -> date | None:
    """The day given as YYYY-MM-DD, None when not given; a typing mistake names the option."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{name}: {error}") from error


@contextmanager
def step_bar(
    *, desc: str, verbosity: int, total: int | None = None
) -> Iterator[Callable[[str], None]]:
    """A progress bar (silent at verbosity 0) and the callback that moves it."""
    bar = tqdm(desc=desc, unit="paso", total=total, disable=verbosity == 0)

    def progress(message: str) -> None:
        bar.set_postfix_str(message)
        bar.update(1)

    try:
        yield progress
    finally:
        bar.close()
