"""Factories for every app, in one place. Names are invented; no real people."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from accounts.models import Membership, Role, User
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
from matching.models import Case


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


def case_of(caseworker: User, **kwargs: Any) -> Case:
    """A case owned by the caseworker's team, scored like one created in the app."""
    from matching.services import case_priority_refresh

    membership = caseworker.memberships.get(role=Role.CASEWORKER)
    case = CaseFactory(organization=membership.organization, caseworker=caseworker, **kwargs)
    return case_priority_refresh(case=case)


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
    "user_with_role",
]
