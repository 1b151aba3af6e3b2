"""The capacity status of services at sites (the rule is in ``directory.capacity``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.capacity import CapacityFacts, CapacityStatus, capacity_facts_of
from directory.models import ServiceAtSite, ServiceStatus


@dataclass(frozen=True)
class CapacityState:
    status: str  # a CapacityStatus value, or "" when nobody knows
    median_wait_days: float | None
    derived: bool  # from Puente's slots and waitlists, not the provider's word
    free_slots: int | None

    @property
    def label(self) -> str:
        if not self.status:
            return _("Capacity unknown: ask the service.")
        return str(CapacityStatus(self.status).label)

    @property
    def wait_sentence(self) -> str:
        """“Median wait: N days.”, or empty when there is no figure."""
        if self.median_wait_days is None:
            return ""
        days = round(self.median_wait_days)
        return ngettext("Median wait: %(n)s day.", "Median wait: %(n)s days.", days) % {"n": days}

    @property
    def without_capacity(self) -> bool:
        """Should a referral be warned about: nobody can start soon."""
        return self.status in (CapacityStatus.NO_CAPACITY, CapacityStatus.WAITLIST)


def _state(row: ServiceAtSite, facts: CapacityFacts | None) -> CapacityState:
    declared = row.declared_capacity_status
    known = facts is not None and (row.capacity > 0 or facts.waiting > 0)
    if known:
        assert facts is not None
        wait = facts.median_wait_days if facts.waiting else None
        if declared == CapacityStatus.ASSESSMENT_REQUIRED:
            status = declared
        elif facts.free_slots > 0:
            status = CapacityStatus.HAS_CAPACITY
        elif facts.waiting > 0:
            status = CapacityStatus.WAITLIST
        else:
            status = CapacityStatus.NO_CAPACITY
        return CapacityState(
            status=status, median_wait_days=wait, derived=True, free_slots=facts.free_slots
        )
    wait = float(row.declared_wait_days) if row.declared_wait_days is not None else None
    return CapacityState(
        status=declared,
        median_wait_days=wait if declared else None,
        derived=False,
        free_slots=None,
    )


def service_at_site_capacity_states(
    *, service_at_sites: Iterable[ServiceAtSite]
) -> dict[UUID, CapacityState]:
    """The capacity state of each row, by its id: two queries whatever the count."""
    rows = list(service_at_sites)
    facts = capacity_facts_of(service_at_site_ids=[row.pk for row in rows])
    return {row.pk: _state(row, facts.get(row.pk)) for row in rows}


def service_at_site_capacity_state(*, service_at_site: ServiceAtSite) -> CapacityState:
    return service_at_site_capacity_states(service_at_sites=[service_at_site])[service_at_site.pk]


def service_at_site_ids_with_capacity_status(*, status: str) -> set[UUID]:
    """The active services at sites whose status is ``status`` now (the map's filter)."""
    rows = ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE).only(
        "id", "service_id", "capacity", "declared_capacity_status", "declared_wait_days"
    )
    states = service_at_site_capacity_states(service_at_sites=rows)
    return {pk for pk, state in states.items() if state.status == status}
