"""Small counts leave the selectors as ``"<5"``, and rates over them as ``"n<5"``."""

from __future__ import annotations

from django.utils import formats

from gaps.inventory import suppress_small

SUPPRESSION_THRESHOLD = 5
#: How a rate or median over fewer than five is shown instead of its value.
WITHHELD = "n<5"

Shown = int | float | str | None


def count_shown(value: float | None) -> int | str | None:
    """A count as it may be shown: whole, and ``"<5"`` between 1 and 4 (0 stays 0)."""
    if value is None:
        return None
    return suppress_small(round(value), threshold=SUPPRESSION_THRESHOLD)


def is_suppressed(value: float | None) -> bool:
    return value is not None and 0 < round(value) < SUPPRESSION_THRESHOLD


def ratio_shown(value: float | None, *, base: float | None) -> float | str | None:
    """A rate or median over ``base`` things, withheld (``"n<5"``) when ``base`` is 1 to 4."""
    if is_suppressed(base):
        return WITHHELD
    return value


def figure_text(value: Shown | float, decimals: int = 2) -> str:
    """A figure as every gap page writes it, in the active language's format.

    Whole numbers grouped, others with ``decimals`` decimals and grouped too (Spanish:
    "1 234", "7,66"); a suppressed figure ("<5", "n<5") as it comes, a missing one as a
    dash. The tables (``gaps_tags.shown``), the map's legend and its tooltips all use it,
    so the same number never reads two ways on one page.
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    places = int(decimals)
    return formats.number_format(round(float(value), places), places, force_grouping=True)
