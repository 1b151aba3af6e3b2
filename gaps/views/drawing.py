"""Server-drawn SVG of the planners' pages: the Lorenz curve and the referral network.

The geometry is computed here and the templates write the ``<svg>``; every drawing has its
figures as a table beside it. Sizes are drawn in bands that never tell 1-4 apart from each
other, so a drawing cannot give away a count the tables show as "<5".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
from django.utils.translation import gettext as _

from gaps.selectors import (
    SUPPRESSION_THRESHOLD,
    NetworkSummary,
    OrganizationRow,
    PairRow,
    organization_short_name,
)

# --- Lorenz curve ------------------------------------------------------------------------------

LORENZ_SIZE = 320
LORENZ_MARGIN = 40


@dataclass(frozen=True)
class LorenzChart:
    id: str
    title: str
    summary: str
    points: str
    size: int = LORENZ_SIZE
    margin: int = LORENZ_MARGIN
    rows: list[tuple[float, float]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def far(self) -> int:
        return self.size - self.margin

    @property
    def middle(self) -> float:
        return (self.size) / 2


def lorenz_chart(
    *, chart_id: str, title: str, x: Sequence[float], y: Sequence[float], gini: float | None
) -> LorenzChart:
    """The curve of cumulative children (x) against cumulative accessibility (y), in %."""
    if len(x) < 2 or len(x) != len(y):
        return LorenzChart(
            id=chart_id, title=title, summary=_("No figures for this snapshot."), points=""
        )
    side = LORENZ_SIZE - 2 * LORENZ_MARGIN

    def at(px: float, py: float) -> str:
        return f"{round(LORENZ_MARGIN + side * px, 1)},{round(LORENZ_MARGIN + side * (1 - py), 1)}"

    summary = _(
        "The further the curve bends below the diagonal, the more unequal the access. "
        "Gini coefficient: %(gini)s (0 is perfect equality)."
    ) % {"gini": "—" if gini is None else f"{gini:.3f}"}
    return LorenzChart(
        id=chart_id,
        title=title,
        summary=summary,
        points=" ".join(at(px, py) for px, py in zip(x, y, strict=True)),
        rows=[(round(px * 100, 1), round(py * 100, 1)) for px, py in zip(x, y, strict=True)],
    )


# --- the referral network ---------------------------------------------------------------------

GRAPH_WIDTH = 760
GRAPH_HEIGHT = 560
GRAPH_MARGIN = 70
#: At most this many organizations are drawn (the busiest); the tables list them all.
GRAPH_NODES = 60
LAYOUT_SEED = 7
#: From this many organizations drawn, the referring teams go on a ring of their own.
RING_LAYOUT_FROM = 8


@dataclass(frozen=True)
class GraphNode:
    number: int
    organization_id: str
    name: str
    #: The organization's short name, whole (never cut), in at most two lines.
    label: str
    lines: list[str]
    x: float
    y: float
    r: float
    title: str
    isolated: bool

    @property
    def line_dy(self) -> list[tuple[str, float]]:
        """Each line of the label and its offset from the line above (the first: the circle)."""
        return [(line, self.r + 12 if i == 0 else 13) for i, line in enumerate(self.lines)]


@dataclass(frozen=True)
class GraphEdge:
    path: str
    width: float
    title: str


@dataclass(frozen=True)
class NetworkGraph:
    id: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    drawn: int
    total: int
    width: int = GRAPH_WIDTH
    height: int = GRAPH_HEIGHT

    @property
    def empty(self) -> bool:
        return not self.nodes

    @property
    def partial(self) -> bool:
        return self.drawn < self.total


def _band(volume: int, peak: int, *, smallest: float, largest: float) -> float:
    """A size growing with the square root of the volume; every volume below 5 alike."""
    if volume < SUPPRESSION_THRESHOLD or peak <= 0:
        return smallest
    return round(smallest + 1 + (largest - smallest - 1) * math.sqrt(volume / peak), 1)


#: Characters of a label's line before it breaks at a space.
LABEL_LINE = 14


def _label_lines(label: str, width: int = LABEL_LINE) -> list[str]:
    """The label in at most two lines, broken between words: nothing is cut off."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return lines or [label]


