"""Shortest-path betweenness by batched sparse-matrix products.

Brandes (2001) in the linear-algebra form of Kepner & Gilbert (2011); see the
:mod:`gaps.network` docstring for the definition and the sampling above a threshold.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gaps.network.arrays import FloatArray, IntArray

# Matrices of n x batch floats in the betweenness search stay below this many cells (16 MB each;
# about six are alive at once), whatever the number of organizations.
BETWEENNESS_BATCH_CELLS = 1 << 21


def brandes_dependencies(*, adjacency: sp.csr_array, sources: IntArray) -> FloatArray:
    """Sum over ``sources`` of Brandes' (2001) dependencies ``delta_s(v)``, unweighted, directed.

    Each batch of sources is one column per source. A breadth-first level is one sparse product:
    the shortest-path counts ``sigma`` of the nodes first reached at depth ``d + 1`` are ``A.T``
    times ``sigma`` at depth ``d``. The back-propagation is one product per level with ``A``::

        delta(v) = sum of sigma(v) / sigma(w) * (1 + delta(w))
                   over the ties v -> w with depth(w) = depth(v) + 1

    Same arithmetic as NetworkX's ``_accumulate_basic`` in another order, so results agree to
    rounding.
    """
    n = adjacency.shape[0]
    total = np.zeros(n)
    if n == 0 or len(sources) == 0 or adjacency.nnz == 0:
        return total
    incoming = adjacency.T.tocsr()
    batch = max(1, BETWEENNESS_BATCH_CELLS // n)
    for start in range(0, len(sources), batch):
        chunk = sources[start : start + batch]
        columns = np.arange(len(chunk))
        sigma = np.zeros((n, len(chunk)))
        sigma[chunk, columns] = 1.0
        depth = np.full((n, len(chunk)), -1, dtype=np.int32)
        depth[chunk, columns] = 0
        frontier = sigma.copy()
        level = 0
        while True:
            reached = incoming @ frontier
            new = (reached > 0) & (depth < 0)
            if not new.any():
                break
            level += 1
            depth[new] = level
            frontier = np.where(new, reached, 0.0)
            sigma += frontier
        delta = np.zeros_like(sigma)
        for d in range(level, 0, -1):
            at_d = depth == d
            # sigma is >= 1 wherever depth >= 0; the inner where keeps 0/0 out of the masked cells.
            coefficient = np.where(at_d, (1.0 + delta) / np.where(at_d, sigma, 1.0), 0.0)
            pulled = adjacency @ coefficient
            delta += np.where(depth == d - 1, sigma * pulled, 0.0)
        # A source is never between itself and a target: its own dependency is not counted.
        delta[chunk, columns] = 0.0
        total += delta.sum(axis=1)
    return total


def rescale_like_networkx(raw: FloatArray, *, n: int, sources: IntArray | None) -> FloatArray:
    """Normalize as NetworkX 3.6 ``_rescale(normalized=True, directed=True, endpoints=False)``.

    Exact: divide by ``(n - 1)(n - 2)``, the ordered pairs of other organizations. Sampled with
    ``k`` sources: a source can be between ``(k - 1)(n - 2)`` of the sampled pairs and any other
    organization ``k (n - 2)`` of them, so each is divided by its own count (unbiased).
    """
    pairs_other = n - 2  # N - 1 in NetworkX, with N = n - 1 because endpoints are excluded
    if n - 1 < 2:
        return raw
    if sources is None:
        result: FloatArray = raw / ((n - 1) * pairs_other)
        return result
    k = len(sources)
    scale = np.full(n, 1.0 / (k * pairs_other))
    scale[sources] = 1.0 / ((k - 1) * pairs_other)
    scaled: FloatArray = raw * scale
    return scaled
