"""Slices of the territories, so that the inventory's work spreads over Celery workers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import connection

#: A slice of the territories: their ids (``None`` standing for rows with no territory);
#: ``None`` for all of them.
TerritoryScope = frozenset[UUID | None] | None


def in_scope(territory_id: UUID | None, scope: TerritoryScope) -> bool:
    return scope is None or territory_id in scope


def scope_sql(column: str, scope: TerritoryScope) -> tuple[str, list[Any]]:
    """A WHERE condition keeping the rows of the slice, so each part reads only its own."""
    if scope is None:
        return "TRUE", []
    ids = [t for t in scope if t is not None]
    return f"({column} = ANY(%s::uuid[]) OR (%s AND {column} IS NULL))", [ids, None in scope]


def gap_territory_chunks(*, chunks: int) -> list[list[str]]:
    """The territories (and ``"none"`` for rows without one) cut into ``chunks`` slices.

    Round-robin over the ids so that slices get a similar share of the most specific
    territories, where the cases are. Strings: they travel as Celery arguments.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM directory_territory ORDER BY id")
        ids = ["none", *(str(r[0]) for r in cursor.fetchall())]
    count = max(1, min(chunks, len(ids)))
    return [ids[i::count] for i in range(count)]


def territory_scope(ids: Iterable[str]) -> frozenset[UUID | None]:
    """The scope of a chunk from :func:`gap_territory_chunks`."""
    return frozenset(None if t == "none" else UUID(t) for t in ids)
