"""A small network with one record of every kind, and one user of every role around it.

Shared by the permission matrix and the API fuzz run. Everything is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Alert, AlertType, Case, CaseIdentity, CaseNeed
from cases.services import consent_record
from directory.models import Organization, Service, ServiceAtSite, TaxonomyTerm, Territory
from gaps.inventory import gap_inventory_compute
from gaps.services import network_snapshot_take
from matching.models import Referral, ReferralStatus
from matching.services import referral_create_and_send
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    case_of,
    user_with_role,
)
from waitlists.models import AllocationRound, Enrolment, EntryStatus, SlotOffer, WaitlistEntry
from waitlists.rounds import allocation_round_propose

PSY = "specialized.psychological_care"
# Printed on no page and answered by no API: if it shows up, the identity leaked.
IDENTITY_NAME = "Nombre Ficticio Reservado"

ROLES = (
    "anonymous",
    "caseworker",
    "caseworker_other_org",
    "provider",
    "provider_other_service",
    "coordinator",
    "planner",
    "administrator",
)


@dataclass
class World:
    territory: Territory
    term: TaxonomyTerm
    team: Organization
    provider_org: Organization
    other_provider_org: Organization
    service: Service
    site: ServiceAtSite
    other_site: ServiceAtSite
    case: Case
    need: CaseNeed
    referral: Referral
    accepted: Referral
    enrolment: Enrolment
    entry: WaitlistEntry
    offer: SlotOffer
    alert: Alert
    round: AllocationRound
    users: dict[str, User | None] = field(default_factory=dict)


def world_build() -> World:
    """One of everything: a case with identity, need, consent, alert, a sent referral, ..."""
    territory = TerritoryFactory()
    term = TaxonomyTerm.objects.get(code=PSY)
    team = OrganizationFactory(name="Equipo Gestor")
    provider_org = OrganizationFactory(name="Programa Prestador")
    other_provider_org = OrganizationFactory(name="Otro Prestador")
    site = ServiceAtSiteFactory(
        service__organization=provider_org,
        site__point=Point(-70.601, -33.45, srid=4326),
        site__territory=territory,
        capacity=2,
    )
    other_site = ServiceAtSiteFactory(
        service__organization=other_provider_org,
        site__point=Point(-70.602, -33.45, srid=4326),
        site__territory=territory,
        capacity=2,
    )
    for sas in (site, other_site):
        sas.service.categories.add(term)

    users: dict[str, User | None] = {
        "anonymous": None,
        "caseworker": user_with_role(Role.CASEWORKER, organization=team, username="gestora"),
        "caseworker_other_org": user_with_role(Role.CASEWORKER, username="gestor-ajeno"),
        "provider": user_with_role(Role.PROVIDER, organization=provider_org, username="prestador"),
        "provider_other_service": user_with_role(
            Role.PROVIDER, organization=other_provider_org, username="prestador-ajeno"
        ),
        "coordinator": user_with_role(Role.COORDINATOR, username="coordinadora"),
        "planner": user_with_role(Role.PLANNER, username="planificador"),
        "administrator": user_with_role(Role.ADMINISTRATOR, username="administradora"),
    }
    caseworker = users["caseworker"]
    assert caseworker is not None

    case = case_of(caseworker, territory=territory)
    CaseIdentity.objects.create(case=case, full_name=IDENTITY_NAME, national_id="1-9")
    need = CaseNeed.objects.create(case=case, term=term)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=["referral"])
    referral = referral_create_and_send(
        actor=caseworker,
        case=case,
        service=site.service,
        service_at_site=site,
        need=need,
        shared_note="Nota compartida",
    )
    # Past its deadline, so it shows on the coordinator's follow-up list.
    Referral.objects.filter(pk=referral.pk).update(response_due=timezone.now() - timedelta(days=2))
    referral.refresh_from_db()
    alert = Alert.objects.create(
        case=case,
        raised_by=users["provider"],
        raised_by_organization=provider_org,
        alert_type=AlertType.choices[0][0],
        severity=case.risk_level,
    )

    # A second child, accepted by the provider: ready to be placed.
    accepted = Referral.objects.create(
        case=case_of(caseworker, territory=territory),
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=caseworker,
        sent_at=timezone.now(),
    )
    # A third child holds a slot; a fourth waits, with a freed slot offered to it.
    enrolment = Enrolment.objects.create(
        case=case_of(caseworker, territory=territory), service_at_site=site
    )
    waiting = case_of(caseworker, territory=territory)
    CaseNeed.objects.create(case=waiting, term=term)
    # As slot_offer_next leaves them: the entry marked offered, one slot held by the offer.
    entry = WaitlistEntry.objects.create(
        case=waiting, service=site.service, status=EntryStatus.OFFERED
    )
    offer = SlotOffer.objects.create(
        entry=entry, service_at_site=site, expires_at=timezone.now() + timedelta(days=2)
    )
    coordinator = users["coordinator"]
    assert coordinator is not None
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    # The nightly figures, so the planners' pages and API have something to show.
    gap_inventory_compute()
    network_snapshot_take()
    return World(
        territory=territory,
        term=term,
        team=team,
        provider_org=provider_org,
        other_provider_org=other_provider_org,
        service=site.service,
        site=site,
        other_site=other_site,
        case=case,
        need=need,
        referral=referral,
        accepted=accepted,
        enrolment=enrolment,
        entry=entry,
        offer=offer,
        alert=alert,
        round=round,
        users=users,
    )
