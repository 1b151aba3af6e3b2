"""Network indicators of the referral network (indicadores de gestión comunal).

Every referral sent in a period is a fact ``sender → receiver``: the sending team is the
organization owning the case, the receiver the organization offering the service. The
organizations are the nodes of a directed graph with a tie ``A → B`` when ``A`` sent at least one
referral to ``B`` in the period (ties are not weighted: the referral counts per pair are reported
separately in :attr:`NetworkIndicators.per_pair`).

Self-referrals
--------------
A referral from a team to a service of its own organization is a real referral (it counts in the
per-organization and per-pair figures, the median and the overdue share) but **not a network
tie**: working with oneself connects nobody. Self-loops are therefore left out of the graph, so
an organization that only refers to itself is *isolated*, and density, reciprocity,
centralization, betweenness and components describe ties between different organizations only.

Indicators
----------
With ``n`` organizations (all members, so isolated ones count) and ``m`` ties:

* **density** ``m / (n (n - 1))``, the share of possible directed ties present (as
  :func:`networkx.density`; 0 when ``n < 2``).
* **reciprocity**: the share of ties whose reverse tie also exists (as
  :func:`networkx.overall_reciprocity`; 0 when there are no ties). Wasserman & Faust (1994),
  ch. 13.
* **degree centralization** (Freeman 1978/79) on the *undirected* graph underlying the ties (``A``
  and ``B`` are neighbours when either referred to the other), with ``d_i`` the number of
  neighbours of ``i``::

      C_D = sum_i (max_j d_j - d_i) / ((n - 1)(n - 2))

  1 for a star (one organization every referral passes through), 0 when every organization has
  as many partners as any other, 0 by convention when ``n < 3``. The undirected form is used
  because Freeman's normalisation ``(n - 1)(n - 2)`` is the maximum for undirected degree (the
  star); directed in- and out-degree variants need other maxima and would report two numbers.
* **betweenness** of each organization: normalized shortest-path betweenness on the directed,
  unweighted ties, without endpoints, exactly as
  ``networkx.betweenness_centrality(G, normalized=True, weight=None, endpoints=False)``
  (Brandes 2001). Above ``betweenness_sample_threshold`` organizations it is estimated from
  ``betweenness_k`` source organizations sampled with ``random.Random(seed)`` (Brandes & Pich
  2007), the same sources and the same rescaling (NetworkX 3.6 ``_rescale``) as
  ``networkx.betweenness_centrality(G, k=k, seed=seed)`` on a graph whose nodes are added in the
  order of ``organizations``. The tests check both against NetworkX.

  It is computed here with batched sparse-matrix products instead of NetworkX's per-node Python
  loops: Brandes' breadth-first search from a batch of sources advances one level per product
  ``A.T @ sigma`` and the dependencies flow back one level per product
  ``A @ ((1 + delta) / sigma)``, the linear-algebra formulation in Kepner & Gilbert (2011). On
  5,000 organizations with ~1,000,000 ties and 200 sources NetworkX takes ~20 s; this takes under a
  second.
* **weak components** (parts of the network with no referral path between them in either
  direction; isolated organizations are components of one) and the share of organizations in
  the largest one: fragmentation.
* **acceptance rate** ``accepted / sent`` and **completion rate** ``completed / accepted`` per pair
  and per receiving organization (``None`` when the denominator is 0).
* **median days to first attention**: from sending to the first time the referral was in service,
  over the referrals that got there (NaN-ignoring; ``None`` when none did).
* **overdue share**: referrals answered after their deadline, or still unanswered with the
  deadline passed by the period end, over referrals sent.

Every aggregate is vectorised with NumPy (``np.unique`` on encoded pair ids, ``np.bincount``):
nothing loops over referrals in Python.

Modules
-------
``indicators`` (the pure core, :func:`network_indicators`), ``columns`` (checking the input
columns), ``graph`` (reciprocity, neighbours, centralization), ``betweenness``, ``results``
(the returned snapshot), ``facts`` (reading a period from the database) and ``binary_copy``
(decoding its rows). Import from here.

Sources
-------
* Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification. *Social
  Networks*, 1(3), 215-239.
* Wasserman, S. & Faust, K. (1994). *Social Network Analysis: Methods and Applications*.
  Cambridge University Press (density ch. 4, centralization ch. 5, dyads and reciprocity ch. 13).
* Brandes, U. (2001). A faster algorithm for betweenness centrality. *Journal of Mathematical
  Sociology*, 25(2), 163-177.
* Brandes, U. & Pich, C. (2007). Centrality estimation in large networks. *International Journal
  of Bifurcation and Chaos*, 17(7), 2303-2318.
* Kepner, J. & Gilbert, J. (eds.) (2011). *Graph Algorithms in the Language of Linear Algebra*.
  SIAM.
* Hagberg, A., Schult, D. & Swart, P. (2008). Exploring network structure, dynamics, and function
  using NetworkX. *Proc. SciPy 2008*, 11-15 (``betweenness_centrality``, ``density``,
  ``overall_reciprocity``, ``number_weakly_connected_components``).
"""

from gaps.network.facts import (
    ACCEPTED_STATUSES,
    COMPLETED_STATUS,
    IN_SERVICE_STATUS,
    ReferralFacts,
    network_facts,
    network_indicators_for_period,
)
from gaps.network.indicators import network_indicators
from gaps.network.results import NetworkIndicators, OrganizationFlow, PairFlow

__all__ = [
    "ACCEPTED_STATUSES",
    "COMPLETED_STATUS",
    "IN_SERVICE_STATUS",
    "NetworkIndicators",
    "OrganizationFlow",
    "PairFlow",
    "ReferralFacts",
    "network_facts",
    "network_indicators",
    "network_indicators_for_period",
]
