"""The snapshot the network indicators return: per pair, per organization, network-wide."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PairFlow:
    """Referrals from one organization to another (or to itself) in the period."""

    sender: Hashable
    receiver: Hashable
    sent: int
    accepted: int
    completed: int
    overdue: int
    #: ``accepted / sent``.
    acceptance_rate: float | None
    #: ``completed / accepted``; ``None`` when nothing was accepted.
    completion_rate: float | None


@dataclass(frozen=True, slots=True)
class OrganizationFlow:
    """One organization's referrals: ``sent`` as a sending team, the rest as a receiver."""

    organization: Hashable
    sent: int
    received: int
    accepted: int
    completed: int
    overdue: int
    acceptance_rate: float | None
    completion_rate: float | None
    #: ``overdue / received``: how often this organization answered late (or not at all).
    overdue_share: float | None
    #: Median days from sending to first attention of the referrals it received.
    median_days_to_attention: float | None
    #: Distinct other organizations it referred to (ties out; self-referrals excluded).
    out_degree: int
    #: Distinct other organizations that referred to it (ties in).
    in_degree: int


@dataclass(frozen=True, slots=True)
class NetworkIndicators:
    """A snapshot of the referral network; see the module docstring for each definition."""

    organizations: int
    referrals: int
    #: Referrals whose sender and receiver are the same organization (not ties).
    self_referrals: int
    #: Directed ties between different organizations.
    edges: int
    density: float
    reciprocity: float
    degree_centralization: float
    #: Organization → normalized betweenness, in the order of ``organizations``.
    betweenness: Mapping[Hashable, float]
    #: Number of sampled source organizations, or ``None`` when betweenness is exact.
    betweenness_sources: int | None
    weak_components: int
    largest_component_share: float
    #: Organizations with no tie to any other, in the order of ``organizations``.
    isolated: tuple[Hashable, ...]
    #: Every (sender, receiver) pair with at least one referral, ordered as ``organizations``.
    per_pair: tuple[PairFlow, ...]
    #: Every organization, in the order of ``organizations``.
    per_organization: tuple[OrganizationFlow, ...]
    median_days_to_attention: float | None
    overdue_share: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types: organizations that are not str/int/float (UUIDs) become strings."""
        return {
            "organizations": self.organizations,
            "referrals": self.referrals,
            "self_referrals": self.self_referrals,
            "edges": self.edges,
            "density": self.density,
            "reciprocity": self.reciprocity,
            "degree_centralization": self.degree_centralization,
            # JSON object keys are strings; json.dumps would turn int keys into "1" anyway.
            "betweenness": {str(_json_label(org)): b for org, b in self.betweenness.items()},
            "betweenness_sources": self.betweenness_sources,
            "weak_components": self.weak_components,
            "largest_component_share": self.largest_component_share,
            "isolated": [_json_label(org) for org in self.isolated],
            "per_pair": [
                {
                    "sender": _json_label(p.sender),
                    "receiver": _json_label(p.receiver),
                    "sent": p.sent,
                    "accepted": p.accepted,
                    "completed": p.completed,
                    "overdue": p.overdue,
                    "acceptance_rate": p.acceptance_rate,
                    "completion_rate": p.completion_rate,
                }
                for p in self.per_pair
            ],
            "per_organization": [
                {
                    "organization": _json_label(o.organization),
                    "sent": o.sent,
                    "received": o.received,
                    "accepted": o.accepted,
                    "completed": o.completed,
                    "overdue": o.overdue,
                    "acceptance_rate": o.acceptance_rate,
                    "completion_rate": o.completion_rate,
                    "overdue_share": o.overdue_share,
                    "median_days_to_attention": o.median_days_to_attention,
                    "out_degree": o.out_degree,
                    "in_degree": o.in_degree,
                }
                for o in self.per_organization
            ],
            "median_days_to_attention": self.median_days_to_attention,
            "overdue_share": self.overdue_share,
        }


def _json_label(label: Hashable) -> Any:
    if label is None or isinstance(label, str | int | float):
        return label
    return str(label)
