"""What a slice of the territories contributes to the snapshot: figures that add up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass
class Tally:
    children: float = 0.0
    access_weighted: float = 0.0
    zero_children: float = 0.0
    active_needs: int = 0
    slots: int = 0
    unmet: int = 0
    waits: list[float] = field(default_factory=list)
    rejected: int = 0

    def add(self, other: Tally) -> None:
        self.children += other.children
        self.access_weighted += other.access_weighted
        self.zero_children += other.zero_children
        self.active_needs += other.active_needs
        self.slots += other.slots
        self.unmet += other.unmet
        self.waits.extend(other.waits)
        self.rejected += other.rejected

    def as_list(self) -> list[Any]:
        return [
            self.children,
            self.access_weighted,
            self.zero_children,
            self.active_needs,
            self.slots,
            self.unmet,
            self.waits,
            self.rejected,
        ]


@dataclass
class GapPart:
    """What a slice of the territories contributes to the snapshot; parts add up."""

    tallies: dict[tuple[UUID, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: category code → most specific territory → mean accessibility over its points.
    leaf_access: dict[str, dict[UUID, float]] = field(default_factory=lambda: defaultdict(dict))
    #: category code → (longitude, latitude) of the homes of cases with an unmet need.
    unmet_homes: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Celery's serializer); floats survive the round trip exactly."""
        return {
            "tallies": [
                [str(t), code, *tally.as_list()] for (t, code), tally in self.tallies.items()
            ],
            "leaf_access": {
                code: {str(t): a for t, a in leaves.items()}
                for code, leaves in self.leaf_access.items()
            },
            "unmet_homes": {code: homes for code, homes in self.unmet_homes.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GapPart:
        part = cls()
        for territory, code, *values in data["tallies"]:
            part.tallies[(UUID(territory), code)] = Tally(*values)
        for code, leaves in data["leaf_access"].items():
            part.leaf_access[code] = {UUID(t): a for t, a in leaves.items()}
        for code, homes in data["unmet_homes"].items():
            part.unmet_homes[code] = [(lon, lat) for lon, lat in homes]
        return part
