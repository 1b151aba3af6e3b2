"""Reads of the front door: reports, outreach lists, duplicate keys and link requests.

Who sees what:
- a report: the members of the organization that received it (any role but
  administrator) and the caseworkers of the case team it is addressed to; only the
  case team decides on it (a case, a link to a case, a dismissal);
- an outreach list and its findings: the members of the organization that keeps it;
- a possible duplicate: only the name of the other case's team, never its contents;
- a link request: the caseworkers of the two cases' teams; once accepted, each team
  sees the other's case code and team, nothing else.
Records one may not see are answered as if they did not exist (404).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.conf import settings
from django.db.models import Case as Case_
from django.db.models import Q, QuerySet, Value, When

from accounts.models import Role, User
from accounts.selectors import AnyUser, user_organization_ids
from audit.models import AuditRecordType
from cases.models import (
    Case,
    CaseDuplicateKey,
    CaseLinkRequest,
    LinkRequestStatus,
    OutreachFinding,
    OutreachList,
    Report,
    ReportStatus,
)
from cases.selectors import SEVERITY_ORDER, case_team_organization_ids, organization_members
from directory.models import Organization
from directory.selectors import territory_for_point

# Audit record types of the front door's records.
AUDIT_REPORT = AuditRecordType.REPORT
AUDIT_OUTREACH = AuditRecordType.OUTREACH
AUDIT_LINK_REQUEST = AuditRecordType.CASE_LINK_REQUEST

# --- duplicate keys ------------------------------------------------------------------


def name_normalise(*, full_name: str) -> str:
    """Lower case, no accents, one space between words, words in order: "Pérez  Ana" and
    "ana perez" are the same name (the order of given names and surnames varies)."""
    decomposed = unicodedata.normalize("NFKD", full_name.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", plain)
    return " ".join(sorted(words))


def national_id_normalise(*, national_id: str) -> str:
    """Digits and the check letter K only: "12.345.678-k" is "12345678K"."""
    return re.sub(r"[^0-9K]", "", national_id.upper())


def duplicate_key_compute(
    *, full_name: str, national_id: str, birth_date: date, sex: str, territory_id: object
) -> str | None:
    """The keyed hash (HMAC-SHA256) of an identity; None when no identity is kept."""
    name = name_normalise(full_name=full_name)
    if not name:
        return None
    message = "|".join(
        [
            name,
            national_id_normalise(national_id=national_id),
            birth_date.isoformat(),
            sex,
            str(territory_id),
        ]
    )
    secret = settings.DUPLICATE_KEY_SECRET.encode()
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PossibleDuplicate:
    """What the caseworker may learn of a possible duplicate: the other team, only."""

    organization_id: UUID
    organization_name: str


def case_duplicate_find(
    *, key: str, exclude_case_id: UUID | None = None
) -> list[PossibleDuplicate]:
    """The teams holding a case with this key: one query, by the key's index.

    The case itself (id, code, contents) is not returned: the caller could leak it.
    """
    rows = CaseDuplicateKey.objects.filter(key=key)
    if exclude_case_id is not None:
        rows = rows.exclude(case_id=exclude_case_id)
    found = (
        rows.values_list("case__organization_id", "case__organization__name")
        .order_by("case__organization__name", "case__organization_id")
        .distinct()
    )
    return [PossibleDuplicate(organization_id=pk, organization_name=name) for pk, name in found]


def case_duplicates_for_case(*, case: Case) -> list[PossibleDuplicate]:
    """Possible duplicates of a case, from the key stored when it was registered."""
    stored = CaseDuplicateKey.objects.filter(case=case).values_list("key", flat=True).first()
    if stored is None:
        return []
    return case_duplicate_find(key=stored, exclude_case_id=case.pk)


def report_duplicates(*, report: Report) -> list[PossibleDuplicate]:
    """Teams holding a case that may be the report's child, before it becomes a case.

    Only when the report names the child with birth date, sex and home (the key's
    fields); otherwise nothing can be compared.
    """
    if not (report.child_full_name and report.child_birth_date and report.child_sex):
        return []
    if report.child_home is None:
        return []
    territory = territory_for_point(point=report.child_home)
    if territory is None:
        return []
    key = duplicate_key_compute(
        full_name=report.child_full_name,
        national_id=report.child_national_id,
        birth_date=report.child_birth_date,
        sex=report.child_sex,
        territory_id=territory.pk,
    )
    return case_duplicate_find(key=key) if key else []


# --- reports -------------------------------------------------------------------------


INTAKE_ROLES = (Role.CASEWORKER, Role.PROVIDER, Role.COORDINATOR)


def intake_organization_ids(*, user: AnyUser) -> set[UUID]:
    """Organizations in whose name the user takes a child in: caseworkers', providers',
    coordinators' (planners read figures, administrators run the site)."""
    ids: set[UUID] = set()
    for role in INTAKE_ROLES:
        ids |= user_organization_ids(user=user, role=role)
    return ids


