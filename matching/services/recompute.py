"""The unified priority of open cases, scored in bulk and stored where it changed.

The inputs travel from PostgreSQL as binary COPY into NumPy, ``matching.priority``
scores whole columns at once, and only the cases whose stored priority differs are
written back, chunk by chunk, on several connections when that is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone
from numpy.typing import NDArray

from cases.models import RISK_BANDS, Case
from matching.models import PriorityPolicy
from matching.priority import COMPONENTS, PriorityInputs, PriorityResult, priority_compute
from matching.services.policy import policy_ensure_current

# Every input of the score, read in one statement so a case's score and the nightly
# job's come from the same query, followed by what is stored now, so unchanged cases
# are recognised here and never sent back. Aggregates are joined rather than
# correlated: at a million cases a hash join over each table beats a million index
# probes. Every column is fixed-width and never NULL: the rows travel as binary COPY
# and are read with one ``np.frombuffer`` per chunk (_INPUT_COLUMNS gives the layout).
_INPUTS_SQL = """
SELECT c.id,
       c.urgent_safety,
       COALESCE(array_position(%(bands)s::text[], c.risk_level::text) - 1, 0)::int4,
       (EXTRACT(EPOCH FROM (%(now)s - c.requested_at)) / 86400.0)::float8,
       date_part('year', age(%(today)s::date, c.birth_date))::int4,
       COALESCE(a.active, 0)::int4,
       COALESCE(cardinality(c.vulnerability_factors), 0)::int4,
       (COALESCE(r.overdue_s, 0) / 86400.0)::float8,
       c.priority_score::int4,
       COALESCE(c.priority_policy_id, 0)::int8,
       c.multiple_alerts,
       {stored}
FROM matching_case c
LEFT JOIN (
    SELECT case_id, count(*) AS active FROM matching_alert
    WHERE status <> 'closed' AND created >= %(alerts_since)s {alert_filter}
    GROUP BY case_id
) a ON a.case_id = c.id
LEFT JOIN (
    SELECT case_id, max(EXTRACT(EPOCH FROM (%(now)s - response_due))) AS overdue_s
    FROM matching_referral
    WHERE status = 'sent' AND response_due < %(now)s {referral_filter}
    GROUP BY case_id
) r ON r.case_id = c.id
WHERE c.status = 'open' {case_filter}
"""

# (name, numpy type) per column of _INPUTS_SQL, big-endian as COPY sends them; the
# stored components follow as [points, detail] per code, -1 where none is stored.
_INPUT_COLUMNS: list[tuple[str, str]] = [
    ("id", "V16"),
    ("urgent", "?"),
    ("band", ">i4"),
    ("waiting_days", ">f8"),
    ("age_years", ">i4"),
    ("alerts", ">i4"),
    ("factors", ">i4"),
    ("overdue_days", ">f8"),
    ("stored_score", ">i4"),
    ("stored_policy", ">i8"),
    ("stored_multiple", "?"),
    *[(f"stored_{code}_{i}", ">i4") for code in COMPONENTS for i in (0, 1)],
]
_INPUT_ROW = np.dtype(
    [("fields", ">i2")]
    + [item for name, kind in _INPUT_COLUMNS for item in ((f"{name}_len", ">i4"), (name, kind))]
)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _inputs_sql(**filters: str) -> str:
    stored = ",\n       ".join(
        f"COALESCE((c.priority_components->'{code}'->{i})::int4, -1)"
        for code in COMPONENTS
        for i in (0, 1)
    )
    return _INPUTS_SQL.format(stored=stored, **filters)


def _input_rows(buffer: bytearray) -> NDArray[np.void]:
    """The whole rows at the start of ``buffer`` (removed from it), checked field by field."""
    count = len(buffer) // _INPUT_ROW.itemsize
    rows = np.frombuffer(bytes(buffer[: count * _INPUT_ROW.itemsize]), dtype=_INPUT_ROW)
    del buffer[: count * _INPUT_ROW.itemsize]
    # A NULL (-1) or another width would shift every later row: refuse rather than misread.
    if count and not np.all(rows["fields"] == len(_INPUT_COLUMNS)):
        raise RuntimeError("unexpected binary COPY layout: field count")
    for name, kind in _INPUT_COLUMNS:
        if count and not np.all(rows[f"{name}_len"] == np.dtype(kind).itemsize):
            raise RuntimeError(f"unexpected binary COPY layout in {name}")
    return rows


_UPDATE_SQL = """
UPDATE matching_case c SET
    priority_score = v.score,
    priority_policy_id = %(policy)s,
    priority_computed_at = %(now)s,
    multiple_alerts = v.alerts >= %(threshold)s,
    priority_components = jsonb_build_object({components})
