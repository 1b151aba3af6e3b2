"""The boundary import: read a file, check it whole, upsert by code, re-assign the points.

All or nothing: everything is written in one transaction, and a dry run (the default)
runs the very same writes and rolls them back, so its report (created, updated, parents
found, sites and cases moved) is exactly what the import would do.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from directory.importers.hooks import territories_changed
from directory.importers.report import ImportResult, Progress, Rollback, progress_none
from directory.importers.territories_source import (
    SourceFeature,
    TerritoryMapping,
    territory_features_read,
    territory_source_layer,
    territory_source_open,
)
from directory.models import LEVEL_DEPTH, Territory, TerritoryLevel

BATCH = 500
# Two boundaries closer than this (degrees, about 1 cm) are the same boundary.
SAME_BOUNDARY_TOLERANCE = 1e-7


def _depth(level: str) -> int:
    return LEVEL_DEPTH[TerritoryLevel(level)]


def _check(*, features: list[SourceFeature], result: ImportResult) -> None:
    """What can be judged before writing: duplicate codes, parent codes and their levels."""
    first_of: dict[str, SourceFeature] = {}
    for feature in features:
        if not feature.code:
            continue
        if feature.code in first_of:
            result.error(
                feature.where,
                "code",
                _("The code is also the code of feature %(index)s.")
                % {"index": first_of[feature.code].index},
            )
        else:
            first_of[feature.code] = feature
    wanted = {f.parent_code for f in features if f.parent_code} - set(first_of)
    stored = dict(Territory.objects.filter(code__in=wanted).values_list("code", "level"))
    for feature in features:
        if not feature.parent_code or not feature.level:
            continue
        if feature.parent_code == feature.code:
            result.error(feature.where, "parent", _("A territory cannot be its own parent."))
            continue
        parent_level = (
            first_of[feature.parent_code].level
            if feature.parent_code in first_of
            else stored.get(feature.parent_code)
        )
        if parent_level is None:
            result.error(
                feature.where,
                "parent",
                _("No territory has the parent code %(code)s, in the file or on the map.")
                % {"code": feature.parent_code},
            )
        elif parent_level and _depth(parent_level) >= _depth(feature.level):
            result.error(
                feature.where,
                "parent",
                _("The parent %(code)s is not a broader level than this territory.")
                % {"code": feature.parent_code},
            )


def _upsert(
    *, features: list[SourceFeature], result: ImportResult, progress: Progress
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Create and update by code; returns (every imported id, ids whose area or level changed)."""
    codes = [f.code for f in features]
    existing = {t.code: t for t in Territory.objects.select_for_update().filter(code__in=codes)}
    ids = {code: t.pk for code, t in existing.items()}
    for feature in features:
        ids.setdefault(feature.code, uuid.uuid4())
    parent_codes = {f.parent_code for f in features if f.parent_code} - set(ids)
    ids.update(Territory.objects.filter(code__in=parent_codes).values_list("code", "id"))

    created: list[Territory] = []
    updated: list[Territory] = []
    changed: list[uuid.UUID] = []
    for feature in sorted(features, key=lambda f: _depth(f.level)):
        assert feature.geometry is not None  # a feature without one is an error, seen before
        parent_id = ids[feature.parent_code] if feature.parent_code else None
        depth = _depth(feature.level)
        old = existing.get(feature.code)
        if old is None:
            created.append(
                Territory(
                    id=ids[feature.code],
                    code=feature.code,
                    name=feature.name,
                    level=feature.level,
                    depth=depth,
                    parent_id=parent_id,
                    geometry=feature.geometry,
                )
            )
            changed.append(ids[feature.code])
            continue
        moved = old.level != feature.level or not old.geometry.equals_exact(
            feature.geometry, SAME_BOUNDARY_TOLERANCE
        )
        keep_parent = not feature.parent_code  # found by containment below
        if not moved and old.name == feature.name and (keep_parent or old.parent_id == parent_id):
            result.count(_("unchanged"))
            continue
        old.name, old.level, old.depth = feature.name, feature.level, depth
        old.geometry = feature.geometry
        if not keep_parent:
            old.parent_id = parent_id
        updated.append(old)
        if moved:
            changed.append(old.pk)
    for start in range(0, len(created), BATCH):
        Territory.objects.bulk_create(created[start : start + BATCH])
        progress("writing", len(created[start : start + BATCH]))
    for start in range(0, len(updated), BATCH):
        batch = updated[start : start + BATCH]
        _update_rows(batch)
        progress("writing", len(batch))
    result.count(_("created"), len(created))
    result.count(_("updated"), len(updated))
    result.count(_("boundaries changed"), len(changed) - len(created))
    return [ids[f.code] for f in features], changed


