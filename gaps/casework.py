"""The case file's indicators of a period, computed in the database (raw, not suppressed).

What each measures (also in the README, beside the management report):

* **report → admissibility**: days from ``Case.requested_at`` (the report; a case made from
  a report carries its time there) to the case's first *admitted* decision, over the cases
  whose first admitted decision was taken in the period.
* **report → first service**: days from ``Case.requested_at`` to the first time the child
  started a service, the earliest of an enrolment's ``started_at`` (waitlists) and a
  referral's move to ``in_service`` (matching's event history), over the cases whose first
  service started in the period.
* **case duration**: days from the case's opening (``Case.created``, or its latest
  reopening before the closure) to its closure, over the closures in the period, leaving
  out closures as "not admitted" (they never were an intervention; they count among the
  closure reasons).
* **closure reasons**: closures in the period by reason.
* **re-entry within 12 months**: of the closures in the *cohort*, the period moved back a
  year (so that every closure had its 12 months to come back by the period's end), the
  ones reopened within 12 months, "not admitted" left out.
* **follow-ups on time**: follow-ups due in the period, whose due day has passed or that
  were made, done on or before their due day.

A closure is either the current one of a closed case (``Case.closed_at``,
``close_reason``) or one undone by a reopening (``CaseReopening.previous_closed_at``,
``previous_reason``): each closure counted once, whether it was made through the closing
pages, the admissibility decision, an import or the demo generator.

Each figure is computed network-wide, per territory (the case's, the most specific) and
per team (the case's owning organization) in one statement per indicator, with
``GROUPING SETS`` and ``percentile_cont``: nothing is read row by row into Python, so the
same statements run on a million cases. Every group carries ``cases``, the distinct cases
its figures come from, so that the selectors can withhold what comes from fewer than 5.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

#: Closures as "not admitted" are the admissibility's, not an intervention's.
NOT_ADMITTED = "not_admitted"
IN_SERVICE = "in_service"
#: Which grouping set a row is (``GROUPING(territory_id, organization_id)``).
_NETWORK, _TERRITORY, _TEAM = 3, 1, 2

_GROUPS = "GROUP BY GROUPING SETS ((), (c.territory_id), (c.organization_id))"
_GROUP_COLUMNS = "GROUPING(c.territory_id, c.organization_id), c.territory_id, c.organization_id"

_ADMISSIBILITY_SQL = """
WITH firsts AS (
    SELECT d.case_id, min(d.decided_at) AS at
    FROM {decision} d
    WHERE d.outcome = 'admitted' AND d.decided_at >= %(start)s AND d.decided_at < %(end)s
      AND NOT EXISTS (
          SELECT 1 FROM {decision} e
          WHERE e.case_id = d.case_id AND e.outcome = 'admitted' AND e.decided_at < %(start)s
      )
    GROUP BY d.case_id
)
SELECT {columns}, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.days), avg(x.days)
FROM firsts f
JOIN {case} c ON c.id = f.case_id
CROSS JOIN LATERAL (
    SELECT greatest(extract(epoch FROM f.at - c.requested_at)::float8, 0) / 86400.0 AS days
) x
{groups}
"""

# Candidates are the cases with a start in the period; the NOT EXISTS probes (by the case's
# indexes) drop those that had started a service before it.
_FIRST_SERVICE_SQL = """
WITH starts AS (
    SELECT e.case_id, e.started_at AS at FROM {enrolment} e
    WHERE e.started_at >= %(start)s AND e.started_at < %(end)s
    UNION ALL
    SELECT r.case_id, ev.at FROM {event} ev JOIN {referral} r ON r.id = ev.referral_id
    WHERE ev.to_status = %(in_service)s AND ev.at >= %(start)s AND ev.at < %(end)s
), firsts AS (
    SELECT s.case_id, min(s.at) AS at FROM starts s GROUP BY s.case_id
)
SELECT {columns}, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.days), avg(x.days)
FROM firsts f
JOIN {case} c ON c.id = f.case_id
CROSS JOIN LATERAL (
    SELECT greatest(extract(epoch FROM f.at - c.requested_at)::float8, 0) / 86400.0 AS days
) x
WHERE NOT EXISTS (
    SELECT 1 FROM {enrolment} e WHERE e.case_id = f.case_id AND e.started_at < %(start)s
) AND NOT EXISTS (
    SELECT 1 FROM {event} ev JOIN {referral} r ON r.id = ev.referral_id
    WHERE r.case_id = f.case_id AND ev.to_status = %(in_service)s AND ev.at < %(start)s
)
{groups}
"""

# Every closure of a period once: the current closure of a closed case, or one a reopening
# undid (which kept its time and reason). ``reopened_at`` is when it was undone.
_CLOSURES = """closures AS (
    SELECT c.id AS case_id, c.closed_at AS closed_at, c.close_reason AS reason,
           NULL::timestamptz AS reopened_at
    FROM {case} c
    WHERE c.status = 'closed' AND c.closed_at >= %(start)s AND c.closed_at < %(end)s
    UNION ALL
    SELECT o.case_id, o.previous_closed_at, o.previous_reason, o.reopened_at
    FROM {reopening} o
    WHERE o.previous_closed_at >= %(start)s AND o.previous_closed_at < %(end)s
)
"""

_DURATION_SQL = """
WITH {closures}
SELECT {columns}, count(DISTINCT k.case_id), count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.days), avg(x.days)
FROM closures k
JOIN {case} c ON c.id = k.case_id
CROSS JOIN LATERAL (
    SELECT greatest(extract(epoch FROM k.closed_at - coalesce(
        (SELECT max(o.reopened_at) FROM {reopening} o
         WHERE o.case_id = k.case_id AND o.reopened_at < k.closed_at),
        c.created
    ))::float8, 0) / 86400.0 AS days
) x
WHERE k.reason <> %(not_admitted)s
{groups}
"""

_REASONS_SQL = """
WITH {closures}
SELECT GROUPING(c.territory_id, c.organization_id), c.territory_id, c.organization_id,
       k.reason, count(DISTINCT k.case_id), count(*)