FROM (SELECT * FROM unnest(%(ids)b::uuid[], %(scores)b::int[], %(alerts)b::int[], {arrays})
      AS t(id, score, alerts, {names})) v
-- The ids again as an index condition: without it the planner hash-joins each chunk
-- against every case and spills to disk.
WHERE c.id = ANY(%(ids)b::uuid[]) AND c.id = v.id AND (
    c.priority_score IS DISTINCT FROM v.score
    OR c.priority_policy_id IS DISTINCT FROM %(policy)s
    OR c.multiple_alerts IS DISTINCT FROM (v.alerts >= %(threshold)s)
    OR c.priority_components IS DISTINCT FROM jsonb_build_object({components}))
"""


def _update_sql() -> str:
    names = [f"{c}_{kind}" for c in COMPONENTS for kind in ("p", "d")]
    arrays = ", ".join(f"%({n})b::int[]" for n in names)
    components = ", ".join(f"'{c}', jsonb_build_array(v.{c}_p, v.{c}_d)" for c in COMPONENTS)
    return _UPDATE_SQL.format(arrays=arrays, names=", ".join(names), components=components)


@dataclass(frozen=True)
class _Changed:
    """The cases of one chunk whose stored priority differs, with what to store."""

    ids: NDArray[np.void]
    alerts: NDArray[np.int64]
    result: PriorityResult


def _changed_rows(*, rows: NDArray[np.void], policy: PriorityPolicy) -> _Changed:
    """Score ``rows``; keep those whose stored score, policy, flag or components differ."""
    result = priority_compute(
        inputs=PriorityInputs(
            urgent=rows["urgent"].astype(bool),
            band=rows["band"].astype(np.int64),
            waiting_days=rows["waiting_days"].astype(np.float64),
            age_years=rows["age_years"].astype(np.int64),
            active_alerts=rows["alerts"].astype(np.int64),
            vulnerability_count=rows["factors"].astype(np.int64),
            overdue_days=rows["overdue_days"].astype(np.float64),
        ),
        policy=policy,
    )
    changed = (
        (rows["stored_score"] != result.score)
        | (rows["stored_policy"] != policy.pk)
        | (rows["stored_multiple"] != (rows["alerts"] >= policy.multiple_alert_threshold))
    )
    for code in COMPONENTS:
        changed |= rows[f"stored_{code}_0"] != result.points[code]
        changed |= rows[f"stored_{code}_1"] != result.details[code]
    keep = np.flatnonzero(changed)
    # Copies of the kept columns only: the wide COPY rows of a chunk can go.
    return _Changed(
        ids=rows["id"][keep].copy(),
        alerts=rows["alerts"][keep].astype(np.int64),
        result=PriorityResult(
            score=result.score[keep],
            points={code: points[keep] for code, points in result.points.items()},
            details={code: details[keep] for code, details in result.details.items()},
        ),
    )


def priority_recompute(
    *,
    case_ids: Sequence[UUID] | None = None,
    policy: PriorityPolicy | None = None,
    now: datetime | None = None,
    chunk_size: int = 100_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score the open cases (all, or ``case_ids``) and store what changed.

    Returns how many open cases were scored. Only cases whose stored priority differs
    are written; each chunk of them commits on its own: a million-case run must not
    hold one transaction (and its locks) for a minute.
    """
    policy = policy or policy_ensure_current()
    now = now or timezone.now()
    params: dict[str, Any] = {
        "now": now,
        "today": timezone.localdate(now),
        "alerts_since": now - timedelta(days=policy.alert_window_days),
        "bands": list(RISK_BANDS),
    }
    filters = {"alert_filter": "", "referral_filter": "", "case_filter": ""}
    if case_ids is not None:
        params["ids"] = list(case_ids)
        filters = {
            "alert_filter": "AND case_id = ANY(%(ids)s)",
            "referral_filter": "AND case_id = ANY(%(ids)s)",
            "case_filter": "AND c.id = ANY(%(ids)s)",
        }
    scored = 0
    changed: list[_Changed] = []
    buffer = bytearray()
    header_read = False

    def score(rows: NDArray[np.void]) -> None:
        nonlocal scored
        changed.append(_changed_rows(rows=rows, policy=policy))
        scored += len(rows)
        if progress:
            progress(len(rows))

    with connection.cursor() as cursor:
        # Django's wrapper hands attribute access to the psycopg 3 cursor, which has copy().
        statement = f"COPY ({_inputs_sql(**filters)}) TO STDOUT (FORMAT BINARY)"
        with cursor.cursor.copy(statement, params) as copy:
            for data in copy:
                buffer += data
                if not header_read and len(buffer) >= 19:
                    if buffer[: len(_COPY_SIGNATURE)] != _COPY_SIGNATURE:
                        raise RuntimeError("not a PostgreSQL binary COPY stream")
                    del buffer[: 19 + int.from_bytes(buffer[15:19], "big")]
                    header_read = True
                if header_read and len(buffer) >= chunk_size * _INPUT_ROW.itemsize:
                    score(_input_rows(buffer))
    if not header_read or buffer[-2:] != b"\xff\xff":
        raise RuntimeError("binary COPY stream without its header or trailer")
    del buffer[-2:]
    score(_input_rows(buffer))
    if buffer:
        raise RuntimeError("binary COPY rows are not the expected fixed width")

    _priority_write(
        batches=_priority_batches(changed=changed, policy=policy, now=now, chunk_size=chunk_size)
    )
    return scored


