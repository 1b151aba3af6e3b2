"""Measures of the ties between organizations: reciprocity, neighbours, centralization."""

from __future__ import annotations

import numpy as np

from gaps.network.arrays import IntArray


def share_reciprocated(*, tie_codes: IntArray, tail: IntArray, head: IntArray, n: int) -> float:
    """Share of ties ``a → b`` whose reverse ``b → a`` is a tie too (0 with no ties)."""
    if len(tie_codes) == 0:
        return 0.0
    reverse = head * n + tail
    at = np.searchsorted(tie_codes, reverse)
    found = tie_codes[np.minimum(at, len(tie_codes) - 1)] == reverse
    return float(np.count_nonzero(found)) / len(tie_codes)


def undirected_degree(*, tail: IntArray, head: IntArray, n: int) -> IntArray:
    """Distinct neighbours of each organization, whatever the direction of the referrals."""
    # A → B and B → A are one undirected tie: encode each as (min, max) before counting.
    edges = np.unique(np.minimum(tail, head) * n + np.maximum(tail, head))
    low, high = np.divmod(edges, n) if n else (edges, edges)
    degree: IntArray = np.bincount(low, minlength=n) + np.bincount(high, minlength=n)
    return degree


def freeman_centralization(degree: IntArray) -> float:
    """Freeman's (1978/79) degree centralization ``sum(max - d_i) / ((n - 1)(n - 2))``."""
    n = len(degree)
    if n < 3:
        # The denominator is 0: with two organizations there is no centre to speak of.
        return 0.0
    return float(int(degree.max()) * n - int(degree.sum())) / ((n - 1) * (n - 2))