FROM closures k
JOIN {case} c ON c.id = k.case_id
GROUP BY GROUPING SETS ((k.reason), (k.reason, c.territory_id), (k.reason, c.organization_id))
"""

_REENTRY_SQL = """
WITH {closures}
SELECT {columns}, count(DISTINCT k.case_id), count(*),
       count(*) FILTER (
           WHERE k.reopened_at IS NOT NULL AND k.reopened_at <= k.closed_at + interval '12 months'
       )
FROM closures k
JOIN {case} c ON c.id = k.case_id
WHERE k.reason <> %(not_admitted)s
{groups}
"""

# A contact not made whose due day is today or later is not late yet: it is left out.
_FOLLOW_UP_SQL = """
SELECT {columns}, count(DISTINCT f.case_id), count(*),
       count(*) FILTER (WHERE f.done_on IS NOT NULL AND f.done_on <= f.due_on),
       count(*) FILTER (WHERE f.done_on > f.due_on),
       count(*) FILTER (WHERE f.done_on IS NULL)
FROM {follow_up} f
JOIN {case} c ON c.id = f.case_id
WHERE f.due_on >= %(first_day)s AND f.due_on <= %(last_day)s
  AND (f.done_on IS NOT NULL OR f.due_on < %(today)s)
{groups}
"""


def casework_cohort(*, start: date, end: date) -> tuple[date, date]:
    """The re-entry cohort of a period: the same days a year earlier (29 February: the 28th)."""

    def earlier(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return earlier(start), earlier(end)


def _tables() -> dict[str, str]:
    from cases.models import AdmissibilityDecision, Case, CaseReopening, FollowUp
    from matching.models import Referral, ReferralEvent
    from waitlists.models import Enrolment

    return {
        "case": Case._meta.db_table,
        "decision": AdmissibilityDecision._meta.db_table,
        "reopening": CaseReopening._meta.db_table,
        "follow_up": FollowUp._meta.db_table,
        "referral": Referral._meta.db_table,
        "event": ReferralEvent._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
    }


def _check_names() -> None:
    # Fail here, not as silently empty figures, if a value the statements name is renamed.
    from cases.models import Admissibility, CaseCloseReason, CaseStatus
    from matching.models import ReferralStatus

    if (
        IN_SERVICE not in ReferralStatus.values
        or NOT_ADMITTED not in CaseCloseReason.values
        or "admitted" not in Admissibility.values
        or "closed" not in CaseStatus.values
    ):
        raise RuntimeError("gaps.casework names a status the case file no longer has")


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    # Table names from the models, values as parameters: nothing of a request reaches the text.
    statement = sql.replace("{closures}", _CLOSURES).format(
        **_tables(), columns=_GROUP_COLUMNS, groups=_GROUPS
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def _empty() -> dict[str, Any]:
    return {"network": {}, "territories": {}, "teams": {}}


def _put(result: dict[str, Any], row: tuple[Any, ...], figures: dict[str, Any]) -> None:
    grouping, territory, team = row[0], row[1], row[2]
    if grouping == _NETWORK:
        target = result["network"]
    elif grouping == _TERRITORY:
        target = result["territories"].setdefault(str(territory), {})
    elif grouping == _TEAM:
        target = result["teams"].setdefault(str(team), {})
    else:  # pragma: no cover - the three grouping sets are the only ones asked for
        return
    target.update(figures)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def casework_indicators_for_period(
    *,
    start: datetime,
    end: datetime,
    cohort_start: datetime,
    cohort_end: datetime,
    first_day: date,
    last_day: date,
    today: date,
) -> dict[str, Any]:
    """The figures of ``[start, end)`` as JSON-ready dicts (territory and team ids as text).

    ``cohort_start``/``cohort_end`` bound the re-entry cohort's closures; ``first_day`` and
    ``last_day`` are the period's days (follow-ups are due on days); a follow-up not made
    counts once its due day is before ``today``.

    Returns ``{"network": {...}, "territories": {id: {...}}, "teams": {id: {...}}}``, each
    group with the keys of the indicators that have cases there: ``admissibility_cases``,
    ``admissibility_median_days``, ``admissibility_mean_days``, ``service_*`` likewise,
    ``duration_cases``, ``duration_closures``, ``duration_median_days``,
    ``duration_mean_days``, ``reasons`` ({reason: {"cases", "closures"}}),
    ``reentry_cases``, ``reentry_closures``, ``reentered``, ``follow_up_cases``,
    ``follow_ups_due``, ``follow_ups_on_time``, ``follow_ups_late``,
    ``follow_ups_not_done``.

    Raises:
        ValueError: a bound is naive, or a period is empty.
    """
    for name, moment in (
        ("start", start),
        ("end", end),
        ("cohort_start", cohort_start),
        ("cohort_end", cohort_end),
    ):
        if moment.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    if start >= end or cohort_start >= cohort_end:
        raise ValueError("a period must end after it starts")
    _check_names()
    result = _empty()
    period = {"start": start, "end": end, "not_admitted": NOT_ADMITTED, "in_service": IN_SERVICE}
    for row in _rows(_ADMISSIBILITY_SQL, period):
        _put(
            result,
            row,
            {
                "admissibility_cases": int(row[3]),
                "admissibility_median_days": _float(row[4]),
                "admissibility_mean_days": _float(row[5]),
            },
        )
    for row in _rows(_FIRST_SERVICE_SQL, period):
        _put(
            result,
            row,
            {
                "service_cases": int(row[3]),
                "service_median_days": _float(row[4]),
                "service_mean_days": _float(row[5]),
            },
        )
    for row in _rows(_DURATION_SQL, period):
        _put(
            result,
            row,
            {
                "duration_cases": int(row[3]),
                "duration_closures": int(row[4]),
                "duration_median_days": _float(row[5]),
                "duration_mean_days": _float(row[6]),
            },
        )
    for row in _rows(_REASONS_SQL, period):
        _put(result, row, {})
        reasons = _group_of(result, row).setdefault("reasons", {})
        reasons[str(row[3])] = {"cases": int(row[4]), "closures": int(row[5])}
    cohort = {**period, "start": cohort_start, "end": cohort_end}
    for row in _rows(_REENTRY_SQL, cohort):
        _put(
            result,
            row,
            {
                "reentry_cases": int(row[3]),
                "reentry_closures": int(row[4]),
                "reentered": int(row[5]),
            },
        )
    days = {"first_day": first_day, "last_day": last_day, "today": today}
    for row in _rows(_FOLLOW_UP_SQL, days):
        _put(
            result,
            row,
            {
                "follow_up_cases": int(row[3]),
                "follow_ups_due": int(row[4]),
                "follow_ups_on_time": int(row[5]),
                "follow_ups_late": int(row[6]),
                "follow_ups_not_done": int(row[7]),
            },
        )
    return result


def _group_of(result: dict[str, Any], row: tuple[Any, ...]) -> dict[str, Any]:
    grouping, territory, team = row[0], row[1], row[2]
    if grouping == _TERRITORY:
        group: dict[str, Any] = result["territories"][str(territory)]
        return group
    if grouping == _TEAM:
        group = result["teams"][str(team)]
        return group
    network: dict[str, Any] = result["network"]
    return network