def _update_rows(territories: list[Territory]) -> None:
    """One UPDATE … FROM (VALUES …) per batch: ``bulk_update``'s CASE per column and row
    costs seconds per thousand boundaries."""
    row = "(%s::uuid, %s, %s, %s::smallint, %s::uuid, ST_GeomFromEWKB(%s))"
    params: list[Any] = []
    for t in territories:
        assert t.geometry is not None
        params += [t.pk, t.name, t.level, t.depth, t.parent_id, bytes(t.geometry.ewkb)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE directory_territory t
            SET name = v.name, level = v.level, depth = v.depth, parent_id = v.parent_id,
                geometry = v.geometry
            FROM (VALUES {", ".join([row] * len(territories))})
                AS v(id, name, level, depth, parent_id, geometry)
            WHERE t.id = v.id
            """,  # noqa: S608  (only placeholders are formatted in)
            params,
        )


def _parents_by_containment(
    *, territory_ids: list[uuid.UUID], by_code: dict[str, SourceFeature], result: ImportResult
) -> None:
    """The parent of each is the most specific broader territory holding a point of it.

    A point on its surface, not its centroid: the centroid of a crescent-shaped comuna
    may lie in its neighbour.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE directory_territory t SET parent_id = (
                SELECT p.id FROM directory_territory p
                WHERE p.depth < t.depth
                  AND ST_Intersects(p.geometry, ST_PointOnSurface(t.geometry))
                ORDER BY p.depth DESC, p.code LIMIT 1
            )
            WHERE t.id = ANY(%s) AND t.depth > 0
            RETURNING t.code, t.parent_id
            """,
            [territory_ids],
        )
        rows = cursor.fetchall()
    orphans = sorted((code for code, parent_id in rows if parent_id is None), key=str)
    result.count(_("parents found by containment"), len(rows) - len(orphans))
    for code in orphans:
        result.warn(
            by_code[code].where, "parent", _("No broader territory contains it; it has no parent.")
        )


def _check_tree(*, result: ImportResult, by_code: dict[str, SourceFeature]) -> None:
    """A territory already on the map must stay below its parent after the levels changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.code, p.code FROM directory_territory c
            JOIN directory_territory p ON p.id = c.parent_id
            WHERE p.depth >= c.depth ORDER BY c.code
            """
        )
        for child, parent in cursor.fetchall():
            feature = by_code.get(parent) or by_code.get(child)
            result.error(
                feature.where if feature else child,
                "level",
                _("Territory %(child)s would no longer be below its parent %(parent)s.")
                % {"child": child, "parent": parent},
            )


def territory_points_reassign(
    *, table: str, point_column: str, territory_ids: Iterable[uuid.UUID]
) -> tuple[list[Any], int]:
    """Re-assign the rows of ``table`` to the most specific territory holding their point.

    Only rows that may have moved are looked at: those in a changed territory and those
    whose point lies in one. The order (deepest, then lowest code) is
    ``Territory.objects.most_specific_at``'s. A point now outside every territory keeps
    its territory and is counted. Returns (ids moved, count outside). ``table`` and
    ``point_column`` are the caller's constants, never input.
    """
    ids = list(territory_ids)
    if not ids:
        return [], 0
    point = f"s.{point_column}::geometry"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH candidate AS (
                SELECT s.id, s.territory_id AS old_id, (
                    SELECT t.id FROM directory_territory t
                    WHERE ST_Intersects(t.geometry, {point})
                    ORDER BY t.depth DESC, t.code LIMIT 1
                ) AS new_id
                FROM {table} s
                WHERE s.territory_id = ANY(%(ids)s) OR EXISTS (
                    SELECT 1 FROM directory_territory c
                    WHERE c.id = ANY(%(ids)s) AND ST_Intersects(c.geometry, {point})
                )
            ), moved AS (
                UPDATE {table} s SET territory_id = candidate.new_id FROM candidate
                WHERE s.id = candidate.id AND candidate.new_id IS NOT NULL
                  AND candidate.new_id <> candidate.old_id
                RETURNING s.id
            )
            SELECT (SELECT array_agg(id) FROM moved),
                   (SELECT count(*) FROM candidate WHERE new_id IS NULL)
            """,  # noqa: S608  (identifiers are the callers' constants)
            {"ids": ids},
        )
        moved, outside = cursor.fetchone()
    return list(moved or []), int(outside)


def _reassign(*, changed: list[uuid.UUID], actor: Any, result: ImportResult) -> None:
    moved, outside = territory_points_reassign(
        table="directory_site", point_column="point", territory_ids=changed
    )
    result.count(_("sites moved"), len(moved))
    if outside:
        result.warn(
            "",
            "geometry",
            _("%(n)s sites are now outside every territory; they keep their territory.")
            % {"n": outside},
        )
    answers: list[tuple[Any, Any]] = territories_changed.send(
        sender=Territory, territory_ids=changed, actor=actor
    )
    for _receiver, counts in answers:
        for kind, n in dict(counts or {}).items():
            result.count(str(kind), int(n))


@transaction.atomic
def _write(
    *,
    features: list[SourceFeature],
    mapping: TerritoryMapping,
    actor: Any,
    result: ImportResult,
    progress: Progress,
) -> None:
    imported, changed = _upsert(features=features, result=result, progress=progress)
    by_code = {f.code: f for f in features}
    if not mapping.parent_field:
        _parents_by_containment(territory_ids=imported, by_code=by_code, result=result)
    _check_tree(result=result, by_code=by_code)
    if result.errors:
        raise Rollback
    progress("re-assigning", 1)
    _reassign(changed=changed, actor=actor, result=result)
    if result.dry_run:
        raise Rollback


def territories_import(
    *,
    path: Path,
    mapping: TerritoryMapping,
    dry_run: bool = True,
    actor: Any = None,
    progress: Progress = progress_none,
) -> ImportResult:
    """Import the boundaries in ``path``; nothing is kept on a dry run or on any error."""
    result = ImportResult(dry_run=dry_run)
    features: list[SourceFeature] = []
    with territory_source_open(path=Path(path), result=result) as source:
        layer = (
            territory_source_layer(source=source, mapping=mapping, result=result)
            if source is not None
            else None
        )
        if layer is not None:
            features = territory_features_read(
                layer=layer, mapping=mapping, result=result, progress=progress
            )
    if not features and result.ok:
        result.error("", "", _("The file holds no features."))
    _check(features=features, result=result)
    if result.errors:
        return result
    result.count(_("features"), len(features))
    with contextlib.suppress(Rollback):
        _write(features=features, mapping=mapping, actor=actor, result=result, progress=progress)
    return result
