"""The rest of the network's children, for the demo's year of history: bulk, not one by one.

The demo caseworkers' cases (``records``) are a few teams' work. The waitlists, the
referral network and the planners' trends show the whole network: the children
other teams referred over the past year. ``demo/`` draws their timelines
(``demo.history``) and hands each app its part; this module writes the cases,
their needs and consents with ``bulk_create``, as they stand today, recorded by an
account that cannot sign in (``network_account``): the past other teams recorded,
as a municipality would import it. No events, no notifications: it is history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from django.db import connection

from accounts.models import Membership, Role, User
from cases.models import (
    Admissibility,
    Case,
    CaseNeed,
    CaseStatus,
    Consent,
    ConsentScope,
)
from directory.models import AccessRoute, TaxonomyTerm

#: The account the network's past is recorded by; inactive, with no password.
NETWORK_USERNAME = "historial-red"
BATCH = 2000


@dataclass
class NetworkCase:
    """One child another team of the network referred during the year."""

    code: str
    team_id: UUID
    territory_id: UUID
    lon: float
    lat: float
    birth_date: date
    sex: str
    risk_level: str
    has_judicial_order: bool
    requested_at: datetime
    consent_at: datetime
    consent_by: str
    #: need code → its status today (open, addressed, met)
    needs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WrittenCase:
    id: UUID
    consent_id: int
    need_ids: dict[str, UUID]


def network_account(*, teams: Sequence[UUID], providers: Sequence[UUID]) -> User:
    """The inactive account of the network's past: case team of ``teams``, staff of ``providers``.

    Inactive, so the demo's own loaders (``demo_actors``) never pick it, and nobody can
    sign in with it; its memberships say on whose behalf it recorded.
    """
    user, created = User.objects.get_or_create(
        username=NETWORK_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    rows = [Membership(user=user, organization_id=t, role=Role.CASEWORKER) for t in teams]
    rows += [Membership(user=user, organization_id=p, role=Role.PROVIDER) for p in providers]
    Membership.objects.bulk_create(rows, ignore_conflicts=True)
    return user


def set_column(*, table: str, column: str, ids: Sequence[Any], values: Sequence[Any]) -> None:
    """One UPDATE for many rows: ``auto_now_add`` columns get their past values after an insert."""
    if not ids:
        return
    kind = "uuid" if isinstance(ids[0], UUID) else "bigint"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} t SET {column} = v.value "  # noqa: S608 - fixed names
            f"FROM unnest(%s::{kind}[], %s::timestamptz[]) v(id, value) WHERE t.id = v.id",
            [list(ids), list(values)],
        )


def network_cases_write(*, cases: Sequence[NetworkCase], actor: User) -> list[WrittenCase]:
    """Write the children, their needs and consents; what the referrals need of them."""
    terms = dict(TaxonomyTerm.objects.values_list("code", "pk"))
    rows = [
        Case(
            code=c.code,
            organization_id=c.team_id,
            caseworker=actor,
            birth_date=c.birth_date,
            sex=c.sex,
            home=Point(c.lon, c.lat, srid=4326),
            territory_id=c.territory_id,
            risk_level=c.risk_level,
            has_judicial_order=c.has_judicial_order,
            access_route=AccessRoute.REFERRAL,
            admissibility=Admissibility.ADMITTED,
            status=CaseStatus.OPEN,
            requested_at=c.requested_at,
        )
        for c in cases
    ]
    Case.objects.bulk_create(rows, batch_size=BATCH)
    set_column(
        table="matching_case",
        column="created",
        ids=[r.pk for r in rows],
        values=[c.requested_at for c in cases],
    )
    consents = [
        Consent(
            case=row,
            given_by=c.consent_by,
            given_at=c.consent_at,
            scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
            recorded_by=actor,
        )
        for row, c in zip(rows, cases, strict=True)
    ]
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    needs: list[CaseNeed] = []
    for row, c in zip(rows, cases, strict=True):
        for code, status in c.needs.items():
            needs.append(CaseNeed(case=row, term_id=terms[code], status=status))
    CaseNeed.objects.bulk_create(needs, batch_size=BATCH)
    by_case: dict[UUID, dict[str, UUID]] = {}
    created = {r.pk: r.requested_at for r in rows}
    codes = {pk: code for code, pk in terms.items()}
    for need in needs:
        by_case.setdefault(need.case_id, {})[codes[need.term_id]] = need.pk
    set_column(
        table="matching_caseneed",
        column="created",
        ids=[n.pk for n in needs],
        values=[created[n.case_id] for n in needs],
    )
    return [
        WrittenCase(id=row.pk, consent_id=consent.pk, need_ids=by_case.get(row.pk, {}))
        for row, consent in zip(rows, consents, strict=True)
    ]
