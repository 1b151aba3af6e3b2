"""Allocation rounds for case-review meetings (juntas técnicas de análisis de casos).

A coordinator proposes, for a territory and a category, who gets which free slot
among every child waiting in that category there; the proposal is shown beside what
first-come-first-served and nearest-slot greedy would have done, and, once reviewed,
confirmed into enrolments in one transaction.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.gates import coordinator_require
from accounts.models import User
from cases.models import Case
from cases.services import case_team_notify
from directory.models import ServiceAtSite, ServiceStatus, TaxonomyTerm, Territory
from directory.selectors import eligibility_check_many, territory_descendant_ids
from directory.services import service_at_site_lock
from matching.options import case_eligibility_candidates
from matching.services import referral_record_meeting_decision
from notifications.models import NotificationKind
from waitlists.allocation import (
    allocate,
    allocate_first_come_first_served,
    allocate_nearest_greedy,
    allocation_summary,
)
from waitlists.models import (
    AllocationRound,
    EntryStatus,
    RoundStatus,
    WaitlistEntry,
)
from waitlists.selectors import service_at_site_free_slots
from waitlists.services import (
    enrolment_record,
    waitlist_entry_enrol,
    waitlist_withdraw_for_round,
)

NOT_A_COORDINATOR = gettext_lazy("Only local coordinators run allocation rounds.")


def _distances(*, case_ids: list[UUID], site_ids: list[UUID]) -> dict[tuple[UUID, UUID], float]:
    """Metres on the spheroid between every home and every site of the round."""
    if not case_ids or not site_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, sas.id, ST_Distance(c.home, s.point) "
            "FROM matching_case c, directory_serviceatsite sas "
            "JOIN directory_site s ON s.id = sas.site_id "
            "WHERE c.id = ANY(%s) AND sas.id = ANY(%s)",
            [case_ids, site_ids],
        )
        return {(c, s): float(d) for c, s, d in cursor.fetchall()}


@transaction.atomic
def allocation_round_propose(
    *, actor: User, territory: Territory, category: TaxonomyTerm
) -> AllocationRound:
    coordinator_require(user=actor, message=NOT_A_COORDINATOR)
    territory_ids = territory_descendant_ids(territory_id=territory.pk)
    entries = list(
        WaitlistEntry.objects.filter(
            status=EntryStatus.WAITING,
            service__category_codes__contains=[category.code],
            case__territory_id__in=territory_ids,
            case__status="open",
        ).select_related("case")
    )
    # One child once, even when waiting on several lists of the category.
    cases: dict[UUID, Case] = {}
    requested: dict[UUID, float] = {}
    for entry in entries:
        cases[entry.case_id] = entry.case
        ts = entry.requested_at.timestamp()
        requested[entry.case_id] = min(requested.get(entry.case_id, ts), ts)
    sites = list(
        ServiceAtSite.objects.filter(
            service__status=ServiceStatus.ACTIVE,
            service__category_codes__contains=[category.code],
            site__territory_id__in=territory_ids,
        ).select_related("service")
    )
    free = service_at_site_free_slots(service_at_site_ids=[s.pk for s in sites])
    sites = [s for s in sites if free.get(s.pk, 0) > 0]
    # Every child against every service of the round in two queries, whatever their number.
    failures = eligibility_check_many(
        service_ids={s.service_id for s in sites},
        candidates=case_eligibility_candidates(cases=cases.values()),
    )
    distance = _distances(case_ids=list(cases), site_ids=[s.pk for s in sites])
    costs: dict[tuple[Hashable, Hashable], float] = {}
    for case_id in cases:
        for site in sites:
            if failures[(site.service_id, case_id)]:
                continue
            costs[(str(case_id), str(site.pk))] = distance[(case_id, site.pk)]
    # Ties of the unified score go to who asked first: a fraction below one point.
    oldest, newest = min(requested.values(), default=0.0), max(requested.values(), default=0.0)
    span = (newest - oldest) or 1.0
    priorities: dict[Hashable, float] = {
        str(cid): c.priority_score + 0.5 * (1 - (requested[cid] - oldest) / span)
        for cid, c in cases.items()
    }
    capacities: dict[Hashable, int] = {str(s.pk): free[s.pk] for s in sites}
    proposal = allocate(priorities=priorities, capacities=capacities, costs=costs)
    fcfs = allocate_first_come_first_served(
        order=sorted(priorities, key=lambda k: requested[UUID(str(k))]),
        capacities=capacities,
        costs=costs,
    )
    greedy = allocate_nearest_greedy(capacities=capacities, costs=costs, cases=list(priorities))
    comparison = {
        name: dict(allocation_summary(allocation=a, priorities=priorities, costs=costs))
        for name, a in (("allocate", proposal), ("fcfs", fcfs), ("greedy", greedy))
    }
    comparison["waiting"] = len(cases)  # type: ignore[assignment]
    comparison["free_slots"] = sum(capacities.values())  # type: ignore[assignment]
    return AllocationRound.objects.create(
        territory=territory,
        category=category,
        created_by=actor,
        proposal={str(k): (str(v) if v is not None else None) for k, v in proposal.items()},
        comparison=comparison,
    )


@transaction.atomic
def allocation_round_confirm(*, actor: User, round: AllocationRound) -> int:
    """Turn the proposal into enrolments; any failure leaves nothing half-done.

    A child placed at a service they were waiting for is enrolled from that entry;
    a child placed elsewhere in the category gets a new referral, recorded as the
    meeting's decision, and leaves the other lists of the category.
    """
    coordinator_require(user=actor, message=NOT_A_COORDINATOR)
    # The round first, read again under its lock: of two confirmations (or a
    # confirmation and a discard) at once, the second sees it decided and gets a 400.
    round = AllocationRound.objects.select_for_update().get(pk=round.pk)
    if round.status != RoundStatus.PROPOSED:
        raise ValidationError({"round": _("This round was already confirmed or discarded.")})
    # Then every site of the round at once, in the order of their ids, before any entry
    # or referral: taken one by one in the children's order, two rounds sharing sites
    # (or a slot offered meanwhile at one of them) could each hold what the other needs.
    sites = {
        str(site.pk): site
        for site in (
            service_at_site_lock(service_at_site_id=site_id)
            for site_id in sorted({s for s in round.proposal.values() if s is not None})
        )
    }
    placed = 0
    for case_id, site_id in sorted(round.proposal.items()):
        if site_id is None:
            continue
        site = sites[site_id]
        if service_at_site_free_slots(service_at_site_ids=[site.pk])[site.pk] <= 0:
            raise ValidationError(
                {
                    "round": _(
                        "%(site)s has no free slot any more: run a new round with today's slots."
                    )
                    % {"site": str(site)}
                }
            )
        case = Case.objects.get(pk=case_id)
        note = _("Decided at the case-review meeting (round of %(day)s).") % {
            "day": round.created.strftime("%d/%m/%Y")
        }
        # Locked, and only if still waiting: a slot may have been offered to the child
        # meanwhile at another site of the service.
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .filter(case=case, service_id=site.service_id, status=EntryStatus.WAITING)
            .select_related("referral")
            .first()
        )
        if entry is not None:
            waitlist_entry_enrol(entry=entry, site=site, actor=actor, note=note)
        else:
            referral = referral_record_meeting_decision(
                actor=actor, case=case, service_at_site=site, note=note
            )
            enrolment_record(case=case, site=site, referral=referral, actor=actor, note=note)
        waitlist_withdraw_for_round(case=case, category_code=round.category.code, note=note)
        case_team_notify(
            case=case,
            kind=NotificationKind.CASE_UPDATE,
            text=_("Case %(code)s was given a slot at %(service)s by the case-review meeting.")
            % {"code": case.code, "service": site.service.name},
        )
        placed += 1
    round.status = RoundStatus.CONFIRMED
    round.confirmed_at = timezone.now()
    round.confirmed_by = actor
    round.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return placed


@transaction.atomic
def allocation_round_discard(*, actor: User, round: AllocationRound) -> AllocationRound:
    coordinator_require(user=actor, message=NOT_A_COORDINATOR)
    # Read again under the round's lock, as the confirmation takes it: otherwise a
    # discard racing a confirmation overwrites "confirmed" and leaves its enrolments
    # under a round that says nobody was placed.
    round = AllocationRound.objects.select_for_update().get(pk=round.pk)
    if round.status != RoundStatus.PROPOSED:
        raise ValidationError({"round": _("This round was already confirmed or discarded.")})
    round.status = RoundStatus.DISCARDED
    round.save(update_fields=["status"])
    return round


def allocation_round_rows(*, round: AllocationRound) -> list[dict[str, Any]]:
    """The proposal as rows a meeting can read: case code, priority, service, site."""
    cases = {
        str(c.pk): c
        for c in Case.objects.filter(pk__in=list(round.proposal)).only(
            "id", "code", "priority_score"
        )
    }
    sites = {
        str(s.pk): s
        for s in ServiceAtSite.objects.filter(
            pk__in=[v for v in round.proposal.values() if v]
        ).select_related("service", "site")
    }
    rows = [
        {
            "case_code": cases[cid].code,
            "priority": cases[cid].priority_score,
            "service": sites[sid].service.name if sid else None,
            "site": sites[sid].site.name if sid else None,
        }
        for cid, sid in round.proposal.items()
        if cid in cases
    ]
    return sorted(rows, key=lambda r: -r["priority"])