def case_team_choices() -> QuerySet[Organization]:
    """Organizations a report can be addressed to: those with caseworkers (case teams)."""
    teams = Organization.objects.filter(memberships__role=Role.CASEWORKER).values("pk")
    return Organization.objects.filter(pk__in=teams).order_by("name")


def report_list_for_user(*, user: AnyUser) -> QuerySet[Report]:
    """Reports the user may read: received by one of their organizations, or addressed to
    one of their case teams."""
    if not user.is_authenticated:
        return Report.objects.none()
    return Report.objects.filter(
        Q(receiving_organization_id__in=intake_organization_ids(user=user))
        | Q(addressed_to_id__in=case_team_organization_ids(user=user))
    ).select_related("receiving_organization", "addressed_to", "reporter_organization", "case")


def report_get_for_user(*, user: AnyUser, report_id: UUID) -> Report | None:
    return report_list_for_user(user=user).filter(pk=report_id).first()


def report_queue_for_team(
    *, user: AnyUser, status: str = ReportStatus.RECEIVED
) -> QuerySet[Report]:
    """The reports addressed to the user's case teams, most urgent first, then oldest."""
    return (
        Report.objects.filter(
            addressed_to_id__in=case_team_organization_ids(user=user), status=status
        )
        .select_related("receiving_organization", "addressed_to", "reporter_organization")
        .order_by(
            Case_(
                *[
                    When(urgency=level, then=Value(rank))
                    for rank, level in enumerate(SEVERITY_ORDER)
                ],
                default=Value(len(SEVERITY_ORDER)),
            ),
            "reported_at",
            "pk",
        )
    )


def report_can_decide(*, user: AnyUser, report: Report) -> bool:
    return report.addressed_to_id in case_team_organization_ids(user=user)


def team_caseworkers(*, organization_id: UUID) -> QuerySet[User]:
    """The active caseworkers of a team: who is told of a report addressed to it."""
    return organization_members(organization_id=organization_id, roles=[Role.CASEWORKER])


# --- outreach ------------------------------------------------------------------------


def outreach_list_for_user(*, user: AnyUser) -> QuerySet[OutreachList]:
    if not user.is_authenticated:
        return OutreachList.objects.none()
    return OutreachList.objects.filter(
        organization_id__in=intake_organization_ids(user=user)
    ).select_related("organization", "territory")


def outreach_get_for_user(*, user: AnyUser, outreach_id: UUID) -> OutreachList | None:
    return outreach_list_for_user(user=user).filter(pk=outreach_id).first()


def finding_get_for_list(*, outreach: OutreachList, finding_id: UUID) -> OutreachFinding | None:
    return outreach.findings.filter(pk=finding_id).select_related("report").first()


# --- link requests ------------------------------------------------------------------


def link_request_list_for_user(*, user: AnyUser) -> QuerySet[CaseLinkRequest]:
    """Requests on the cases of the user's teams, sent or received."""
    teams = case_team_organization_ids(user=user)
    return CaseLinkRequest.objects.filter(
        Q(from_case__organization_id__in=teams) | Q(to_case__organization_id__in=teams)
    ).select_related("from_case__organization", "to_case__organization")


def link_request_get_for_user(*, user: AnyUser, request_id: UUID) -> CaseLinkRequest | None:
    return link_request_list_for_user(user=user).filter(pk=request_id).first()


def link_requests_to_answer(*, user: AnyUser) -> QuerySet[CaseLinkRequest]:
    return (
        CaseLinkRequest.objects.filter(
            to_case__organization_id__in=case_team_organization_ids(user=user),
            status=LinkRequestStatus.REQUESTED,
        )
        .select_related("from_case__organization", "to_case")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class LinkView:
    """One link or request as one side of it may see it."""

    request: CaseLinkRequest
    incoming: bool  # the other team asked this case's team
    other_team: str
    other_code: str  # empty until accepted: before that, a case code says too much


def case_links_for_case(*, case: Case) -> list[LinkView]:
    """The link requests of a case, each as this case's team may see it."""
    rows = CaseLinkRequest.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related(
        "from_case__organization", "to_case__organization"
    )
    views = []
    for row in rows:
        incoming = row.to_case_id == case.pk
        other = row.from_case if incoming else row.to_case
        views.append(
            LinkView(
                request=row,
                incoming=incoming,
                other_team=other.organization.name,
                other_code=other.code if row.status == LinkRequestStatus.ACCEPTED else "",
            )
        )
    return views
