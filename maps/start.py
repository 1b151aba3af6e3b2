"""The coordinator's start page: what a local Puente needs, what is loaded, where to load the rest.

A real comuna starts on an empty database; this is its checklist. Each item counts what
is there and links to the page that loads it. ``maps`` sits on top of the layers, so it
may read every app it lists; each link is a URL name resolved here, and an item whose
page does not exist in this version says so instead of breaking the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, Role
from accounts.selectors import user_has_role, user_is_coordinator
from directory.models import Organization, Service, ServiceStatus, Territory, TerritoryPopulation
from directory.selectors import directory_can_add_offer
from matching.models import PriorityPolicy


@dataclass(frozen=True)
class StartItem:
    key: str
    title: str
    loaded: bool
    status: str  # what is there, in a sentence
    url: str  # where to load or review it ("" when this version has no page for it)
    action: str


def _url(*names: str) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def _territories() -> StartItem:
    count = Territory.objects.count()
    return StartItem(
        key="territories",
        title=_("Territories"),
        loaded=count > 0,
        status=ngettext("%(n)s territory.", "%(n)s territories.", count) % {"n": count}
        if count
        else _("No boundaries yet."),
        url=_url("admin:directory_territory_import"),
        action=_("Import the boundaries (Shapefile, GeoPackage, GeoJSON or KML)"),
    )


def _population() -> StartItem:
    leaves = Territory.objects.filter(children__isnull=True)
    total = leaves.count()
    peopled = leaves.filter(
        Q(children_0_5__gt=0) | Q(children_6_11__gt=0) | Q(children_12_17__gt=0)
    ).count()
    year = TerritoryPopulation.objects.aggregate(latest=Max("year"))["latest"]
    status = _("%(peopled)s of %(total)s most specific territories have a child population.") % {
        "peopled": peopled,
        "total": total,
    }
    if year:
        status += " " + _("Latest year: %(year)s.") % {"year": year}
    return StartItem(
        key="population",
        title=_("Child population"),
        loaded=total > 0 and peopled == total,
        status=status,
        url=_url("admin:directory_population_import"),
        action=_("Import the population (CSV by territory and age)"),
    )


def _organizations() -> StartItem:
    count = Organization.objects.count()
    return StartItem(
        key="organizations",
        title=_("Organizations"),
        loaded=count > 0,
        status=ngettext("%(n)s organization.", "%(n)s organizations.", count) % {"n": count},
        url=_url("admin:directory_organization_add"),
        action=_("Add an organization"),
    )


def _services(*, may_edit: bool) -> StartItem:
    count = Service.objects.filter(status=ServiceStatus.ACTIVE).count()
    return StartItem(
        key="services",
        title=_("Services"),
        loaded=count > 0,
        status=ngettext("%(n)s active service.", "%(n)s active services.", count) % {"n": count},
        url=_url("admin:directory_service_spreadsheet") if may_edit else "",
        action=_("Load the services from a spreadsheet"),
    )


def _users(*, administrator: bool) -> StartItem:
    roles = set(Membership.objects.values_list("role", flat=True).distinct())
    people = Membership.objects.values("user_id").distinct().count()
    # A network works once someone refers (caseworker) and someone answers (provider).
    missing = [Role(r).label for r in (Role.CASEWORKER, Role.PROVIDER) if r not in roles]
    status = ngettext("%(n)s person with a role.", "%(n)s people with a role.", people) % {
        "n": people
    }
    if missing:
        status += " " + _("Missing: %(roles)s.") % {"roles": ", ".join(str(m) for m in missing)}
        if not administrator:
            status += " " + _("Ask an administrator to add them.")
    return StartItem(
        key="users",
        title=_("Users"),
        loaded=not missing,
        status=status,
        # Only an administrator manages users: a coordinator is told who to ask instead.
        # People join by invitation (a link by email where they choose their password).
        url=_url("people:invitations") if administrator else "",
        action=_("Invite the users (an administrator sends the invitations)"),
    )


def _policy(*, coordinator: bool) -> StartItem:
    policy = PriorityPolicy.objects.order_by("-version").first()
    # Version 1 is the default the migration publishes: loaded, but nobody chose it.
    reviewed = policy is not None and (policy.version > 1 or policy.created_by_id is not None)
    return StartItem(
        key="policy",
        title=_("Priority policy"),
        loaded=reviewed,
        status=_("Version %(version)s, chosen by the network.") % {"version": policy.version}
        if reviewed and policy is not None
        else _("The default policy; review it with the network."),
        url=_url("matching:policy") if coordinator else "",
        action=_("Review the priority policy"),
    )


def _instrument() -> StartItem:
    # The assessment instrument arrives with the assessment work; until its model exists
    # the item says so rather than pointing nowhere.
    model = next((m for m in apps.get_models() if m.__name__ == "AssessmentInstrument"), None)
    count = model._default_manager.count() if model is not None else 0
    return StartItem(
        key="instrument",
        title=_("Assessment instrument"),
        loaded=count > 0,
        status=ngettext("%(n)s instrument.", "%(n)s instruments.", count) % {"n": count}
        if model is not None
        else _("Not part of this version of Puente yet."),
        url=_url("admin:cases_assessmentinstrument_changelist") if model is not None else "",
        action=_("Set up the assessment instrument"),
    )


def start_checklist(*, user: Any) -> list[StartItem]:
    """The items in order; a link is given only to whom its page lets in (an administrator
    reads the policy and the services but does not change them; a coordinator does not
    manage users)."""
    return [
        _territories(),
        _population(),
        _organizations(),
        _services(may_edit=directory_can_add_offer(user=user)),
        _users(administrator=user_has_role(user=user, roles=[Role.ADMINISTRATOR])),
        _policy(coordinator=user_is_coordinator(user=user)),
        _instrument(),
    ]
