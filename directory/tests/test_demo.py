from __future__ import annotations

import pytest

from accounts.models import Membership, Role, User
from directory.demo import demo_municipality_generate
from directory.demo_confidential import CONFIDENTIAL_DEMO
from directory.models import (
    Modality,
    Organization,
    Service,
    ServiceAtSite,
    ServiceKind,
    Site,
    TaxonomyTerm,
    Territory,
    TerritoryLevel,
)
from directory.selectors import territory_for_point

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return sorted(
        (
            s.service.name,
            s.site.name,
            round(s.site.point.x, 9),
            round(s.site.point.y, 9),
            s.capacity,
        )
        for s in ServiceAtSite.objects.select_related("service", "site")
    )


def wipe() -> None:
    Membership.objects.all().delete()
    User.objects.all().delete()
    ServiceAtSite.objects.all().delete()
    Service.objects.all().delete()
    Site.objects.all().delete()
    Organization.objects.all().delete()
    Territory.objects.filter(level=TerritoryLevel.SECTOR).delete()
    Territory.objects.filter(level=TerritoryLevel.MUNICIPALITY).delete()
    Territory.objects.all().delete()


def test_the_demo_has_the_promised_size():
    summary = demo_municipality_generate(seed=1)
    # With the residence and the shelter at their confidential sites, each its own.
    assert summary.services == Service.objects.count() == 120 + len(CONFIDENTIAL_DEMO)
    assert Organization.objects.count() == 30 + len(CONFIDENTIAL_DEMO)
    assert Site.objects.filter(confidential=True).count() == len(CONFIDENTIAL_DEMO)
    assert Territory.objects.filter(level=TerritoryLevel.SECTOR).count() == 10
    assert all(t.child_population > 0 for t in Territory.objects.all())


def test_the_same_seed_gives_the_same_municipality():
    demo_municipality_generate(seed=7, services=40, with_users=False)
    first = snapshot()
    wipe()
    demo_municipality_generate(seed=7, services=40, with_users=False)
    assert snapshot() == first
    wipe()
    demo_municipality_generate(seed=8, services=40, with_users=False)
    assert snapshot() != first


def test_every_demo_site_lies_in_the_territory_it_was_given():
    demo_municipality_generate(seed=3, services=60, with_users=False)
    for site in Site.objects.select_related("territory"):
        assert territory_for_point(point=site.point) == site.territory


def test_the_demo_covers_every_category_kind_and_modality():
    demo_municipality_generate(seed=2026)
    used = set(TaxonomyTerm.objects.filter(services__isnull=False).values_list("code", flat=True))
    leaves = set(TaxonomyTerm.objects.filter(children__isnull=True).values_list("code", flat=True))
    assert leaves <= used
    assert set(Service.objects.values_list("kind", flat=True)) == set(ServiceKind.values)
    assert set(Service.objects.values_list("modality", flat=True)) == set(Modality.values)


def test_the_demo_creates_users_named_after_their_role_with_two_caseworker_teams():
    demo_municipality_generate(seed=1, services=30)
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert set(roles.values()) == set(Role.values)
    assert set(roles) == {
        "coordinador",
        "gestora",
        "gestor",
        "supervisora",
        "autoridad",
        "prestador",
        "planificador",
        "administrador",
    }
    # Two case teams, and the justice-sector organization whose caseworker is the
    # authority on some of the first team's cases; the supervisor is the first team's.
    teams = Membership.objects.filter(role=Role.CASEWORKER).values_list("organization", flat=True)
    assert len(set(teams)) == 3
    first = Membership.objects.get(user__username="gestora").organization_id
    assert Membership.objects.get(user__username="supervisora").organization_id == first
    assert all(not u.first_name and not u.last_name for u in User.objects.all())


def test_the_demo_scales_territories_as_asked():
    demo_municipality_generate(seed=1, services=50, territories=52, with_users=False)
    assert Territory.objects.count() == 52


def test_the_demo_spreads_exactly_the_sites_asked_for():
    demo_municipality_generate(seed=1, services=40, organizations=10, sites=35, with_users=False)
    assert Site.objects.count() == 35 + len(CONFIDENTIAL_DEMO)
    assert Organization.objects.filter(sites__isnull=True).count() == 0


def test_the_demo_restores_the_categories_after_a_flush():
    TaxonomyTerm.objects.filter(parent__isnull=False).delete()
    TaxonomyTerm.objects.all().delete()
    demo_municipality_generate(seed=1, services=20, with_users=False)
    assert TaxonomyTerm.objects.filter(code="specialized.legal_aid").exists()
