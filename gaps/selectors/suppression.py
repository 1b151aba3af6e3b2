"""Small counts leave the selectors as ``"<5"``, and rates over them as ``"n<5"``."""

from __future__ import annotations

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
