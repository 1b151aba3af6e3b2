"""Small counts identify children: below a threshold they are not shown."""

from __future__ import annotations


def suppress_small(value: int | None, *, threshold: int = 5) -> str | int | None:
    """Counts below the threshold are shown as "<5": small numbers identify children."""
    if value is None:
        return None
    return f"<{threshold}" if 0 < value < threshold else value
