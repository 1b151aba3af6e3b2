"""A million cases for the benchmarks, composed from the apps' bulk loaders.

``cases_bulk_generate`` writes plain SQL (INSERT … SELECT over generate_series): a
million cases with needs, consents, alerts (``cases.demo.bulk``) and a history of
referrals (``matching.demo.bulk``) in about two minutes on two cores. It bypasses
the services on purpose (no events, no notifications) and, in one transaction,
drops the written tables' secondary indexes and foreign keys for the load and
rebuilds them after it: one index build or one validating join is far cheaper than a
million single-row insertions and checks (PostgreSQL manual, "Populating a
Database", §14.4.3 and §14.4.4).
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from cases.demo import BULK_KEEP_INDEXES, CasesBulk
from cases.demo import BULK_TABLES as CASE_TABLES
from directory.demo import Progress
from matching.demo import BULK_TABLES as REFERRAL_TABLES
from matching.demo import ReferralsBulk

logger = logging.getLogger(__name__)

# Written by the bulk generator, in the order of a case's path.
_BULK_TABLES = (*CASE_TABLES, *REFERRAL_TABLES)


def _bulk_secondary_structures(
    cursor: Any,
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(index, CREATE INDEX …) and (table, constraint, definition) to drop and rebuild."""
    cursor.execute(
        """
        SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT i.indisprimary AND NOT i.indisunique
        GROUP BY t.relname, i.indexrelid
        ORDER BY t.relname, i.indexrelid::regclass::text
        """,
        [list(_BULK_TABLES)],
    )
    indexes = [
        (name, definition)
        for table, name, definition, columns in cursor.fetchall()
        if not (len(columns) == 1 and (table, columns[0]) in BULK_KEEP_INDEXES)
    ]
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s)
          AND t.relnamespace = 'public'::regnamespace
        ORDER BY t.relname, c.conname
        """,
        [list(_BULK_TABLES)],
    )
    return indexes, list(cursor.fetchall())


def cases_bulk_generate(
    *,
    count: int,
    seed: int,
    referrals: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = 100_000,
) -> int:
    """Insert ``count`` cases (and their needs, consents, alerts and past referrals).

    For benchmarks: plain SQL, no events, no notifications, no priorities (run
    ``priority_recompute`` afterwards). ``referrals`` defaults to 0.3 per case.
    Homes are ``ST_GeneratePoints`` inside the leaf territories, in proportion to
    their child population. Deterministic for a seed except for the row ids.
    Returns the number of cases inserted.

    One transaction, in which the tables' secondary indexes and foreign keys are
    dropped and rebuilt (see ``_BULK_TABLES``): it locks those tables until it
    commits, so run it on a benchmark database, not on one people are using.
    """
    if count <= 0:
        return 0
    referral_total = round(0.3 * count) if referrals is None else referrals
    report = progress or (lambda label, amount: None)
    rng = random.Random(seed)
    cases = CasesBulk.prepare(count=count, rng=rng)
    referrals_bulk = ReferralsBulk.prepare(total=referral_total)
    now = timezone.now()
    spent: dict[str, float] = defaultdict(float)

    def run(cursor: Any, label: str, sql: str, params: Any = None) -> int:
        started = time.perf_counter()
        cursor.execute(sql, params)
        spent[label] += time.perf_counter() - started
        return int(cursor.rowcount)

    with transaction.atomic(), connection.cursor() as cursor:
        # One session, no parallel workers: random() then runs in one sequence, so
        # the data are the same for the same seed.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # These statements cost past the JIT thresholds, and compiling them took longer
        # (2.6 s per referral batch) than running them.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT setseed(%s)", [(seed % 2_000_000) / 1_000_000 - 1])
        # Locks the tables until commit: this is for a benchmark database, not a live one.
        # Deferred checks still queued (rows this transaction wrote before) run now: a
        # table with pending trigger events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes, foreign_keys = _bulk_secondary_structures(cursor)
        for name, _definition in indexes:
            run(cursor, "drop", f"DROP INDEX {name}")
        for table, constraint, _definition in foreign_keys:
            run(cursor, "drop", f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        common: dict[str, Any] = {
            "now": now,
            "today": timezone.localdate(now),
            "caseworker": cases.actor.pk,
        }
        inserted = cases.load(
            cursor=cursor, run=run, report=report, common=common, chunk_size=chunk_size
        )
        referrals_bulk.load(
            cursor=cursor, run=run, report=report, common=common, chunk_size=chunk_size
        )
        for _name, definition in indexes:
            run(cursor, "indexes", definition)
            report("indexes", 1)
        for table, constraint, definition in foreign_keys:
            run(
                cursor,
                "foreign keys",
                f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}',
            )
            report("foreign keys", 1)
        # Back to Django's default for the rest of the caller's transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        started = time.perf_counter()
    spent["commit"] += time.perf_counter() - started
    with connection.cursor() as cursor:
        # Fresh statistics: the options and priority queries are planned on them.
        for table in _BULK_TABLES:
            run(cursor, "analyze", f"ANALYZE {table}")
    logger.info(
        "bulk cases: %s",
        ", ".join(f"{label} {seconds:.1f} s" for label, seconds in spent.items()),
    )
    return inserted
