"""What the gaps tests share: hand-made networks for the indicators."""

from __future__ import annotations

import math

import numpy as np

from gaps.network import network_indicators

NAN = math.nan


def indicators(
    pairs, *, organizations, accepted=None, completed=None, overdue=None, days=None, **options
):
    """Indicators for ``pairs`` of (sender, receiver); flags default to False, days to NaN."""
    count = len(pairs)
    return network_indicators(
        senders=[s for s, _ in pairs],
        receivers=[r for _, r in pairs],
        accepted=np.zeros(count, bool) if accepted is None else np.array(accepted, bool),
        completed=np.zeros(count, bool) if completed is None else np.array(completed, bool),
        overdue=np.zeros(count, bool) if overdue is None else np.array(overdue, bool),
        days_to_attention=np.full(count, NAN) if days is None else np.array(days, float),
        organizations=organizations,
        **options,
    )


__all__ = ["NAN", "indicators"]
