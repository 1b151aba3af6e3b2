"""The pure core: network indicators from referral facts given as columns, one per referral."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse import csgraph

from gaps.network.arrays import FloatArray, IntArray
from gaps.network.betweenness import brandes_dependencies, rescale_like_networkx
from gaps.network.columns import days_column, flag_column, label_codes, label_list
from gaps.network.graph import freeman_centralization, share_reciprocated, undirected_degree
from gaps.network.results import NetworkIndicators, OrganizationFlow, PairFlow


def network_indicators(
    *,
    senders: Sequence[Hashable] | ArrayLike,
    receivers: Sequence[Hashable] | ArrayLike,
    accepted: ArrayLike,
    completed: ArrayLike,
    overdue: ArrayLike,
    days_to_attention: ArrayLike,
    organizations: Sequence[Hashable] | ArrayLike,
    betweenness_sample_threshold: int = 500,
    betweenness_k: int = 200,
    seed: int = 0,
) -> NetworkIndicators:
    """Network indicators from referral facts given as columns, one entry per referral.

    Args:
        senders: sending organization of each referral (any hashable label).
        receivers: receiving organization of each referral.
        accepted: bool per referral, the provider accepted it.
        completed: bool per referral, it was completed (implies ``accepted``).
        overdue: bool per referral, answered after its deadline or unanswered past it at the
            period end.
        days_to_attention: float per referral, days from sending to first attention, NaN when
            the child was never attended; non-negative.
        organizations: every member organization, each once, so that organizations without
            referrals count (as isolated). Every sender and receiver must be one of them. Their
            order is the order of the outputs, and fixes which sources the betweenness sample
            draws.
        betweenness_sample_threshold: above this many organizations betweenness is estimated
            from ``betweenness_k`` sampled sources instead of all of them.
        betweenness_k: sampled sources, at least 2 (with 1 the sampled node's own estimate is
            0/0 in NetworkX's rescaling).
        seed: seed of ``random.Random`` drawing the sample, for reproducible snapshots.

    Returns:
        The :class:`NetworkIndicators` snapshot.

    Raises:
        ValueError: lengths differ, an organization is listed twice, a sender or receiver is not
            listed, flags are not booleans, ``completed`` without ``accepted``, negative or
            infinite days, or ``betweenness_k < 2``.
    """
    labels = label_list(organizations)
    index: dict[Hashable, int] = {}
    for position, label in enumerate(labels):
        if index.setdefault(label, position) != position:
            raise ValueError(f"organizations lists {label!r} twice")
    sender = label_codes("senders", senders, index)
    receiver = label_codes("receivers", receivers, index)
    return indicators_from_codes(
        labels=labels,
        sender=sender,
        receiver=receiver,
        accepted=accepted,
        completed=completed,
        overdue=overdue,
        days_to_attention=days_to_attention,
        betweenness_sample_threshold=betweenness_sample_threshold,
        betweenness_k=betweenness_k,
        seed=seed,
    )


def indicators_from_codes(
    *,
    labels: Sequence[Hashable],
    sender: IntArray,
    receiver: IntArray,
    accepted: ArrayLike,
    completed: ArrayLike,
    overdue: ArrayLike,
    days_to_attention: ArrayLike,
    betweenness_sample_threshold: int,
    betweenness_k: int,
    seed: int,
) -> NetworkIndicators:
    """The indicators from organization indices ``0 <= i < len(labels)``."""
    if isinstance(betweenness_k, bool) or not isinstance(betweenness_k, int) or betweenness_k < 2:
        raise ValueError(f"betweenness_k must be an integer >= 2, got {betweenness_k!r}")
    n = len(labels)
    total = len(sender)
    if len(receiver) != total:
        raise ValueError(f"senders has {total} entries but receivers has {len(receiver)}")
    is_accepted = flag_column("accepted", accepted, total)
    is_completed = flag_column("completed", completed, total)
    is_overdue = flag_column("overdue", overdue, total)
    days = days_column(days_to_attention, total)
    if np.any(is_completed & ~is_accepted):
        raise ValueError("a referral is completed but not accepted")

    # --- per pair: one sort of the encoded pair ids, then counts by bincount ----------------
    pair_code = sender * n + receiver  # int64: n <= ~3e9 before overflow
    pairs, pair_of = np.unique(pair_code, return_inverse=True)
    pair_sent = np.bincount(pair_of, minlength=len(pairs))
    pair_accepted = np.bincount(pair_of[is_accepted], minlength=len(pairs))
    pair_completed = np.bincount(pair_of[is_completed], minlength=len(pairs))
    pair_overdue = np.bincount(pair_of[is_overdue], minlength=len(pairs))
    pair_sender, pair_receiver = np.divmod(pairs, n) if n else (pairs, pairs)

    # --- ties: distinct pairs between different organizations -------------------------------
    is_tie = pair_sender != pair_receiver
    tie_codes = pairs[is_tie]  # sorted, because np.unique sorts
    tail, head = pair_sender[is_tie], pair_receiver[is_tie]
    m = len(tie_codes)
    density = m / (n * (n - 1)) if n > 1 else 0.0
    reciprocity = share_reciprocated(tie_codes=tie_codes, tail=tail, head=head, n=n)
    out_degree = np.bincount(tail, minlength=n)
    in_degree = np.bincount(head, minlength=n)
    neighbours = undirected_degree(tail=tail, head=head, n=n)
    centralization = freeman_centralization(neighbours)

    adjacency = sp.csr_array((np.ones(m), (tail, head)), shape=(n, n))
    if n:
        components, component_of = csgraph.connected_components(
            adjacency, directed=True, connection="weak"
        )
        largest_share = float(np.bincount(component_of).max()) / n
    else:
        components, largest_share = 0, 0.0

    sampled = n > betweenness_sample_threshold and betweenness_k < n
    if sampled:
        # The same draw as networkx (seed.sample(list(G), k)): it depends on len(G) only.
        sources = np.array(random.Random(seed).sample(range(n), betweenness_k), dtype=np.int64)
    else:
        sources = np.arange(n, dtype=np.int64)
    raw = brandes_dependencies(adjacency=adjacency, sources=sources)
    betweenness = rescale_like_networkx(raw, n=n, sources=sources if sampled else None)

    # --- per organization -------------------------------------------------------------------
    sent = np.bincount(sender, minlength=n)
    received = np.bincount(receiver, minlength=n)
    received_accepted = np.bincount(receiver[is_accepted], minlength=n)
    received_completed = np.bincount(receiver[is_completed], minlength=n)
    received_overdue = np.bincount(receiver[is_overdue], minlength=n)
    attended = ~np.isnan(days)
    receiver_median = _grouped_median(groups=receiver[attended], values=days[attended], n=n)

    per_pair = tuple(
        PairFlow(
            sender=labels[s],
            receiver=labels[r],
            sent=k,
            accepted=a,
            completed=c,
            overdue=o,
            acceptance_rate=_rate(a, k),
            completion_rate=_rate(c, a),
        )
        for s, r, k, a, c, o in zip(
            pair_sender.tolist(),
            pair_receiver.tolist(),
            pair_sent.tolist(),
            pair_accepted.tolist(),
            pair_completed.tolist(),
            pair_overdue.tolist(),
            strict=True,
        )
    )
    per_organization = tuple(
        OrganizationFlow(
            organization=label,
            sent=s,
            received=r,
            accepted=a,
            completed=c,
            overdue=o,
            acceptance_rate=_rate(a, r),
            completion_rate=_rate(c, a),
            overdue_share=_rate(o, r),
            median_days_to_attention=None if math.isnan(md) else md,
            out_degree=do,
            in_degree=di,
        )
        for label, s, r, a, c, o, md, do, di in zip(
            labels,
            sent.tolist(),
            received.tolist(),
            received_accepted.tolist(),
            received_completed.tolist(),
            received_overdue.tolist(),
            receiver_median.tolist(),
            out_degree.tolist(),
            in_degree.tolist(),
            strict=True,
        )
    )
    return NetworkIndicators(
        organizations=n,
        referrals=total,
        self_referrals=int(np.count_nonzero(sender == receiver)),
        edges=m,
        density=density,
        reciprocity=reciprocity,
        degree_centralization=centralization,
        betweenness=dict(zip(labels, betweenness.tolist(), strict=True)),
        betweenness_sources=len(sources) if sampled else None,
        weak_components=int(components),
        largest_component_share=largest_share,
        isolated=tuple(labels[i] for i in np.flatnonzero(neighbours == 0).tolist()),
        per_pair=per_pair,
        per_organization=per_organization,
        median_days_to_attention=float(np.median(days[attended])) if attended.any() else None,
        overdue_share=_rate(int(np.count_nonzero(is_overdue)), total),
    )


def _grouped_median(*, groups: IntArray, values: FloatArray, n: int) -> FloatArray:
    """Median of ``values`` per group ``0 <= g < n`` (NaN for empty groups), without a loop."""
    medians = np.full(n, math.nan)
    if len(values) == 0:
        return medians
    order = np.lexsort((values, groups))  # by group, then by value within the group
    ordered = values[order]
    counts = np.bincount(groups, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    low = starts[has] + (counts[has] - 1) // 2
    high = starts[has] + counts[has] // 2
    medians[has] = (ordered[low] + ordered[high]) / 2.0
    return medians


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
