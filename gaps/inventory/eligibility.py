"""The eligibility rules evaluated with NumPy for every case and site at once.

One class, :class:`Admission`, so that another evaluation of the same rules can take its
place: the inventory only calls ``territories``, ``rows_for``, ``children``, ``has_area``,
``area_admits`` and ``admits``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import numpy as np

from directory.models import Eligibility
from directory.selectors import eligibility_service_areas
from gaps.inventory.queries import NeedRow, territory_lineage


class Admission:
    """Eligibility (``Eligibility.failures_for``) as arrays, for a million cases at once.

    Asking ``failures_for`` per (case, site within reach) takes hours at national scale
    (hundreds of sites within reach of each of a million homes, and rule sets nearly
    unique per service because of their service areas). The same five rules are
    evaluated here with NumPy over arrays, one row per service; the tests check it
    against ``failures_for`` on every combination of rule and child profile, so a change
    of rules in ``directory`` that is not mirrored here fails them.
    """

    NO_CODE = 62  # a bit no mask has: a value no rule names, or an unknown one

    def __init__(self, *, parents: dict[UUID, UUID | None]) -> None:
        territories = sorted(parents, key=str)
        self.territory_index = {t: i for i, t in enumerate(territories)}
        # covers[a, t]: territory a is territory t or one of its ancestors, i.e. a service
        # area holding a admits a child living in t. The last column is "no territory".
        covers = np.zeros((len(territories), len(territories) + 1), dtype=bool)
        for t, i in self.territory_index.items():
            for ancestor in territory_lineage(t, parents):
                covers[self.territory_index[ancestor], i] = True
        areas = eligibility_service_areas()
        rows = list(
            Eligibility.objects.values_list(
                "service_id",
                "pk",
                "min_age",
                "max_age",
                "sexes",
                "risk_levels",
                "requires_judicial_order",
            )
        )
        self.sex_codes: dict[str, int] = {}
        self.risk_codes: dict[str, int] = {}
        self.row_of_service = {r[0]: i for i, r in enumerate(rows)}
        n = len(rows)
        self.has_age = np.zeros(n, dtype=bool)
        self.min_age = np.full(n, -1, dtype=np.int64)
        self.max_age = np.full(n, 1 << 30, dtype=np.int64)
        self.sex_mask = np.zeros(n, dtype=np.int64)
        self.risk_mask = np.zeros(n, dtype=np.int64)
        self.judicial = np.zeros(n, dtype=bool)
        self.area = np.full(n, -1, dtype=np.int64)
        area_rows: dict[frozenset[UUID], int] = {}
        area_ok: list[np.ndarray] = []
        for i, (_service, pk, low, high, sexes, risks, judicial) in enumerate(rows):
            self.has_age[i] = low is not None or high is not None
            if low is not None:
                self.min_age[i] = low
            if high is not None:
                self.max_age[i] = high
            self.sex_mask[i] = self._mask(sexes or [], self.sex_codes)
            self.risk_mask[i] = self._mask(risks or [], self.risk_codes)
            self.judicial[i] = judicial
            area = frozenset(areas.get(pk, set()))
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

    def children(self, needs: Sequence[NeedRow]) -> dict[str, np.ndarray]:
        """The profile of each case as arrays (age -1 when unknown)."""
        no_territory = len(self.territory_index)
        return {
            "age": np.array([-1 if n[5] is None else n[5] for n in needs], dtype=np.int64),
            "sex": np.array(
                [self.sex_codes.get(n[6], self.NO_CODE) for n in needs], dtype=np.int64
            ),
            "risk": np.array(
                [self.risk_codes.get(n[7], self.NO_CODE) for n in needs], dtype=np.int64
            ),
            "judicial": np.array([bool(n[8]) for n in needs], dtype=bool),
            "territory": np.array(
                [self.territory_index.get(n[1], no_territory) for n in needs],  # type: ignore[arg-type]
                dtype=np.int64,
            ),
        }

    def has_area(self, rules: np.ndarray) -> np.ndarray:
        has: np.ndarray = (rules >= 0) & (self.area[np.maximum(rules, 0)] >= 0)
        return has

    def area_admits(self, *, rules: np.ndarray, territory: np.ndarray) -> np.ndarray:
        """The service-area rule alone, for rows that have one."""
        ok: np.ndarray = self.area_ok[self.area[rules], territory]
        return ok

    def admits(
        self, *, rules: np.ndarray, child: dict[str, np.ndarray], ignore_area: bool = False
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
