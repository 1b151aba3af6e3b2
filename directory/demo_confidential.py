"""The demo's confidential sites (issue 20): a protection residence and a shelter for
mothers and children fleeing violence, each at its own hidden place in a sector. The
public map shows them as an area; their address is fictional, as every demo address."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

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
    Site,
    TaxonomyTerm,
    Territory,
    TerritoryLevel,
)

CONFIDENTIAL_DEMO: list[dict[str, Any]] = [
    {
        "organization": "Fundación Hogar Los Aromos",
        "email": "contacto@hogarlosaromos.invalid",
        "site": "Residencia Los Aromos",
        "address": "Pasaje Los Aromos 1180",
        "service": "Residencia de protección para niños, niñas y adolescentes",
        "capacity": 12,
        "judicial": True,
    },
    {
        "organization": "Corporación Casa Refugio",
        "email": "acogida@casarefugio.invalid",
        "site": "Casa de acogida",
        "address": "Calle Interior 77",
        "service": "Casa de acogida para madres con hijos e hijas (violencia intrafamiliar)",
        "capacity": 8,
        "judicial": False,
    },
]


def demo_confidential_sites() -> list[Site]:
    """Create the two confidential sites, each with its service; the demo's comuna has
    its sectors by now. Returns the sites."""
    sectors = list(Territory.objects.filter(level=TerritoryLevel.SECTOR).order_by("code"))
    if not sectors:
        return []
    term = TaxonomyTerm.objects.get(code="protection")
    sites = []
    for i, spec in enumerate(CONFIDENTIAL_DEMO):
        sector = sectors[(i * 3 + 1) % len(sectors)]
        org = Organization.objects.create(
            name=spec["organization"],
            email=spec["email"],
            sector=OrganizationSector.NGO,
            is_public=False,
        )
        site = Site(
            organization=org,
            name=spec["site"],
            address_1=spec["address"],
            city=sector.parent.name if sector.parent else sector.name,
            point=sector.geometry.point_on_surface,
            confidential=True,
        )
        site.full_clean()
        site.save()
        service = Service.objects.create(
            organization=org,
            name=spec["service"],
            description="Lugar de residencia protegida: la dirección es confidencial.",
            kind=ServiceKind.SPECIALIZED,
            modality=Modality.INDIVIDUAL,
            access_routes=[AccessRoute.REFERRAL],
            email=spec["email"],
            application_process="Solo por derivación de la red o de tribunales de familia.",
            verified_on=date.today() - timedelta(days=30),
        )
        service.categories.add(term)
        Eligibility.objects.create(
            service=service,
            min_age=0,
            max_age=17,
            risk_levels=[RiskLevel.HIGH, RiskLevel.VERY_HIGH],
            requires_judicial_order=bool(spec["judicial"]),
        )
        ServiceAtSite.objects.create(
            service=service,
            site=site,
            capacity=int(str(spec["capacity"])),
            schedule_description="Atención 24 horas; visitas coordinadas con el equipo.",
        )
        sites.append(site)
    return sites
