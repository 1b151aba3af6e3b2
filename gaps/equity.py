"""How evenly accessibility is shared among territories: weighted Gini and Lorenz curve.

Each territory ``i`` has a value ``x_i >= 0`` (typically its accessibility ``A_i`` from
:func:`gaps.accessibility.two_step_fca`) and a weight ``w_i >= 0`` (its child population), so
the indices describe inequality *between children*, not between map polygons of any size.

Gini coefficient, mean-difference definition (Gini 1912), for a discrete population::

    G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu),   W = sum_i w_i,   mu = sum_i w_i x_i / W

``G = 0`` when everyone has the same value and ``G -> 1`` when one individual holds everything.
With integer weights this is exactly the ordinary Gini of the sample in which value ``x_i`` is
repeated ``w_i`` times (the "population" form, ``n^2`` in the denominator, so a single territory
holding everything among ``n`` equal ones gives ``(n - 1) / n``, not 1).

It is computed in ``O(n log n)`` by sorting the values: with ``x`` ascending and ``C_i`` the
cumulative weight up to and including ``i``, ``sum_{j<i} w_j = C_i - w_i`` and
``sum_{j>i} w_j = W - C_i``, so::

    G = sum_i w_i x_i (2 C_i - w_i - W) / (W * sum_i w_i x_i)

(ties need no care: tied pairs contribute ``|x_i - x_j| = 0`` in any order.) This equals
``1 - 2 * (area under the Lorenz curve)`` with the curve drawn by straight segments, which the
tests check against :func:`lorenz_curve` independently.

Sources
-------
* Gini, C. (1912). *Variabilità e mutabilità*. Bologna: C. Cuppini.
* Yitzhaki, S. & Schechtman, E. (2013). *The Gini Methodology*, ch. 2. Springer.
* Lorenz, M. O. (1905). Methods of measuring the concentration of wealth. *Publications of the
  American Statistical Association*, 9(70), 209-219.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["lorenz_curve", "weighted_gini"]

FloatArray: TypeAlias = NDArray[np.float64]


def weighted_gini(*, values: ArrayLike, weights: ArrayLike) -> float:
    """Population-weighted Gini coefficient of ``values``, in ``[0, 1)``.

    See the module docstring for the formula and sources.

    Args:
        values: shape ``(n,)``, non-negative (e.g. accessibility per territory).
        weights: shape ``(n,)``, non-negative (e.g. child population per territory); territories
            with weight 0 do not count.

    Returns:
        The Gini coefficient; ``0.0`` for perfect equality, including the degenerate case where
        every weighted value is 0 (nobody has anything, so nobody has more than anyone else).

    Raises:
        ValueError: shapes differ or are not 1-D, NaN/inf, negative values or weights, or the
            total weight is 0 (there is no population to describe).
    """
    x, w = _validated(values=values, weights=weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_weight = float(w.sum())
    weighted = w * x
    total_value = float(weighted.sum())
    if total_value == 0.0:
        return 0.0
    cumulative = np.cumsum(w)
    gini = float(np.dot(weighted, 2.0 * cumulative - w - total_weight)) / (
        total_weight * total_value
    )
    # Rounding can leave a -1e-17 for perfectly equal values; the true value is never negative.
    return min(max(gini, 0.0), 1.0)


def lorenz_curve(*, values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Lorenz curve: cumulative population share vs cumulative value share.

    Territories are sorted by value ascending (poorest first). Returns ``(x, y)`` of length
    ``n + 1``, both starting at exactly 0 and ending at exactly 1: ``x_k`` is the share of the
    total weight held by the ``k`` lowest-valued territories and ``y_k`` their share of the
    total weighted value. When every weighted value is 0 the curve is the diagonal ``y = x``
    (perfect equality), consistent with :func:`weighted_gini` returning 0.

    Same arguments and validation as :func:`weighted_gini`.
    """
    x, w = _validated(values=values, weights=weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cumulative_weight = np.cumsum(w)
    cumulative_value = np.cumsum(w * x)
    # Dividing by the last cumulative element (not a separately computed sum) makes the end
    # point exactly 1.0 despite floating-point summation order.
    population_share = np.concatenate(([0.0], cumulative_weight / cumulative_weight[-1]))
    if cumulative_value[-1] == 0.0:
        return population_share, population_share.copy()
    value_share = np.concatenate(([0.0], cumulative_value / cumulative_value[-1]))
    return population_share, value_share


def _validated(*, values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    for name, array in (("values", x), ("weights", w)):
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        if np.isnan(array).any():
            raise ValueError(f"{name} contains NaN")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contains infinite values")
        if (array < 0).any():
            raise ValueError(f"{name} contains negative numbers")
    if x.shape != w.shape:
        raise ValueError(
            f"values and weights must have the same length, got {x.shape} and {w.shape}"
        )
    if not w.sum() > 0:
        raise ValueError("weights sum to 0: there is no population to measure inequality over")
    return x, w
