"""The eligibility rules as NumPy arrays, for many children against many services at once.

``eligibility_failures`` (``directory.eligibility``) is the definition; this is the same
five rules over arrays, one row per service's rules, for when asking it per pair would
take hours (the gap inventory pairs a million homes with hundreds of sites each, and
rule sets are nearly unique per service because of their service areas). The tests
check both agree on random and on every combination of rule and child profile, so a
change of rule made in one place and not the other fails them.

Build it with ``directory.selectors.eligibility_arrays`` (which reads the rules), or
from plain :class:`EligibilityRow` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np


@dataclass(frozen=True)
class EligibilityRow:
    """One service's rules, as read from ``Eligibility`` and its service area."""

    service_id: UUID
    min_age: int | None = None
    max_age: int | None = None
    sexes: Sequence[str] = ()
    risk_levels: Sequence[str] = ()
    requires_judicial_order: bool = False
    service_area_ids: frozenset[UUID] = frozenset()


def territory_lineage(territory_id: UUID, parents: Mapping[UUID, UUID | None]) -> list[UUID]:
    """The territory and its ancestors, nearest first; stops at a cycle."""
    chain: list[UUID] = []
    current: UUID | None = territory_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


class EligibilityArrays:
    """The rules of many services as arrays, and the children's profiles as arrays.

    A service without rules (not among the rows) admits everyone: its row is -1.
    """

    NO_CODE = 62  # a bit no mask has: a value no rule names, or an unknown one

    def __init__(
        self, *, rules: Iterable[EligibilityRow], parents: Mapping[UUID, UUID | None]
    ) -> None:
        territories = sorted(parents, key=str)
        self.territory_index = {t: i for i, t in enumerate(territories)}
        # covers[a, t]: territory a is territory t or one of its ancestors, i.e. a service
        # area holding a admits a child living in t. The last column is "no territory".
        covers = np.zeros((len(territories), len(territories) + 1), dtype=bool)
        for t, i in self.territory_index.items():
            for ancestor in territory_lineage(t, parents):
                if ancestor in self.territory_index:
                    covers[self.territory_index[ancestor], i] = True
        rows = list(rules)
        self.sex_codes: dict[str, int] = {}
        self.risk_codes: dict[str, int] = {}
        self.row_of_service = {r.service_id: i for i, r in enumerate(rows)}
        n = len(rows)
        self.has_age = np.zeros(n, dtype=bool)
        self.min_age = np.full(n, -1, dtype=np.int64)
        self.max_age = np.full(n, 1 << 30, dtype=np.int64)
        self.sex_mask = np.zeros(n, dtype=np.int64)
        self.risk_mask = np.zeros(n, dtype=np.int64)
        self.judicial = np.zeros(n, dtype=bool)
        self.area = np.full(n, -1, dtype=np.int64)
        # Services sharing a service area share its row of area_ok: far fewer rows than
        # services, and each as wide as the territories.
        area_rows: dict[frozenset[UUID], int] = {}
        area_ok: list[np.ndarray] = []
        for i, row in enumerate(rows):
            self.has_age[i] = row.min_age is not None or row.max_age is not None
            if row.min_age is not None:
                self.min_age[i] = row.min_age
            if row.max_age is not None:
                self.max_age[i] = row.max_age
            self.sex_mask[i] = self._mask(row.sexes or [], self.sex_codes)
            self.risk_mask[i] = self._mask(row.risk_levels or [], self.risk_codes)
            self.judicial[i] = row.requires_judicial_order
            area = frozenset(row.service_area_ids)
            if area:
                if area not in area_rows:
                    area_rows[area] = len(area_ok)
                    members = [self.territory_index[a] for a in area if a in self.territory_index]
                    area_ok.append(np.asarray(covers[members].any(axis=0)))
                self.area[i] = area_rows[area]
        self.area_ok = (
            np.array(area_ok) if area_ok else np.zeros((0, len(territories) + 1), dtype=bool)
        )

    @classmethod
    def _mask(cls, values: Iterable[str], codes: dict[str, int]) -> int:
        mask = 0
        for value in values:
            code = codes.setdefault(value, len(codes))
            if code >= cls.NO_CODE:
                raise ValueError("more distinct sexes or risk levels than the mask holds")
            mask |= 1 << code
        return mask

    def territories(self) -> list[UUID | None]:
        """Territories by their index in the arrays (``children()["territory"]``)."""
        ordered: list[UUID | None] = [None] * len(self.territory_index)
        for t, i in self.territory_index.items():
            ordered[i] = t
        return ordered

    def rows_for(self, service_ids: Sequence[UUID]) -> np.ndarray:
        """Row of each service's rules, -1 when it has none (it admits everyone)."""
        return np.array([self.row_of_service.get(s, -1) for s in service_ids], dtype=np.int64)

    def children(
        self,
        *,
        ages: Sequence[int | None],
        sexes: Sequence[str | None],
        risk_levels: Sequence[str | None],
        territory_ids: Sequence[UUID | None],
        judicial_orders: Sequence[bool],
    ) -> dict[str, np.ndarray]:
        """The profile of each child as arrays, one entry per child in every sequence.

        ``territory_ids`` are the homes (not their lineage: the arrays know the tree);
        an age unknown is -1, a sex or risk level no rule names is ``NO_CODE``.
        """
        no_territory = len(self.territory_index)
        return {
            "age": np.array([-1 if a is None else a for a in ages], dtype=np.int64),
            "sex": np.array(
                [self.sex_codes.get(s, self.NO_CODE) if s else self.NO_CODE for s in sexes],
                dtype=np.int64,
            ),
            "risk": np.array(
                [self.risk_codes.get(r, self.NO_CODE) if r else self.NO_CODE for r in risk_levels],
                dtype=np.int64,
            ),
            "judicial": np.array([bool(j) for j in judicial_orders], dtype=bool),
            "territory": np.array(
                [
                    no_territory if t is None else self.territory_index.get(t, no_territory)
                    for t in territory_ids
                ],
                dtype=np.int64,
            ),
        }

    def has_area(self, rules: np.ndarray) -> np.ndarray:
        """Whether each rules row has a service-area rule."""
        has: np.ndarray = (rules >= 0) & (self.area[np.maximum(rules, 0)] >= 0)
        return has

    def area_admits(self, *, rules: np.ndarray, territory: np.ndarray) -> np.ndarray:
        """The service-area rule alone, for rows that have one."""
        ok: np.ndarray = self.area_ok[self.area[rules], territory]
        return ok

    def admits(
        self, *, rules: np.ndarray, child: Mapping[str, np.ndarray], ignore_area: bool = False
    ) -> np.ndarray:
        """Whether each pair (rules row, child) passes every rule; arrays broadcast.

        ``ignore_area`` leaves the service-area rule out (see :meth:`area_admits`).
        """
        r = np.maximum(rules, 0)
        age = child["age"]
        age_ok = ~self.has_age[r] | (
            (age >= 0) & (age >= self.min_age[r]) & (age <= self.max_age[r])
        )
        sex_ok = (self.sex_mask[r] == 0) | ((self.sex_mask[r] >> child["sex"]) & 1).astype(bool)
        risk_ok = (self.risk_mask[r] == 0) | ((self.risk_mask[r] >> child["risk"]) & 1).astype(bool)
        judicial_ok = ~self.judicial[r] | child["judicial"]
        area = self.area[r]
        area_ok = (area < 0) | ignore_area
        if len(self.area_ok) and not ignore_area:
            area_ok = area_ok | self.area_ok[np.maximum(area, 0), child["territory"]]
        admitted: np.ndarray = (rules < 0) | (age_ok & sex_ok & risk_ok & judicial_ok & area_ok)
        return admitted

    def admits_matrix(
        self, *, service_ids: Sequence[UUID], child: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """Children by services: whether each child is admitted by each service."""
        rows = self.rows_for(service_ids)
        column = {key: np.asarray(values)[:, None] for key, values in child.items()}
        matrix: np.ndarray = self.admits(rules=rows[None, :], child=column)
        return matrix.reshape(len(child["age"]), len(service_ids))
