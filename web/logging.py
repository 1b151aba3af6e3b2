"""How the web and the workers log: one clock, and refusals without tracebacks."""

from __future__ import annotations

import logging
import time


class UtcFormatter(logging.Formatter):
    """Timestamps in UTC, marked as such, for web, worker and beat alike.

    Django sets the process's local time zone to ``TIME_ZONE`` while Celery's own
    formatter used the host's: lines from the two disagreed by hours. One clock, said
    in the line itself, lets a log be read across processes and servers.
    """

    converter = staticmethod(time.gmtime)
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


class RefusalWithoutTraceback(logging.Filter):
    """A 4xx that ``django.request`` logs keeps its line but drops the traceback.

    A refused request (403, 404) is the application working, not an error; the
    traceback of the ``PermissionDenied`` behind it filled the log and could hide a
    real failure. 5xx keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
