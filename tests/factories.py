"""Factories for every app, in one place. Names are invented; no real people."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from accounts.models import Membership, Role, User
from cases.models import Case
from directory.models import (
    AccessRoute,
    Eligibility,
    Modality,
    Organization,
    OrganizationSector,
    RiskLevel,
    Service,
    ServiceAtSite,
    ServiceKind,
    Sex,
    Site,
    Territory,
    TerritoryLevel,
)


def box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326), srid=4326
    )


class TerritoryFactory(factory.django.DjangoModelFactory[Territory]):
    class Meta:
        model = Territory

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"Territorio {n}")
    level = TerritoryLevel.MUNICIPALITY
    geometry = factory.LazyFunction(lambda: box(-70.7, -33.5, -70.5, -33.4))
    children_0_5 = 100
    children_6_11 = 200
    children_12_17 = 300


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Institución {n}")
    sector = OrganizationSector.NGO


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Prestación {n}")
    kind = ServiceKind.SPECIALIZED
    modality = Modality.INDIVIDUAL
    access_routes = factory.LazyFunction(lambda: [AccessRoute.REFERRAL])

    @factory.post_generation
    def eligibility(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            Eligibility.objects.create(service=self, **kwargs)


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Sede {n}")
    address_1 = "Calle Ficticia 123"
    city = "Río Claro"
    point = factory.LazyFunction(lambda: Point(-70.6, -33.45, srid=4326))
    territory = factory.SubFactory(TerritoryFactory)


class ServiceAtSiteFactory(factory.django.DjangoModelFactory[ServiceAtSite]):
    class Meta:
        model = ServiceAtSite

    service = factory.SubFactory(ServiceFactory)
    site = factory.SubFactory(
        SiteFactory, organization=factory.SelfAttribute("..service.organization")
    )
    capacity = 10


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"usuario{n}")
    password = factory.PostGenerationMethodCall("set_password", "clave-de-prueba")

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


def user_with_role(role: Role, organization: Organization | None = None, **kwargs: Any) -> User:
    """A user with one membership; staff flag follows the role like in production."""
    from accounts.services import membership_grant

    user = UserFactory(**kwargs)
    membership_grant(user=user, organization=organization or OrganizationFactory(), role=role)
    user.refresh_from_db()
    return user


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A fictional case; the territory is given, not derived (no clean() in factories)."""

    class Meta:
        model = Case

    organization = factory.SubFactory(OrganizationFactory)
    birth_date = factory.LazyFunction(lambda: date.today() - timedelta(days=int(8.5 * 365)))
    sex = Sex.FEMALE
    home = factory.LazyFunction(lambda: Point(-70.6, -33.45, srid=4326))
    territory = factory.SubFactory(TerritoryFactory)
    risk_level = RiskLevel.MODERATE
    access_route = AccessRoute.REFERRAL
    # Most tests are about a case already in the network; pending is asked for by name.
    admissibility = "admitted"


def signed_in(user: User) -> Any:
    """A page client signed in as ``user`` (the sign-in form is the browser tests')."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def api_client_for(user: User) -> Any:
    """An API client authenticated as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def case_of(caseworker: User, **kwargs: Any) -> Case:
    """A case owned by the caseworker's team, scored like one created in the app."""
    from matching.services import case_priority_refresh

    membership = caseworker.memberships.get(role=Role.CASEWORKER)
    case = CaseFactory(organization=membership.organization, caseworker=caseworker, **kwargs)
    return case_priority_refresh(case=case)


def gap_cell(snapshot: Any, territory: Territory, term: Any, **figures: Any) -> Any:
    """One cell of a gap inventory snapshot: every figure zero or unknown unless given."""
    from gaps.models import GapCell

    values: dict[str, Any] = {
        "children": 0,
        "active_needs": 0,
        "slots": 0,
        "accessibility": 0.0,
        "zero_access_share": 0.0,
        "shortfall_slots": 0.0,
        "unmet_cases": 0,
        "waiting": 0,
        "waitlist_pressure": None,
        "median_wait_days": None,
        "rejected_no_capacity": 0,
        **figures,
    }
    return GapCell.objects.create(snapshot=snapshot, territory=territory, category=term, **values)


def referral_world() -> dict[str, Any]:
    """One case with a need and consent to refer, a service that may take the child at a
    provider with a user, and one it may not (from 14 years): the browser journeys' start."""
    from cases.models import ConsentScope
    from cases.services import case_need_add, consent_record
    from directory.models import TaxonomyTerm

    TerritoryFactory()
    provider_org = OrganizationFactory(name="Fundación Proveedora")
    caseworker = user_with_role(Role.CASEWORKER, username="gestora")
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestadora")
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    case = case_of(caseworker, risk_level=RiskLevel.HIGH)
    need = case_need_add(actor=caseworker, case=case, term=term)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    eligible = ServiceAtSiteFactory(
        service__organization=provider_org,
        service__name="Apoyo Psicológico Infantil",
        site__point=Point(-70.59, -33.445, srid=4326),
    )
    eligible.service.categories.add(term)
    excluded = ServiceAtSiteFactory(
        service__name="Taller para Adolescentes",
        service__eligibility__min_age=14,
        site__point=Point(-70.612, -33.456, srid=4326),
    )
    excluded.service.categories.add(term)
    return {
        "caseworker": caseworker,
        "provider": provider,
        "case": case,
        "need": need,
        "eligible": eligible,
        "excluded": excluded,
    }


def comuna_with_two_sectors() -> dict[str, Any]:
    """A comuna split down the middle at longitude -70.6: "west" and "east" sectors."""
    comuna = TerritoryFactory(code="C", geometry=box(-70.7, -33.5, -70.5, -33.4))
    west = TerritoryFactory(
        code="SW",
        name="Sector Poniente",
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(-70.7, -33.5, -70.6, -33.4),
    )
    east = TerritoryFactory(
        code="SE",
        name="Sector Oriente",
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(-70.6, -33.5, -70.5, -33.4),
    )
    return {"comuna": comuna, "west": west, "east": east}


__all__ = [
    "CaseFactory",
    "Membership",
    "OrganizationFactory",
    "ServiceAtSiteFactory",
    "ServiceFactory",
    "SiteFactory",
    "TerritoryFactory",
    "UserFactory",
    "box",
    "case_of",
    "comuna_with_two_sectors",
    "gap_cell",
    "referral_world",
    "user_with_role",
]
