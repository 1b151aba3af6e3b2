"""The unified priority: one explainable score, computed the same way for every case.

Pure and vectorised: a million cases are scored with numpy in one call, and a single
case is scored by the same code with arrays of length one, so the number a caseworker
reads is the number the nightly job wrote.

Order of dominance (the policy's ``clean`` guarantees it with its caps):
urgent-safety flag > risk band > within a band: overdue responses, time waiting,
young age, active alerts, vulnerability factors. Every component is non-decreasing
in its input and capped, so more waiting, more alerts or a higher band never lower
the score, and no in-band component can lift a case over the next band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from numpy.typing import NDArray

COMPONENTS = ("urgent", "risk", "overdue", "waiting", "young", "alerts", "vulnerability")


class PolicyParameters(Protocol):
    """What scoring reads from a policy (a ``PriorityPolicy`` row satisfies it)."""

    urgent_points: int
    band_points: int
    overdue_points_per_day: int
    overdue_cap: int
    waiting_points_per_week: int
    waiting_cap: int
    young_age_limit_years: int
    young_age_points_per_year: int
    alert_points_each: int
    alert_cap: int
    vulnerability_points_each: int
    vulnerability_cap: int


@dataclass(frozen=True)
class PriorityInputs:
    """One entry per case, aligned arrays."""

    urgent: NDArray[np.bool_]
    band: NDArray[np.int64]  # 0 low … 3 very high
    overdue_days: NDArray[np.float64]  # largest delay of an unanswered referral
    waiting_days: NDArray[np.float64]  # since the network was first asked
    age_years: NDArray[np.int64]
    active_alerts: NDArray[np.int64]
    vulnerability_count: NDArray[np.int64]

    @classmethod
    def single(
        cls,
        *,
        urgent: bool,
        band: int,
        overdue_days: float,
        waiting_days: float,
        age_years: int,
        active_alerts: int,
        vulnerability_count: int,
    ) -> PriorityInputs:
        return cls(
            urgent=np.array([urgent], dtype=bool),
            band=np.array([band], dtype=np.int64),
            overdue_days=np.array([overdue_days], dtype=np.float64),
            waiting_days=np.array([waiting_days], dtype=np.float64),
            age_years=np.array([age_years], dtype=np.int64),
            active_alerts=np.array([active_alerts], dtype=np.int64),
            vulnerability_count=np.array([vulnerability_count], dtype=np.int64),
        )


@dataclass(frozen=True)
class PriorityResult:
    score: NDArray[np.int64]
    points: dict[str, NDArray[np.int64]]  # component code → points per case
    details: dict[str, NDArray[np.int64]]  # component code → the figure its sentence names


def priority_compute(*, inputs: PriorityInputs, policy: PolicyParameters) -> PriorityResult:
    """Scores and their components. Integers only, so the result is exact and repeatable."""
    band = np.clip(inputs.band, 0, 3).astype(np.int64)
    # Whole days and weeks: a score that moved every second would reorder queues
    # between two page loads for no reason a person could see.
    overdue_days = np.floor(np.maximum(inputs.overdue_days, 0.0)).astype(np.int64)
    waiting_weeks = np.floor(np.maximum(inputs.waiting_days, 0.0) / 7.0).astype(np.int64)
    age = np.maximum(inputs.age_years, 0).astype(np.int64)
    alerts = np.maximum(inputs.active_alerts, 0).astype(np.int64)
    factors = np.maximum(inputs.vulnerability_count, 0).astype(np.int64)

    years_below = np.maximum(policy.young_age_limit_years - age, 0)
    points = {
        "urgent": np.where(inputs.urgent, policy.urgent_points, 0).astype(np.int64),
        "risk": band * policy.band_points,
        "overdue": np.minimum(overdue_days * policy.overdue_points_per_day, policy.overdue_cap),
        "waiting": np.minimum(waiting_weeks * policy.waiting_points_per_week, policy.waiting_cap),
        "young": years_below * policy.young_age_points_per_year,
        "alerts": np.minimum(alerts * policy.alert_points_each, policy.alert_cap),
        "vulnerability": np.minimum(
            factors * policy.vulnerability_points_each, policy.vulnerability_cap
        ),
    }
    details = {
        "urgent": inputs.urgent.astype(np.int64),
        "risk": band,
        "overdue": overdue_days,
        "waiting": waiting_weeks,
        "young": age,
        "alerts": alerts,
        "vulnerability": factors,
    }
    score = np.zeros(len(band), dtype=np.int64)
    for code in COMPONENTS:
        score += points[code]
    return PriorityResult(score=score, points=points, details=details)


def priority_sort_key(*, score: int, requested_at_ts: float, tiebreak: str) -> tuple:
    """The queue's order: higher score first, then who asked first, then a stable id."""
    return (-score, requested_at_ts, tiebreak)


@dataclass(frozen=True)
class PriorityComponent:
    code: str
    points: int
    sentence: str


def _risk_label(band: int) -> str:
    from cases.models import RISK_BANDS
    from directory.models import RiskLevel

    return str(RiskLevel(RISK_BANDS[band]).label).lower()


def priority_explain(*, components: Mapping[str, list[int]]) -> list[PriorityComponent]:
    """Sentences for stored components (code → [points, detail]), biggest first."""
    sentences = {
        "urgent": lambda d: _("Urgent safety concern: goes before every case without one."),
        "risk": lambda d: _("Risk level: %(level)s.") % {"level": _risk_label(d)},
        "overdue": lambda d: (
            ngettext(
                "A referral's answer is %(n)s day overdue.",
                "A referral's answer is %(n)s days overdue.",
                d,
            )
            % {"n": d}
        ),
        "waiting": lambda d: (
            ngettext("Waiting for %(n)s week.", "Waiting for %(n)s weeks.", d) % {"n": d}
        ),
        "young": lambda d: _("Aged %(age)s: younger children go first.") % {"age": d},
        "alerts": lambda d: ngettext("%(n)s active alert.", "%(n)s active alerts.", d) % {"n": d},
        "vulnerability": lambda d: (
            ngettext("%(n)s vulnerability factor.", "%(n)s vulnerability factors.", d) % {"n": d}
        ),
    }
    found = [
        PriorityComponent(code=code, points=int(value[0]), sentence=str(sentences[code](value[1])))
        for code in COMPONENTS
        if (value := components.get(code)) is not None and int(value[0]) > 0
    ]
    return sorted(found, key=lambda c: -c.points)


def priority_components_row(*, result: PriorityResult, index: int) -> dict[str, list[int]]:
    return {
        code: [int(result.points[code][index]), int(result.details[code][index])]
        for code in COMPONENTS
    }
