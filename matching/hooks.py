"""The hooks matching declares for the apps above it.

``matching`` sits below ``waitlists`` and never imports it, yet the options it ranks
show how many places each site has free, and only ``waitlists`` knows how many are
taken (active enrolments, slots held by pending offers). ``waitlists`` registers that
count here in its ``AppConfig.ready()``:

    free_slots_provider_register(provider=service_at_site_free_slots)

A provider takes service-at-site ids and returns free slots per id. With none
registered (``waitlists`` not installed), a site's free slots are its capacity.

A referral answered through its link (no account) is placed the way the provider's
Place button does it: ``waitlists`` registers its ``referral_place`` here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

FreeSlotsProvider = Callable[..., dict[UUID, int]]

_free_slots_provider: list[FreeSlotsProvider] = []


def free_slots_provider_register(*, provider: FreeSlotsProvider) -> None:
    # One provider: ready() running twice registers the same function again.
    _free_slots_provider[:] = [provider]


def free_slots_provider() -> FreeSlotsProvider | None:
    return _free_slots_provider[0] if _free_slots_provider else None


def free_slots_of(*, service_at_site_ids: Iterable[UUID]) -> dict[UUID, int] | None:
    """Free slots per id from the registered provider, or ``None`` when there is none."""
    provider = free_slots_provider()
    return provider(service_at_site_ids=list(service_at_site_ids)) if provider else None


ReferralPlacer = Callable[..., object]

_referral_placer: list[ReferralPlacer] = []


def referral_placer_register(*, placer: ReferralPlacer) -> None:
    _referral_placer[:] = [placer]


def referral_placer() -> ReferralPlacer | None:
    return _referral_placer[0] if _referral_placer else None


# A referral that ends while its child waits on a list or sits in a slot (the case team
# withdraws it, the provider closes it from the referral page) must free them too, and
# only ``waitlists`` knows them: it registers its releaser here. ``referral_transition``
# calls it first, before it locks the referral, so that the locks are taken in the order
# the slots take them (site, entry or enrolment, referral) and never cross.
PlacesReleaser = Callable[..., object]

_places_releaser: list[PlacesReleaser] = []


def referral_places_releaser_register(*, releaser: PlacesReleaser) -> None:
    _places_releaser[:] = [releaser]


def referral_places_release(*, referral_id: UUID, to_status: str, actor: object) -> None:
    if _places_releaser:
        _places_releaser[0](referral_id=referral_id, to_status=to_status, actor=actor)


# The task list (``/tareas/``) shows sections the apps above add: ``network`` adds the
# agreements of case-review meetings its user's organizations own. A provider takes
# ``user`` and ``today`` and returns a dict with ``id``, ``title``, ``empty``, ``count``
# and ``rows`` (each row: ``link``, ``code``, ``text``, ``due_on``, ``overdue``).
TaskSection = Callable[..., dict[str, Any]]

_task_sections: dict[str, TaskSection] = {}


def task_section_register(*, provider: TaskSection) -> None:
    _task_sections[f"{provider.__module__}.{provider.__qualname__}"] = provider


def task_sections(**kwargs: object) -> list[dict[str, Any]]:
    return [provider(**kwargs) for provider in _task_sections.values()]
