"""The referral network's indicators, a snapshot's or a period's, as they may be shown."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from directory.models import Organization
from gaps.models import ManagementReport, NetworkSnapshot
from gaps.network import network_indicators_for_period
from gaps.selectors.suppression import Shown, count_shown, ratio_shown
from gaps.services import period_bounds, quarter_last_completed


def network_snapshot_latest() -> NetworkSnapshot | None:
    return NetworkSnapshot.objects.order_by("-end", "-computed_at").first()


def quarter_previous(*, today: date) -> tuple[date, date]:
    """The last complete quarter: the default period of the management indicators."""
    return quarter_last_completed(today=today)


def management_report_list(*, limit: int = 8) -> QuerySet[ManagementReport]:
    return ManagementReport.objects.order_by("-end", "-start")[:limit]


def network_period_indicators(*, start: date, end: date) -> dict[str, Any]:
    """The management indicators of referrals sent from ``start`` to ``end`` (inclusive).

    A stored report of exactly that period (the quarterly job's) is read instead of
    recomputed: at a million referrals that is seconds saved per page.
    """
    report = ManagementReport.objects.filter(start=start, end=end).first()
    if report is not None:
        return dict(report.indicators)
    since, until = period_bounds(start=start, end=end)
    return network_indicators_for_period(start=since, end=until).as_dict()


@dataclass(frozen=True)
class OrganizationRow:
    organization_id: str
    name: str
    sent: Shown
    received: Shown
    accepted: Shown
    completed: Shown
    overdue: Shown
    acceptance_rate: Shown
    completion_rate: Shown
    overdue_share: Shown
    median_days_to_attention: Shown
    betweenness: float
    in_degree: int
    out_degree: int
    isolated: bool
    #: Referrals sent plus received, unsuppressed: only for ordering and drawing sizes in bands.
    volume: int
    #: What the graph labels it with: its alternate name, else an abbreviation of its name.
    short_name: str = ""


@dataclass(frozen=True)
class PairRow:
    sender_id: str
    sender: str
    receiver_id: str
    receiver: str
    sent: Shown
    accepted: Shown
    completed: Shown
    overdue: Shown
    acceptance_rate: Shown
    completion_rate: Shown
    #: Unsuppressed referrals sent, for drawing the edge's width in bands only.
    volume: int


@dataclass(frozen=True)
class NetworkSummary:
    """A network snapshot or a period, every figure as it may be shown."""

    start: date | None
    end: date | None
    computed_at: datetime | None
    organizations: int
    referrals: Shown
    self_referrals: Shown
    edges: int
    density: float
    reciprocity: float
    degree_centralization: float
    weak_components: int
    largest_component_share: float
    isolated: list[str]
    median_days_to_attention: Shown
    overdue_share: Shown
    betweenness_sources: int | None
    #: Pairs in the period; a stored snapshot keeps only the busiest (see gaps.services).
    pairs_total: int = 0
    per_organization: list[OrganizationRow] = field(default_factory=list)
    per_pair: list[PairRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.referrals == 0

    def indicators(self) -> list[tuple[str, str, Shown]]:
        """(key, label, value) of the network-wide figures, for tables and downloads."""
        return [
            ("organizations", _("Organizations"), self.organizations),
            ("referrals", _("Referrals sent"), self.referrals),
            ("self_referrals", _("Referrals within one organization"), self.self_referrals),
            ("edges", _("Ties between organizations"), self.edges),
            ("density", _("Density"), self.density),
            ("reciprocity", _("Reciprocity"), self.reciprocity),
            ("degree_centralization", _("Degree centralization"), self.degree_centralization),
            ("weak_components", _("Components"), self.weak_components),
            (
                "largest_component_share",
                _("Share of organizations in the largest component"),
                self.largest_component_share,
            ),
            ("isolated", _("Isolated organizations"), len(self.isolated)),
            (
                "median_days_to_attention",
                _("Median days from referral to first attention"),
                self.median_days_to_attention,
            ),
            ("overdue_share", _("Share of referrals answered late"), self.overdue_share),
        ]


#: A name longer than this is shortened for the graph (two lines of a node's label).
SHORT_NAME_LENGTH = 22
#: Words a shortened name writes short; lower-case words ("de", "la") are left out.
_WORD_SHORT = {
    "Asociación": "Asoc.",
    "Centro": "C.",
    "Corporación": "Corp.",
    "Departamento": "Depto.",
    "Dirección": "Dir.",
    "Escuela": "Esc.",
    "Fundación": "Fund.",
    "Municipalidad": "Munic.",
    "Oficina": "Of.",
    "Organización": "Org.",
    "Programa": "Prog.",
}


def organization_short_name(name: str, alternate: str = "") -> str:
    """The organization's alternate name if it has one, else its name if short, else a
    deterministic abbreviation: "Programa de Prevención Focalizada Los Aromos" → "PPF Los
    Aromos", "Corporación Puertas Abiertas" → "Corp. Puertas Abiertas".

    Words are kept whole or cut to an initial, never mid-word: a label is not "Puertas Abi…".
    """
    alternate = " ".join(alternate.split())
    if alternate:
        return alternate
    name = " ".join(name.split())
    if len(name) <= SHORT_NAME_LENGTH:
        return name
    words = [w for w in name.split(" ") if not w.islower()]
    shortened = " ".join(_WORD_SHORT.get(w, w) for w in words)
    if len(shortened) <= SHORT_NAME_LENGTH:
        return shortened
    # The leading words as initials, the last two (a place, most often) whole.
    head, tail = words[:-2], words[-2:]
    if len(head) >= 2:
        acronym = "".join(w[0].upper() for w in head) + " " + " ".join(tail)
        if len(acronym) <= SHORT_NAME_LENGTH:
            return acronym
    return "".join(w[0].upper() for w in words if w[0].isalnum())


def _organization_names(ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Id → (name, short name)."""
    wanted = set()
    for raw in ids:
        try:
            wanted.add(UUID(str(raw)))
        except ValueError:
            continue
    return {
        str(pk): (name, organization_short_name(name, alternate))
        for pk, name, alternate in Organization.objects.filter(pk__in=wanted).values_list(
            "pk", "name", "alternate_name"
        )
    }


def _round(value: Any, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def network_summary(
    *,
    indicators: Mapping[str, Any],
    start: date | None = None,
    end: date | None = None,
    computed_at: datetime | None = None,
) -> NetworkSummary:
    """Suppressed rows from ``NetworkIndicators.as_dict()`` (a snapshot's JSON or a period)."""
    per_org = list(indicators.get("per_organization") or [])
    per_pair = list(indicators.get("per_pair") or [])
    isolated_ids = [str(o) for o in indicators.get("isolated") or []]
    names = _organization_names(
        [o["organization"] for o in per_org]
        + [p["sender"] for p in per_pair]
        + [p["receiver"] for p in per_pair]
        + isolated_ids
    )
    unknown = _("(organization removed)")
    betweenness = indicators.get("betweenness") or {}
    isolated = set(isolated_ids)
    organizations = []
    for o in per_org:
        key = str(o["organization"])
        organizations.append(
            OrganizationRow(
                organization_id=key,
                name=names.get(key, (unknown, unknown))[0],
                short_name=names.get(key, (unknown, unknown))[1],
                sent=count_shown(o["sent"]),
                received=count_shown(o["received"]),
                accepted=count_shown(o["accepted"]),
                completed=count_shown(o["completed"]),
                overdue=count_shown(o["overdue"]),
                acceptance_rate=ratio_shown(_round(o["acceptance_rate"]), base=o["received"]),
                completion_rate=ratio_shown(_round(o["completion_rate"]), base=o["accepted"]),
                overdue_share=ratio_shown(_round(o["overdue_share"]), base=o["received"]),
                median_days_to_attention=ratio_shown(
                    _round(o["median_days_to_attention"], 1), base=o["received"]
                ),
                betweenness=_round(betweenness.get(key, 0.0)) or 0.0,
                in_degree=int(o["in_degree"]),
                out_degree=int(o["out_degree"]),
                isolated=key in isolated,
                volume=int(o["sent"]) + int(o["received"]),
            )
        )
    organizations.sort(key=lambda row: (-row.volume, row.name))
    pairs = [
        PairRow(
            sender_id=str(p["sender"]),
            sender=names.get(str(p["sender"]), (unknown, unknown))[0],
            receiver_id=str(p["receiver"]),
            receiver=names.get(str(p["receiver"]), (unknown, unknown))[0],
            sent=count_shown(p["sent"]),
            accepted=count_shown(p["accepted"]),
            completed=count_shown(p["completed"]),
            overdue=count_shown(p["overdue"]),
            acceptance_rate=ratio_shown(_round(p["acceptance_rate"]), base=p["sent"]),
            completion_rate=ratio_shown(_round(p["completion_rate"]), base=p["accepted"]),
            volume=int(p["sent"]),
        )
        for p in per_pair
    ]
    pairs.sort(key=lambda row: (-row.volume, row.sender, row.receiver))
    referrals = int(indicators.get("referrals") or 0)
    return NetworkSummary(
        start=start,
        end=end,
        computed_at=computed_at,
        organizations=int(indicators.get("organizations") or 0),
        referrals=count_shown(referrals),
        self_referrals=count_shown(int(indicators.get("self_referrals") or 0)),
        edges=int(indicators.get("edges") or 0),
        density=_round(indicators.get("density")) or 0.0,
        reciprocity=_round(indicators.get("reciprocity")) or 0.0,
        degree_centralization=_round(indicators.get("degree_centralization")) or 0.0,
        weak_components=int(indicators.get("weak_components") or 0),
        largest_component_share=_round(indicators.get("largest_component_share")) or 0.0,
        isolated=sorted(names.get(i, (unknown, unknown))[0] for i in isolated_ids),
        median_days_to_attention=ratio_shown(
            _round(indicators.get("median_days_to_attention"), 1), base=referrals
        ),
        overdue_share=ratio_shown(_round(indicators.get("overdue_share")), base=referrals),
        betweenness_sources=indicators.get("betweenness_sources"),
        pairs_total=int(indicators.get("per_pair_total") or len(per_pair)),
        per_organization=organizations,
        per_pair=pairs,
    )


def network_snapshot_summary(snapshot: NetworkSnapshot) -> NetworkSummary:
    return network_summary(
        indicators=snapshot.indicators,
        start=snapshot.start,
        end=snapshot.end,
        computed_at=snapshot.computed_at,
    )


def network_period_summary(*, start: date, end: date) -> NetworkSummary:
    return network_summary(
        indicators=network_period_indicators(start=start, end=end), start=start, end=end
    )
