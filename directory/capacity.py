"""Capacity as the referral standards describe it, beyond a count of free slots.

A service at a site has one of four statuses: it has capacity, it has none, it has none
but keeps a waitlist (with the current median wait), or it asks for an assessment first.

``directory`` holds slots but not who fills them: ``waitlists`` (four layers above)
knows the enrolments, the offers holding slots and the queues. It registers a facts
provider here in its ``AppConfig.ready()``:

    capacity_facts_provider_register(provider=service_at_site_capacity_facts)

Where those facts exist (the site records slots, or the service has a queue) the status
is derived from them; otherwise the provider's declared status is used. "Assessment
required first" is about access, not counts, so a declared one always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.db import models
from django.utils.translation import gettext_lazy as _


class CapacityStatus(models.TextChoices):
    HAS_CAPACITY = "has_capacity", _("Has capacity")
    NO_CAPACITY = "no_capacity", _("No capacity")
    WAITLIST = "waitlist", _("No capacity, waitlist open")
    ASSESSMENT_REQUIRED = "assessment_required", _("Assessment required first")


@dataclass(frozen=True)
class CapacityFacts:
    """What Puente knows of one service at a site from its own records."""

    free_slots: int
    waiting: int  # children on the service's live queue
    median_wait_days: float | None  # of those waiting now


CapacityFactsProvider = Callable[..., dict[UUID, CapacityFacts]]

_facts_provider: list[CapacityFactsProvider] = []


def capacity_facts_provider_register(*, provider: CapacityFactsProvider) -> None:
    # One provider: ready() running twice registers the same function again.
    _facts_provider[:] = [provider]


def capacity_facts_of(*, service_at_site_ids: list[UUID]) -> dict[UUID, CapacityFacts]:
    """Facts per id from the registered provider; empty when none is registered."""
    if not _facts_provider or not service_at_site_ids:
        return {}
    return _facts_provider[0](service_at_site_ids=service_at_site_ids)
