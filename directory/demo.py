"""A fictional but plausible municipality for demos, tests and benchmarks.

Deterministic for a given seed. Names of places and institutions are invented;
no person's name appears anywhere (demo users are named after their role).
Bulk inserts keep ``--services 100000 --territories 300`` within minutes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create
from directory.category_codes import service_category_codes_refresh
from directory.demo_confidential import demo_confidential_sites
from directory.demo_verification import demo_listing_verification
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
    ServiceStatus,
    Site,
    TaxonomyTerm,
    Territory,
    TerritoryLevel,
)
from directory.services import (
    search_table_cluster,
    search_words_refresh,
    taxonomy_ensure_seeded,
)

DEMO_PASSWORD = "puente-demo"  # noqa: S105 - printed on purpose for the demo logins
COMUNA_NAME = "Río Claro"
# A fictional comuna placed over an urban area of central Chile (lon, lat, WGS 84).
CENTER = (-70.60, -33.45)
SPAN = (0.14, 0.11)  # degrees: about 13 km by 12 km

PLACES = [
    "Los Aromos",
    "El Roble",
    "Las Acacias",
    "San Ignacio",
    "Villa Esperanza",
    "Los Quillayes",
    "El Bosque Alto",
    "La Palmilla",
    "Las Torcazas",
    "Santa Inés",
    "Los Copihues",
    "El Mirador",
    "Las Lomas",
    "Villa Los Andes",
    "El Peumo",
    "Las Parcelas",
    "Población Nueva Aurora",
    "Los Maitenes",
    "La Quebrada",
    "El Esfuerzo",
    "Los Canelos",
    "Villa Primavera",
    "El Boldo",
    "La Estrella",
    "Los Naranjos",
    "Cerro Verde",
    "Las Vertientes",
    "El Sauce",
]
STREETS = [
    "Av. Los Libertadores",
    "Calle Las Camelias",
    "Pasaje El Olivo",
    "Av. Central",
    "Calle Los Aromos",
    "Av. La Cordillera",
    "Calle San Martín",
    "Pasaje Las Dalias",
    "Calle El Molino",
    "Av. Río Claro",
    "Calle Los Jazmines",
    "Calle La Estación",
]
ORG_TEMPLATES: dict[str, list[str]] = {
    OrganizationSector.HEALTH: ["CESFAM {place}", "COSAM {place}", "CECOSF {place}"],
    OrganizationSector.EDUCATION: [
        "Escuela Básica {place}",
        "Liceo {place}",
        "Jardín Infantil {place}",
    ],
    OrganizationSector.SOCIAL_PROTECTION: [
        "Oficina Local de la Niñez {comuna}",
        "Programa de Prevención Focalizada {place}",
        "Programa de Reparación {place}",
    ],
    OrganizationSector.JUSTICE: [
        "Juzgado de Familia de {comuna}",
        "Centro de Mediación {place}",
        "Clínica Jurídica {place}",
    ],
    OrganizationSector.MUNICIPAL: [
        "Dirección de Desarrollo Comunitario {comuna}",
        "Oficina de la Vivienda {comuna}",
        "Oficina de Fomento Productivo {comuna}",
    ],
    OrganizationSector.NGO: [
        "Fundación Semillas {place}",
        "ONG Crecer Juntos {place}",
        "Corporación Puertas Abiertas",
    ],
    OrganizationSector.COMMUNITY: [
        "Junta de Vecinos {place}",
        "Centro Comunitario {place}",
        "Club Deportivo {place}",
    ],
}
# The short name each template goes by (the organization's HSDS alternate name), in the
# same order: what the referral network's graph labels a node with.
ORG_SHORT_TEMPLATES: dict[str, list[str]] = {
    OrganizationSector.HEALTH: ["CESFAM {place}", "COSAM {place}", "CECOSF {place}"],
    OrganizationSector.EDUCATION: ["Esc. {place}", "Liceo {place}", "Jardín {place}"],
    OrganizationSector.SOCIAL_PROTECTION: ["OLN {comuna}", "PPF {place}", "PRM {place}"],
    OrganizationSector.JUSTICE: ["Juzgado de Familia", "Mediación {place}", "C. Jurídica {place}"],
    OrganizationSector.MUNICIPAL: ["DIDECO", "Of. Vivienda", "Fomento Productivo"],
    OrganizationSector.NGO: ["Semillas {place}", "Crecer Juntos {place}", "Puertas Abiertas"],
    OrganizationSector.COMMUNITY: ["JJVV {place}", "C. Comunitario {place}", "Club {place}"],
}
# Words a short name leaves out of a long place name ("Población Nueva Aurora": "Nueva Aurora").
SHORT_PLACE_DROPS = ("Población ", "Villa ")
SECTOR_WEIGHTS = {
    OrganizationSector.HEALTH: 5,
    OrganizationSector.EDUCATION: 7,
    OrganizationSector.SOCIAL_PROTECTION: 5,
    OrganizationSector.JUSTICE: 2,
    OrganizationSector.MUNICIPAL: 3,
    OrganizationSector.NGO: 5,
    OrganizationSector.COMMUNITY: 3,
}
# Which categories each sector tends to offer.
SECTOR_CATEGORIES: dict[str, list[str]] = {
    OrganizationSector.HEALTH: [
        "social.health",
        "specialized.psychological_care",
        "specialized.positive_parenting",
    ],
    OrganizationSector.EDUCATION: [
        "social.education",
        "social.food",
        "specialized.parenting_school",
    ],
    OrganizationSector.SOCIAL_PROTECTION: [
        "specialized.family_strengthening",
        "specialized.psychological_care",
        "protection",
        "specialized.family_guidance",
    ],
    OrganizationSector.JUSTICE: [
        "specialized.legal_aid",
        "protection",
        "specialized.family_guidance",
    ],
    OrganizationSector.MUNICIPAL: [
        "social.food",
        "specialized.entrepreneurship",
        "specialized.family_guidance",
        "social.education",
    ],
    OrganizationSector.NGO: [
        "specialized.positive_parenting",
        "specialized.parenting_school",
        "specialized.family_strengthening",
        "specialized.entrepreneurship",
    ],
    OrganizationSector.COMMUNITY: [
        "social.food",
        "specialized.parenting_school",
        "social.education",
    ],
}
SERVICE_NAMES: dict[str, list[str]] = {
    "social.education": ["Reforzamiento escolar", "Reinserción educativa", "Sala cuna y jardín"],
    "social.health": [
        "Control de salud infantil",
        "Salud mental infanto-juvenil",
        "Programa Chile Crece Contigo",
    ],
    "social.food": ["Alimentación escolar", "Canasta familiar de emergencia", "Comedor solidario"],
    "specialized.psychological_care": [
        "Atención psicológica infanto-juvenil",
        "Psicoterapia de reparación",
        "Terapia familiar",
    ],
    "specialized.parenting_school": ["Escuela para padres", "Taller de crianza respetuosa"],
    "specialized.family_strengthening": ["Fortalecimiento familiar", "Acompañamiento familiar"],
    "specialized.family_guidance": ["Orientación familiar", "Consejería a familias"],
    "specialized.positive_parenting": ["Parentalidad positiva", "Taller Nadie es Perfecto"],
    "specialized.entrepreneurship": [
        "Apoyo al emprendimiento familiar",
        "Capacitación en oficios para cuidadores",
    ],
    "specialized.legal_aid": ["Asesoría legal en familia", "Representación jurídica de NNA"],
    "protection": ["Programa de intervención breve", "Protección especializada ambulatoria"],
}
AGE_RANGES: dict[str, tuple[int, int]] = {
    "social.education": (4, 17),
    "social.health": (0, 17),
    "social.food": (0, 17),
    "specialized.psychological_care": (5, 17),
    "specialized.parenting_school": (0, 17),
    "specialized.family_strengthening": (0, 17),
    "specialized.family_guidance": (0, 17),
    "specialized.positive_parenting": (0, 11),
    "specialized.entrepreneurship": (0, 17),
    "specialized.legal_aid": (0, 17),
    "protection": (0, 17),
}
DEMO_USERS = [
    ("coordinador", Role.COORDINATOR, OrganizationSector.MUNICIPAL),
    ("gestora", Role.CASEWORKER, OrganizationSector.SOCIAL_PROTECTION),
    # A second team with its own caseworker, so that scoping shows in the demo: neither
    # caseworker sees the other team's cases.
    ("gestor", Role.CASEWORKER, OrganizationSector.SOCIAL_PROTECTION),
    # The first team's supervisor (approves its transfers out) and a member of the
    # justice sector's first organization (the family court where the map has one), the
    # authority on some of the first team's case teams: it verifies their closure.
    ("supervisora", Role.SUPERVISOR, OrganizationSector.SOCIAL_PROTECTION),
    ("autoridad", Role.CASEWORKER, OrganizationSector.JUSTICE),
    ("prestador", Role.PROVIDER, OrganizationSector.NGO),
    ("planificador", Role.PLANNER, OrganizationSector.MUNICIPAL),
    ("administrador", Role.ADMINISTRATOR, OrganizationSector.MUNICIPAL),
]
BATCH = 2000
T = TypeVar("T")


@dataclass
class DemoSummary:
    territories: int = 0
    organizations: int = 0
    sites: int = 0
    services: int = 0
    slots: int = 0
    users: list[str] = field(default_factory=list)


Progress = Callable[[str, int], None]


def _noop_progress(label: str, amount: int) -> None:
    return None


def _box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326), srid=4326
    )


def _grid_cells(n: int, bbox: tuple[float, float, float, float]) -> Iterator[tuple[float, ...]]:
    """Split the bbox into exactly ``n`` rectangles that tile it with no gap."""
    x0, y0, x1, y1 = bbox
    rows = max(1, int(math.sqrt(n)))
    base, extra = divmod(n, rows)
    height = (y1 - y0) / rows
    for r in range(rows):
        cols = base + (1 if r < extra else 0)
        width = (x1 - x0) / cols
        for c in range(cols):
            yield (x0 + c * width, y0 + r * height, x0 + (c + 1) * width, y0 + (r + 1) * height)


def _chunks(items: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique(name: str, seen: dict[str, int]) -> str:
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name} {seen[name]}"


def _short_name(*, sector: str, template: str, place: str, suffix: str) -> str:
    short = ORG_SHORT_TEMPLATES[sector][ORG_TEMPLATES[sector].index(template)]
    for drop in SHORT_PLACE_DROPS:
        place = place.removeprefix(drop)
    return short.format(place=place, comuna=COMUNA_NAME) + suffix


def demo_is_loaded() -> bool:
    return Territory.objects.exists() or Service.objects.exists()


@transaction.atomic
def demo_municipality_generate(
    *,
    seed: int = 2026,
    services: int = 120,
    territories: int = 12,
    organizations: int | None = None,
    sites: int | None = None,
    with_users: bool = True,
    progress: Progress = _noop_progress,
) -> DemoSummary:
    """Create the demo municipality; refuse to mix with existing map data."""
    if territories < 3:
        raise ValueError("territories must be at least 3 (region, comuna and one sector)")
    if services < 1:
        raise ValueError("services must be at least 1")
    if demo_is_loaded():
        raise ValueError("the database already holds a service map; use an empty database")
    taxonomy_ensure_seeded()
    rng = random.Random(seed)
    summary = DemoSummary()
    n_orgs = organizations or max(30, services // 4)
    if sites is not None and sites < n_orgs:
        raise ValueError(f"sites must be at least the number of organizations ({n_orgs})")

    # Territories: region ⊃ comuna ⊃ sectors tiling the comuna.
    cx, cy = CENTER
    sx, sy = SPAN
    comuna_bbox = (cx - sx / 2, cy - sy / 2, cx + sx / 2, cy + sy / 2)
    region = Territory(
        code="R13-DEMO",
        name="Región Demo",
        level=TerritoryLevel.REGION,
        geometry=_box(cx - sx, cy - sy, cx + sx, cy + sy),
    )
    comuna = Territory(
        code="C-RIOCLARO",
        name=COMUNA_NAME,
        level=TerritoryLevel.MUNICIPALITY,
        parent=region,
        geometry=_box(*comuna_bbox),
    )
    sectors: list[Territory] = []
    names_seen: dict[str, int] = {}
    for i, cell in enumerate(_grid_cells(territories - 2, comuna_bbox)):
        base_name = PLACES[i % len(PLACES)]
        sectors.append(
            Territory(
                code=f"S{i + 1:04d}",
                name=_unique(f"Sector {base_name}", names_seen),
                level=TerritoryLevel.SECTOR,
                parent=comuna,
                geometry=_box(*cell),
                children_0_5=rng.randint(150, 1400),
                children_6_11=rng.randint(150, 1500),
                children_12_17=rng.randint(150, 1500),
            )
        )
    for band in ("children_0_5", "children_6_11", "children_12_17"):
        total = sum(getattr(s, band) for s in sectors)
        setattr(comuna, band, total)
        setattr(region, band, total + rng.randint(5000, 20000))
    region.save()
    comuna.save()
    for territory_batch in _chunks(sectors):
        for territory in territory_batch:
            territory.depth = 2
        Territory.objects.bulk_create(territory_batch)
        progress("territories", len(territory_batch))
    summary.territories = 2 + len(sectors)

    # Organizations, each with one to three sites in random sectors.
    sector_choices = list(SECTOR_WEIGHTS)
    weights = [SECTOR_WEIGHTS[s] for s in sector_choices]
    orgs: list[Organization] = []
    org_names: dict[str, int] = {}
    for _ in range(n_orgs):
        sector = rng.choices(sector_choices, weights)[0]
        template = rng.choice(ORG_TEMPLATES[sector])
        place = rng.choice(PLACES)
        base = template.format(place=place, comuna=COMUNA_NAME)
        name = _unique(base, org_names)
        orgs.append(
            Organization(
                name=name,
                alternate_name=_short_name(
                    sector=sector, template=template, place=place, suffix=name[len(base) :]
                ),
                sector=sector,
                is_public=sector not in (OrganizationSector.NGO, OrganizationSector.COMMUNITY),
                description=f"Institución ficticia de la red local de {COMUNA_NAME}.",
                email=f"contacto{len(orgs) + 1}@demo.puente.invalid",
            )
        )
    for org_batch in _chunks(orgs):
        Organization.objects.bulk_create(org_batch)
        progress("organizations", len(org_batch))
    summary.organizations = len(orgs)

    sites_by_org: dict[UUID, list[Site]] = {}
    all_sites: list[Site] = []
    for index, org in enumerate(orgs):
        if sites is None:
            n_sites = rng.choice((1, 1, 2, 3))
        else:  # spread exactly `sites` over the organizations
            n_sites = sites // n_orgs + (1 if index < sites % n_orgs else 0)
        for k in range(n_sites):
            sector_t = rng.choice(sectors)
            x0, y0, x1, y1 = sector_t.geometry.extent
            # Keep a margin so no site lands on a shared border.
            mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
            point = Point(rng.uniform(x0 + mx, x1 - mx), rng.uniform(y0 + my, y1 - my), srid=4326)
            site = Site(
                organization=org,
                name=org.name if k == 0 else f"{org.name} — anexo {k}",
                address_1=f"{rng.choice(STREETS)} {rng.randint(100, 9999)}",
                city=COMUNA_NAME,
                region="Región Demo",
                point=point,
                territory=sector_t,
                accessibility_notes=rng.choice(
                    ["Acceso con rampa", "Sin ascensor; atención en primer piso", "", ""]
                ),
            )
            sites_by_org.setdefault(org.pk, []).append(site)
            all_sites.append(site)
    for site_batch in _chunks(all_sites):
        Site.objects.bulk_create(site_batch)
        progress("sites", len(site_batch))
    summary.sites = len(all_sites)

    # Services with eligibility and slots at their organization's sites.
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    today = date.today()
    service_rows: list[Service] = []
    eligibility_rows: list[Eligibility] = []
    category_links: list[tuple[int, str]] = []
    area_links: list[tuple[int, UUID]] = []
    capacity_rows: list[ServiceAtSite] = []
    service_names: dict[str, int] = {}
    # Spread services over organizations round-robin first, so each has at least one.
    for i in range(services):
        org = orgs[i % len(orgs)] if i < len(orgs) else rng.choice(orgs)
        code = rng.choice(SECTOR_CATEGORIES[org.sector])
        kind = ServiceKind.SOCIAL if code.startswith("social") else ServiceKind.SPECIALIZED
        modality = (
            rng.choice([Modality.TRANSACTIONAL, Modality.TRANSACTIONAL, Modality.INDIVIDUAL])
            if kind == ServiceKind.SOCIAL
            else rng.choice([Modality.INDIVIDUAL, Modality.FAMILY_ACCOMPANIMENT])
        )
        routes = [r for r in AccessRoute.values if rng.random() < 0.6] or [AccessRoute.REFERRAL]
        status = rng.choices(
            [ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED, ServiceStatus.INACTIVE],
            [92, 5, 3],
        )[0]
        base_name = rng.choice(SERVICE_NAMES[code])
        service = Service(
            organization=org,
            name=_unique(f"{base_name} — {org.name}", service_names),
            description=f"{base_name} para niños, niñas, adolescentes y sus familias.",
            kind=kind,
            modality=modality,
            access_routes=routes,
            status=status,
            languages=["es", "ht"] if rng.random() < 0.15 else ["es"],
            is_free=rng.random() < 0.9,
            application_process=rng.choice(
                [
                    "Derivación de la red con ficha de derivación.",
                    "Demanda espontánea en horario de atención.",
                    "Inscripción presencial con el adulto responsable.",
                ]
            ),
            required_documents=rng.choice(
                [["Cédula de identidad del NNA"], ["Ficha de derivación", "Informe social"], []]
            ),
            typical_duration_weeks=rng.choice([None, 8, 12, 24, 26, 52]),
            verified_on=today - timedelta(days=rng.randint(0, 700)),
        )
        service_rows.append(service)
        category_links.append((i, code))
        low, high = AGE_RANGES[code]
        min_age = low if rng.random() < 0.7 else rng.randint(low, max(low, high - 6))
        eligibility_rows.append(
            Eligibility(
                min_age=min_age,
                max_age=high,
                sexes=[] if rng.random() < 0.9 else [rng.choice(["female", "male"])],
                risk_levels=(
                    [RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.VERY_HIGH]
                    if code == "protection"
                    else ([] if rng.random() < 0.7 else [RiskLevel.LOW, RiskLevel.MODERATE])
                ),
                requires_judicial_order=code == "protection" and rng.random() < 0.5,
                notes="",
            )
        )
        if rng.random() < 0.3:
            for sector_t in rng.sample(sectors, k=min(len(sectors), rng.randint(1, 4))):
                area_links.append((i, sector_t.pk))
        org_sites = sites_by_org[org.pk]
        for site in rng.sample(org_sites, k=min(len(org_sites), rng.choice((1, 1, 2)))):
            capacity_rows.append(
                ServiceAtSite(
                    service=service,
                    site=site,
                    capacity=rng.choice((0, 5, 10, 15, 20, 30, 40)),
                    schedule_description=rng.choice(
                        [
                            "Lunes a viernes 8:30–17:00",
                            "Lunes a jueves 9:00–18:00",
                            "Martes y jueves 15:00–19:00",
                        ]
                    ),
                )
            )
    for service_batch in _chunks(service_rows):
        Service.objects.bulk_create(service_batch)
        progress("services", len(service_batch))
    for service, eligibility in zip(service_rows, eligibility_rows, strict=True):
        eligibility.service = service
    for eligibility_batch in _chunks(eligibility_rows):
        Eligibility.objects.bulk_create(eligibility_batch)
    Through = Service.categories.through
    for category_batch in _chunks(category_links):
        Through.objects.bulk_create(
            [
                Through(service_id=service_rows[i].pk, taxonomyterm_id=terms[c].pk)
                for i, c in category_batch
            ]
        )
    AreaThrough = Eligibility.service_area.through
    for area_batch in _chunks(area_links):
        AreaThrough.objects.bulk_create(
            [
                AreaThrough(eligibility_id=eligibility_rows[i].pk, territory_id=t)
                for i, t in area_batch
            ]
        )
    for capacity_batch in _chunks(capacity_rows):
        ServiceAtSite.objects.bulk_create(capacity_batch)
        progress("slots", len(capacity_batch))
    summary.services = len(service_rows)
    summary.slots = sum(row.capacity for row in capacity_rows)
    demo_listing_verification(seed=seed)
    summary.services += len(demo_confidential_sites())  # a residence and a shelter, hidden

    if with_users:
        summary.users = _demo_users(orgs=orgs)
    service_category_codes_refresh()  # the links were bulk-created, without signals
    search_words_refresh()
    search_table_cluster()  # what the nightly job does, so the demo starts in order
    return summary


def _demo_users(*, orgs: list[Organization]) -> list[str]:
    created = []
    placed: dict[tuple[str, str], int] = {}
    for username, role, sector in DEMO_USERS:
        # The n-th user of a role in a sector joins the n-th organization of that sector:
        # the two caseworkers are two teams, the municipal roles share the municipality.
        nth = placed.get((role, sector), 0)
        placed[(role, sector)] = nth + 1
        if User.objects.filter(username=username).exists():
            continue
        same_sector = [o for o in orgs if o.sector == sector] or orgs[:1]
        # The family court first among the justice sector's: it is the authority on case
        # teams (stable sort: the others keep their order).
        same_sector.sort(key=lambda o: not o.name.startswith("Juzgado"))
        org = same_sector[nth % len(same_sector)]
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@demo.puente.invalid",
            memberships=[(org, role)],
        )
        created.append(username)
    return created
