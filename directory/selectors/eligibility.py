"""Reads of eligibility for many children and services at once, in a fixed number of
queries whatever their number (the rules themselves are in ``directory.eligibility``)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar
from uuid import UUID

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Q

from directory.eligibility import EligibilityCandidate, EligibilityFailure, eligibility_failures
from directory.eligibility_arrays import EligibilityArrays, EligibilityRow
from directory.models import Eligibility, Territory

K = TypeVar("K", bound=Hashable)


def territory_lineage_ids_many(
    *, territory_ids: Iterable[UUID | None]
) -> dict[UUID | None, frozenset[UUID]]:
    """Each territory with all its ancestors (``territory_lineage_ids`` for many, one query).

    ``None`` and an unknown id map to the empty set: a child with no known home.
    """
    wanted = set(territory_ids)
    lineage: dict[UUID | None, set[UUID]] = {t: set() for t in wanted}
    known = [t for t in wanted if t is not None]
    if known:
        # UNION (not ALL) stops at a cycle: the same (start, id, parent) comes back.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE lineage(start, id, parent_id) AS ("
                " SELECT id, id, parent_id FROM directory_territory WHERE id = ANY(%s)"
                " UNION SELECT l.start, t.id, t.parent_id FROM directory_territory t"
                " JOIN lineage l ON t.id = l.parent_id"
                ") SELECT start, id FROM lineage",
                [known],
            )
            for start, territory_id in cursor.fetchall():
                lineage[start].add(territory_id)
    return {t: frozenset(ids) for t, ids in lineage.items()}


def eligibility_rules_many(
    *, service_ids: Iterable[UUID] | None = None
) -> dict[UUID, tuple[Eligibility, frozenset[UUID]]]:
    """The rules of each service that has some, with the territories it serves, by
    service id, in one query (``None``: every service)."""
    rules = Eligibility.objects.annotate(
        area_id_list=ArrayAgg("service_area__id", filter=Q(service_area__isnull=False))
    )
    if service_ids is not None:
        rules = rules.filter(service_id__in=list(service_ids))
    # The aggregate is NULL, not an empty array, for rules with no service area.
    return {e.service_id: (e, frozenset(e.area_id_list or ())) for e in rules}


def eligibility_check_many(
    *, service_ids: Iterable[UUID], candidates: Mapping[K, EligibilityCandidate]
) -> dict[tuple[UUID, K], list[EligibilityFailure]]:
    """The rules each (service, child) pair fails, for every pair, in one query.

    ``candidates`` are keyed as the caller likes (a case id, say). A service without
    rules admits everyone: its pairs have no failures.
    """
    wanted = list(dict.fromkeys(service_ids))
    rules = eligibility_rules_many(service_ids=wanted) if wanted and candidates else {}
    result: dict[tuple[UUID, K], list[EligibilityFailure]] = {}
    for service_id in wanted:
        found = rules.get(service_id)
        for key, candidate in candidates.items():
            result[(service_id, key)] = (
                []
                if found is None
                else eligibility_failures(
                    eligibility=found[0], candidate=candidate, service_area_ids=found[1]
                )
            )
    return result


def eligibility_arrays(
    *,
    parents: Mapping[UUID, UUID | None] | None = None,
    service_ids: Iterable[UUID] | None = None,
) -> EligibilityArrays:
    """Every service's rules as arrays (``None``: every service), in two queries at most.

    ``parents`` (each territory's parent, for every territory) may be passed when
    already read; otherwise it is read here.
    """
    if parents is None:
        parents = dict(Territory.objects.values_list("id", "parent_id"))
    rows = [
        EligibilityRow(
            service_id=service_id,
            min_age=e.min_age,
            max_age=e.max_age,
            sexes=tuple(e.sexes or ()),
            risk_levels=tuple(e.risk_levels or ()),
            requires_judicial_order=e.requires_judicial_order,
            service_area_ids=areas,
        )
        for service_id, (e, areas) in eligibility_rules_many(service_ids=service_ids).items()
    ]
    return EligibilityArrays(rules=rows, parents=parents)
