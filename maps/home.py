"""The signed-in home: one card per role the user holds, each linking to that role's work.

Links are URL names resolved here; a page another app has not published yet is left out
instead of breaking the home (the planner's pages are being written alongside).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

# (URL name, label, one line on what it is for). Order: most frequent task first.
ROLE_LINKS: dict[str, list[tuple[str, Promise, Promise]]] = {
    Role.CASEWORKER: [
        ("matching:case_list", _("Cases"), _("Your team's cases by priority.")),
        ("matching:case_new", _("New case"), _("Open a case for a child.")),
        ("matching:inbox", _("Inbox"), _("Answers, alerts and slot offers.")),
        ("matching:alert_raise", _("Raise an alert"), _("Warn the network about a child.")),
        ("maps:service_search", _("Find a service"), _("Search the directory.")),
    ],
    Role.SUPERVISOR: [
        ("cases:caseload", _("Team caseload"), _("Your team's open cases, by caseworker.")),
        ("matching:tasks", _("Tasks to approve"), _("Transfers and closures waiting for you.")),
        ("matching:inbox", _("Inbox"), _("Notifications for your team.")),
    ],
    Role.PROVIDER: [
        ("matching:provider_inbox", _("Referrals received"), _("Accept or answer referrals.")),
        ("waitlists:provider_slots", _("Slots and waitlists"), _("Capacity of your services.")),
        ("verification:mine", _("Verify your listings"), _("Confirm what families read.")),
        ("matching:inbox", _("Inbox"), _("Notifications for your team.")),
        ("matching:alert_raise", _("Raise an alert"), _("Warn the network about a child.")),
    ],
    Role.COORDINATOR: [
        ("matching:coordination", _("Coordination"), _("Overdue referrals, multiple alerts.")),
        (
            "verification:review_queue",
            _("Listing verification"),
            _("Providers' corrections to review; requests not answered."),
        ),
        ("maps:start", _("Getting started"), _("What a local Puente needs, and what is loaded.")),
        ("waitlists:network", _("Waitlists"), _("Waitlists of the whole network.")),
        ("waitlists:rounds", _("Allocation rounds"), _("Case-review meetings.")),
        ("matching:policy", _("Prioritization"), _("The network's priority policy.")),
        ("maps:edit_index", _("Map editing"), _("Draw sites and service areas.")),
        ("admin:index", _("Directory administration"), _("Services, sites, organizations.")),
    ],
    Role.PLANNER: [
        # The planner's pages (gaps/urls.py), written alongside: shown once they resolve.
        ("gaps:map", _("Gap map"), _("Gaps per category and territory, with hotspots.")),
        ("gaps:trends", _("Trends"), _("How coverage and waits change.")),
        ("gaps:network", _("Referral network"), _("Who refers to whom.")),
        ("maps:service_map", _("Service map"), _("The communal service offer.")),
    ],
    Role.ADMINISTRATOR: [
        ("admin:index", _("Administration"), _("Users, organizations and roles.")),
    ],
}

ROLE_ORDER = [
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.PROVIDER,
    Role.COORDINATOR,
    Role.PLANNER,
    Role.ADMINISTRATOR,
]


@dataclass(frozen=True)
class HomeLink:
    url: str
    label: str
    description: str


@dataclass(frozen=True)
class RoleCard:
    role: str
    title: str
    links: list[HomeLink]


def home_cards(*, roles: set[str]) -> list[RoleCard]:
    cards = []
    for role in ROLE_ORDER:
        if role not in roles:
            continue
        links = []
        for name, label, description in ROLE_LINKS[role]:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            links.append(HomeLink(url=url, label=str(label), description=str(description)))
        cards.append(RoleCard(role=role, title=str(Role(role).label), links=links))
    return cards