def network_graph(
    *, graph_id: str, summary: NetworkSummary, limit: int = GRAPH_NODES
) -> NetworkGraph:
    """The organizations as circles sized by referrals, ties as arrows as wide as their volume.

    The layout is NetworkX's force-directed one (Fruchterman-Reingold) with a fixed seed, so
    the same network is drawn the same way every time.
    """
    chosen = [o for o in summary.per_organization if o.volume > 0][:limit]
    total = sum(1 for o in summary.per_organization if o.volume > 0)
    if not chosen:
        return NetworkGraph(id=graph_id, nodes=[], edges=[], drawn=0, total=total)
    ids = [o.organization_id for o in chosen]
    wanted = set(ids)
    pairs = [
        p
        for p in summary.per_pair
        if p.sender_id != p.receiver_id and p.sender_id in wanted and p.receiver_id in wanted
    ]
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((p.sender_id, p.receiver_id) for p in pairs)
    layout = _layout(graph=graph, chosen=chosen, pairs=pairs)
    xs = [float(layout[i][0]) for i in ids]
    ys = [float(layout[i][1]) for i in ids]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def place(node_id: str) -> tuple[float, float]:
        px, py = float(layout[node_id][0]), float(layout[node_id][1])
        if len(ids) == 1:
            return GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2
        return (
            round(GRAPH_MARGIN + (GRAPH_WIDTH - 2 * GRAPH_MARGIN) * (px - min(xs)) / span_x, 1),
            round(GRAPH_MARGIN + (GRAPH_HEIGHT - 2 * GRAPH_MARGIN) * (py - min(ys)) / span_y, 1),
        )

    peak_volume = max(o.volume for o in chosen)
    nodes = []
    where: dict[str, tuple[float, float, float]] = {}
    for number, org in enumerate(chosen, start=1):
        x, y = place(org.organization_id)
        r = _band(org.volume, peak_volume, smallest=5, largest=22)
        where[org.organization_id] = (x, y, r)
        label = org.short_name or organization_short_name(org.name)
        nodes.append(
            GraphNode(
                number=number,
                organization_id=org.organization_id,
                name=org.name,
                label=label,
                lines=_label_lines(label),
                x=x,
                y=y,
                r=r,
                title=_("%(name)s: %(sent)s sent, %(received)s received")
                % {"name": org.name, "sent": org.sent, "received": org.received},
                isolated=org.isolated,
            )
        )
    peak_pair = max((p.volume for p in pairs), default=0)
    edges = []
    for pair in pairs:
        x1, y1, r1 = where[pair.sender_id]
        x2, y2, r2 = where[pair.receiver_id]
        edges.append(
            GraphEdge(
                path=_curve(x1, y1, r1, x2, y2, r2),
                width=_band(pair.volume, peak_pair, smallest=1, largest=8),
                title=_("%(sender)s → %(receiver)s: %(sent)s referrals")
                % {"sender": pair.sender, "receiver": pair.receiver, "sent": pair.sent},
            )
        )
    return NetworkGraph(id=graph_id, nodes=nodes, edges=edges, drawn=len(nodes), total=total)


def _layout(
    *, graph: nx.Graph, chosen: Sequence[OrganizationRow], pairs: Sequence[PairRow]
) -> dict:
    """Where each organization is drawn.

    A network of a few teams that refer and many services that receive would pile the
    teams, tied to nearly everyone, at the centre of a force-directed drawing, their
    labels over each other: they go on an inner ring instead, each other organization on
    the outer one beside the team that refers to it most. Otherwise NetworkX's
    force-directed layout (Fruchterman-Reingold) with a fixed seed.
    """
    ids = [o.organization_id for o in chosen]
    senders = [o.organization_id for o in chosen if o.out_degree > o.in_degree]
    if len(ids) >= RING_LAYOUT_FROM and 2 <= len(senders) <= len(ids) // 2:
        inner = set(senders)
        angle = {s: k / len(senders) for k, s in enumerate(senders)}
        main: dict[str, tuple[int, str]] = {}
        for pair in pairs:
            if pair.sender_id in inner and pair.receiver_id not in inner:
                best = main.get(pair.receiver_id)
                if best is None or (pair.volume, pair.sender_id) > best:
                    main[pair.receiver_id] = (pair.volume, pair.sender_id)
        others = sorted(
            (i for i in ids if i not in inner),
            key=lambda i: (angle[main[i][1]] if i in main else 1.0, i),
        )
        return dict(nx.shell_layout(graph, nlist=[senders, others]))
    spread = 1.6 / math.sqrt(max(len(ids), 1))
    return dict(nx.spring_layout(graph, seed=LAYOUT_SEED, k=spread, iterations=200))


def _curve(x1: float, y1: float, r1: float, x2: float, y2: float, r2: float) -> str:
    """A gentle arc from the edge of one circle to the edge of the other.

    Bending every arc to its own right keeps the two directions of a reciprocal tie apart.
    """
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    # the normal to the right of the direction of travel (SVG's y grows downwards)
    nx_, ny_ = -uy, ux
    bend = min(40.0, length * 0.15)
    sx, sy = x1 + ux * r1, y1 + uy * r1
    ex, ey = x2 - ux * (r2 + 4), y2 - uy * (r2 + 4)
    cx, cy = (sx + ex) / 2 + nx_ * bend, (sy + ey) / 2 + ny_ * bend
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