def _priority_batches(
    *, changed: list[_Changed], policy: PriorityPolicy, now: datetime, chunk_size: int
) -> Iterator[dict[str, Any]]:
    """The UPDATE's parameters, one chunk at a time (a million rows of lists at once
    would hold gigabytes of Python objects)."""
    for chunk in changed:
        result = chunk.result
        for start in range(0, len(chunk.ids), chunk_size):
            part = slice(start, start + chunk_size)
            values: dict[str, Any] = {
                "ids": [UUID(bytes=raw.tobytes()) for raw in chunk.ids[part]],
                "scores": result.score[part].tolist(),
                "alerts": chunk.alerts[part].tolist(),
                "policy": policy.pk,
                "now": now,
                "threshold": policy.multiple_alert_threshold,
            }
            for code in COMPONENTS:
                values[f"{code}_p"] = result.points[code][part].tolist()
                values[f"{code}_d"] = result.details[code][part].tolist()
            yield values


def _priority_write(*, batches: Iterable[dict[str, Any]]) -> None:
    """Store the changed priorities, on several connections when it is safe.

    A full rewrite is bound by PostgreSQL updating every row's indexes, one core per
    backend: separate connections let every core work (disjoint ids, so no lock waits).
    Only outside a transaction, where the cases this run read are committed for others
    to see; inside one (a case saved and rescored together) this connection writes.
    psycopg's own cursor binds the arrays on the server, in binary: Django's cursor
    quotes them into the SQL text, megabytes per chunk for the server to parse.
    """
    update_sql = _update_sql()
    writers = settings.MATCHING_PRIORITY_WRITERS
    if connection.in_atomic_block or writers <= 1:
        for values in batches:
            with psycopg.Cursor(connection.connection) as writer:
                writer.execute(update_sql, values)
        return

    params = connection.get_connection_params()

    def write(values: dict[str, Any]) -> None:
        own = connection.get_new_connection(params)
        try:
            own.autocommit = True
            with psycopg.Cursor(own) as writer:
                writer.execute(update_sql, values)
        finally:
            own.close()

    with ThreadPoolExecutor(max_workers=writers) as pool:
        pending: set[Future[None]] = set()
        for values in batches:
            if len(pending) >= writers:  # at most one batch waiting per writer
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
            pending.add(pool.submit(write, values))
        for future in pending:
            future.result()


def case_priority_refresh(*, case: Case) -> Case:
    priority_recompute(case_ids=[case.pk])
    case.refresh_from_db(
        fields=[
            "priority_score",
            "priority_components",
            "priority_policy",
            "priority_computed_at",
            "multiple_alerts",
        ]
    )
    return case
