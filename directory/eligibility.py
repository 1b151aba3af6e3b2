"""Who a service is for, worded and evaluated in one place.

The rules are those of ``directory.models.Eligibility``: an age range (bounds
inclusive), the sexes and risk levels accepted, a service area (the child's home
territory or one of its ancestors must be in it) and whether a judicial order is
needed. A rule left empty admits everyone, and so does a service without rules.

* :func:`eligibility_failures` checks one child against one service's rules, with a
  sentence per rule failed; ``Eligibility.failures_for`` is this function.
* :func:`eligibility_sentences` says what the rules are, one short sentence per rule:
  the map card shows them, the HSDS export joins them, the options list the age one.
* The same rules for many children at once: ``directory.selectors.eligibility_check_many``
  (a fixed number of queries) and ``directory.eligibility_arrays`` (NumPy, for the gap
  inventory's million pairs).

This module imports no model, so the model can delegate to it without a circle: it
takes the rules as any object with the fields of ``Eligibility``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Sex(models.TextChoices):
    FEMALE = "female", gettext_lazy("Female")
    MALE = "male", gettext_lazy("Male")
    OTHER = "other", gettext_lazy("Other / non-binary")


class RiskLevel(models.TextChoices):
    LOW = "low", gettext_lazy("Low")
    MODERATE = "moderate", gettext_lazy("Moderate")
    HIGH = "high", gettext_lazy("High")
    VERY_HIGH = "very_high", gettext_lazy("Very high")


@dataclass(frozen=True)
class EligibilityCandidate:
    """What eligibility needs to know about a child; ``matching`` builds it from a case."""

    age_years: int | None = None
    sex: str | None = None
    risk_level: str | None = None
    territory_ids: frozenset[uuid.UUID] = frozenset()  # home territory and its ancestors
    has_judicial_order: bool = False


@dataclass(frozen=True)
class EligibilityFailure:
    rule: str
    reason: str


class EligibilityRules(Protocol):
    """The fields of ``Eligibility`` the rules read (read-only, so a model instance fits)."""

    @property
    def min_age(self) -> int | None: ...

    @property
    def max_age(self) -> int | None: ...

    @property
    def sexes(self) -> Sequence[str]: ...

    @property
    def risk_levels(self) -> Sequence[str]: ...

    @property
    def requires_judicial_order(self) -> bool: ...

    @property
    def notes(self) -> str: ...

    @property
    def service_area(self) -> Any: ...  # the many-to-many manager, read only when needed


def eligibility_failures(
    *,
    eligibility: EligibilityRules,
    candidate: EligibilityCandidate,
    service_area_ids: Collection[uuid.UUID] | None = None,
) -> list[EligibilityFailure]:
    """Every rule the candidate fails, each with a sentence a caseworker can read.

    ``service_area_ids`` may be passed when already fetched, to spare a query per row;
    without it the rules' own service area is read.
    """
    failures: list[EligibilityFailure] = []
    age = candidate.age_years
    low, high = eligibility.min_age, eligibility.max_age
    if low is not None or high is not None:
        if age is None:
            failures.append(EligibilityFailure("age", _("The child's age is unknown.")))
        elif low is not None and age < low:
            failures.append(
                EligibilityFailure(
                    "age",
                    _("Age %(age)s is below the minimum of %(min)s years.")
                    % {"age": age, "min": low},
                )
            )
        elif high is not None and age > high:
            failures.append(
                EligibilityFailure(
                    "age",
                    _("Age %(age)s is above the maximum of %(max)s years.")
                    % {"age": age, "max": high},
                )
            )
    if eligibility.sexes and candidate.sex not in eligibility.sexes:
        failures.append(
            EligibilityFailure(
                "sex",
                _("The service is only for: %(sexes)s.")
                % {"sexes": ", ".join(str(Sex(s).label) for s in eligibility.sexes)},
            )
        )
    if eligibility.risk_levels and candidate.risk_level not in eligibility.risk_levels:
        failures.append(
            EligibilityFailure(
                "risk_level",
                _("The service accepts risk levels: %(levels)s.")
                % {"levels": ", ".join(str(RiskLevel(r).label) for r in eligibility.risk_levels)},
            )
        )
    if service_area_ids is None:
        service_area_ids = set(eligibility.service_area.values_list("id", flat=True))
    if service_area_ids and candidate.territory_ids.isdisjoint(service_area_ids):
        failures.append(
            EligibilityFailure("territory", _("The child lives outside the territories served."))
        )
    if eligibility.requires_judicial_order and not candidate.has_judicial_order:
        failures.append(
            EligibilityFailure("judicial_order", _("The service requires a judicial order."))
        )
    return failures


def eligibility_age_sentence(*, eligibility: EligibilityRules | None) -> str | None:
    """The age rule in words (``None`` when there is none)."""
    if eligibility is None:
        return None
    low, high = eligibility.min_age, eligibility.max_age
    if low is not None and high is not None:
        return _("For ages %(low)s to %(high)s.") % {"low": low, "high": high}
    if low is not None:
        return _("From %(low)s years old.") % {"low": low}
    if high is not None:
        return _("Up to %(high)s years old.") % {"high": high}
    return None


def eligibility_sentences(
    *, eligibility: EligibilityRules | None, area_names: Sequence[str]
) -> list[str]:
    """One short sentence per rule, then the notes; without either, open to every child.

    ``area_names`` are the names of the territories served, in the order to show them.
    """
    if eligibility is None:
        return [_("Open to every child and adolescent.")]
    sentences: list[str] = []
    age = eligibility_age_sentence(eligibility=eligibility)
    if age:
        sentences.append(age)
    if eligibility.sexes:
        sentences.append(
            _("Only for: %(sexes)s.")
            % {"sexes": ", ".join(str(Sex(s).label).lower() for s in eligibility.sexes)}
        )
    if eligibility.risk_levels:
        sentences.append(
            _("For risk levels: %(levels)s.")
            % {
                "levels": ", ".join(
                    str(RiskLevel(r).label).lower() for r in eligibility.risk_levels
                )
            }
        )
    if area_names:
        sentences.append(
            _("Only for children living in: %(places)s.") % {"places": ", ".join(area_names)}
        )
    if eligibility.requires_judicial_order:
        sentences.append(_("Only with an order from a family court."))
    if eligibility.notes:
        # The notes may restrict (e.g. "students of the school only"): with notes and no
        # structured rule, "open to every child" would contradict them.
        sentences.append(eligibility.notes)
    return sentences or [_("Open to every child and adolescent.")]
