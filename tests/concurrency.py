"""Two (or more) writers at the same moment, as two web workers would be.

Each thread has its own PostgreSQL connection and transaction; a barrier makes them
ask at once. Tests using it need ``django_db(transaction=True)``: the threads must see
the rows the test committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def at_once(call: Callable[[], Any], times: int = 2) -> list[Any]:
    """``call``'s results, each from its own thread and connection, started together."""
    barrier = threading.Barrier(times)

    def run(_: int) -> Any:
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))
