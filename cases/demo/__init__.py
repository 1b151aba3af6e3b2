"""The cases app's part of the demo: its own records only (cases, needs, consents, alerts).

* ``records``: the demo caseworker's cases, one at a time through ``cases.services``
  (``CaseDrawer``), and the closing of those whose plan is done.
* ``bulk``: a million cases in plain SQL for the benchmarks (``CasesBulk``).

``demo/`` composes them with the other apps' loaders in the order of a case's path;
this package imports nothing above ``cases``.
"""

from cases.demo.bulk import BULK_KEEP_INDEXES, BULK_TABLES, BulkRun, CasesBulk
from cases.demo.records import (
    CaseDrawer,
    DemoActors,
    DrawnCase,
    ago,
    case_maybe_close,
    demo_actors,
    weighted,
)

__all__ = [
    "BULK_KEEP_INDEXES",
    "BULK_TABLES",
    "BulkRun",
    "CaseDrawer",
    "CasesBulk",
    "DemoActors",
    "DrawnCase",
    "ago",
    "case_maybe_close",
    "demo_actors",
    "weighted",
]
