from __future__ import annotations

import pytest

from matching import hooks
from matching.options import free_slots_for
from tests.factories import ServiceAtSiteFactory

pytestmark = pytest.mark.django_db


def test_free_slots_come_from_the_registered_provider(monkeypatch):
    site = ServiceAtSiteFactory(capacity=4)
    monkeypatch.setattr(hooks, "_free_slots_provider", [])
    hooks.free_slots_provider_register(provider=lambda *, service_at_site_ids: {site.pk: 1})
    assert free_slots_for(service_at_sites=[site]) == {site.pk: 1}


def test_without_a_provider_a_site_has_its_capacity_free(monkeypatch):
    site = ServiceAtSiteFactory(capacity=3)
    monkeypatch.setattr(hooks, "_free_slots_provider", [])
    assert free_slots_for(service_at_sites=[site]) == {site.pk: 3}
