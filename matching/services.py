"""Writes on cases, alerts, the priority policy and referrals. Each checks its actor."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from accounts.models import Role, User
from accounts.selectors import user_is_coordinator
from cases.models import RISK_BANDS, Case, CaseNeed, CaseStatus, ConsentScope, NeedStatus
from cases.selectors import case_can_work, case_consent_for
from cases.services import case_team_notify, case_team_require
from directory.models import Service, ServiceAtSite, ServiceStatus
from matching.models import PriorityPolicy, Referral, ReferralEvent, ReferralStatus
from matching.priority import COMPONENTS, PriorityInputs, PriorityResult, priority_compute
from matching.selectors import (
    policy_current,
    provider_organization_ids,
    referral_active_for_case_and_service,
)
from notifications.services import notification_send

logger = logging.getLogger(__name__)

PRIORITY_RECOMPUTE_ALL_TASK = "matching.tasks.priority_recompute_all_task"

# --- guards ------------------------------------------------------------------------


def _require_provider_of(*, actor: User, referral: Referral) -> None:
    if referral.service.organization_id not in provider_organization_ids(user=actor):
        raise PermissionDenied(
            _("Only staff of the receiving service's organization can answer this referral.")
        )


# --- the policy and the scores ---------------------------------------------------------

POLICY_FIELDS = [
    f.name
    for f in PriorityPolicy._meta.get_fields()
    if f.concrete and f.name not in {"id", "version", "created", "created_by", "change_note"}
]


@transaction.atomic
def policy_publish(*, actor: User, change_note: str, **fields: Any) -> PriorityPolicy:
    """Publish the next version of the policy: the current one with ``fields`` changed.

    The old version stays as it was: scores computed under it keep naming it.
    """
    if not user_is_coordinator(user=actor):
        raise PermissionDenied(_("Only local coordinators can change the prioritization."))
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown policy setting.") for name in unknown})
    if not change_note.strip():
        raise ValidationError({"change_note": _("Say what changed and why.")})
    # Lock the latest row so two coordinators publishing at once get 2 and 3, not 2 twice.
    current = PriorityPolicy.objects.select_for_update().order_by("-version").first()
    values = {name: getattr(current, name) for name in POLICY_FIELDS} if current else {}
    values.update(fields)
    policy = PriorityPolicy(
        version=(current.version + 1) if current else 1,
        created_by=actor,
        change_note=change_note,
        **values,
    )
    policy.full_clean(exclude=["version"])
    policy.save()
    transaction.on_commit(_recompute_later)
    return policy


def _recompute_later() -> None:
    # By name, not by import: matching.tasks imports this module, and a worker (or the
    # eager test app) has the task registered from MatchingConfig.ready().
    current_app.signature(PRIORITY_RECOMPUTE_ALL_TASK).delay()


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
    policy = policy or policy_current()
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


# --- referrals -------------------------------------------------------------------------

CASE_TEAM, PROVIDER, SYSTEM = "case_team", "provider", "system"

# (from, to) → who may make the move. Anything absent is illegal.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (ReferralStatus.DRAFT, ReferralStatus.SENT): frozenset({CASE_TEAM}),
    (ReferralStatus.DRAFT, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.SENT, ReferralStatus.ACCEPTED): frozenset({PROVIDER}),
    (ReferralStatus.SENT, ReferralStatus.REJECTED): frozenset({PROVIDER}),
    (ReferralStatus.SENT, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.SENT, ReferralStatus.EXPIRED): frozenset({SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.WAITING): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.NO_SHOW): frozenset({PROVIDER}),
    (ReferralStatus.ACCEPTED, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM}),
    (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE): frozenset({PROVIDER, SYSTEM}),
    (ReferralStatus.WAITING, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM, SYSTEM}),
    (ReferralStatus.WAITING, ReferralStatus.EXPIRED): frozenset({SYSTEM}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.COMPLETED): frozenset({PROVIDER}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.NO_SHOW): frozenset({PROVIDER}),
    (ReferralStatus.IN_SERVICE, ReferralStatus.WITHDRAWN): frozenset({CASE_TEAM, PROVIDER}),
}


# Moves that take a slot or a place in a queue: only the waitlists app makes them,
# after locking the site's row, so a referral never shows "in service" without a slot.
SLOT_MOVES = frozenset(
    {
        (ReferralStatus.ACCEPTED, ReferralStatus.WAITING),
        (ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE),
        (ReferralStatus.WAITING, ReferralStatus.IN_SERVICE),
    }
)


def referral_allowed_moves(*, referral: Referral, side: str) -> list[str]:
    """Moves a side may make by hand (slot moves go through the waitlists app)."""
    return [
        to
        for (frm, to), sides in TRANSITIONS.items()
        if frm == referral.status and side in sides and (frm, to) not in SLOT_MOVES
    ]


def _side_of(*, actor: User | None, referral: Referral) -> set[str]:
    if actor is None:
        return {SYSTEM}
    sides: set[str] = set()
    if case_can_work(user=actor, case=referral.case):
        sides.add(CASE_TEAM)
    if referral.service.organization_id in provider_organization_ids(user=actor):
        sides.add(PROVIDER)
    return sides


@transaction.atomic
def referral_transition(
    *,
    actor: User | None,
    referral: Referral,
    to_status: str,
    note: str = "",
    rejection_reason: str = "",
    feedback: str = "",
    slot_taken: bool = False,
) -> Referral:
    """Move a referral to ``to_status`` if the move is legal and the actor's to make.

    Moves into a slot or a queue need ``slot_taken=True``: the waitlists app passes it
    once it holds the slot (or the queue entry) under the site's row lock.

    ``actor=None`` is the system (expiry, slot offers). The row is locked first: a
    provider accepting while the caseworker withdraws must not both succeed.
    """
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "service")
        .get(pk=referral.pk)
    )
    frm = referral.status
    sides = TRANSITIONS.get((frm, to_status))
    if sides is None:
        raise ValidationError(
            {
                "status": _("A referral that is “%(from)s” cannot become “%(to)s”.")
                % {
                    "from": ReferralStatus(frm).label,
                    "to": ReferralStatus(to_status).label
                    if to_status in ReferralStatus.values
                    else to_status,
                }
            }
        )
    if not (sides & _side_of(actor=actor, referral=referral)):
        raise PermissionDenied(_("You cannot make this change to this referral."))
    if (frm, to_status) in SLOT_MOVES and not slot_taken:
        raise ValidationError(
            {
                "status": _(
                    "This move takes a slot: place the child from the slots page, which "
                    "enrols or puts on the waitlist."
                )
            }
        )
    now = timezone.now()
    if to_status == ReferralStatus.REJECTED:
        if not rejection_reason:
            raise ValidationError({"rejection_reason": _("Choose why the referral is rejected.")})
        referral.rejection_reason = rejection_reason
    if to_status == ReferralStatus.COMPLETED and not feedback.strip():
        raise ValidationError(
            {"feedback": _("Tell the case team how it went (contrarreferencia).")}
        )
    if feedback:
        referral.feedback = feedback
    if frm == ReferralStatus.SENT:
        referral.responded_at = now
    if to_status in (
        ReferralStatus.COMPLETED,
        ReferralStatus.REJECTED,
        ReferralStatus.WITHDRAWN,
        ReferralStatus.NO_SHOW,
        ReferralStatus.EXPIRED,
    ):
        referral.closed_at = now
    referral.status = to_status
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, from_status=frm, to_status=to_status, actor=actor, at=now, note=note
    )
    _referral_update_need(referral=referral)
    if frm == ReferralStatus.SENT or to_status == ReferralStatus.COMPLETED:
        text = _("Referral of case %(code)s to %(service)s: %(status)s.") % {
            "code": referral.case.code,
            "service": referral.service.name,
            "status": ReferralStatus(to_status).label,
        }
        case_team_notify(case=referral.case, text=text)
    # An answer ends the overdue component of the case's score.
    if frm == ReferralStatus.SENT and referral.case.status == CaseStatus.OPEN:
        case_priority_refresh(case=referral.case)
    return referral


def _referral_update_need(*, referral: Referral) -> None:
    if referral.need_id is None:
        return
    if referral.status in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
        ReferralStatus.IN_SERVICE,
        ReferralStatus.SENT,
    ):
        CaseNeed.objects.filter(pk=referral.need_id, status=NeedStatus.OPEN).update(
            status=NeedStatus.ADDRESSED
        )
    elif referral.status == ReferralStatus.COMPLETED:
        CaseNeed.objects.filter(pk=referral.need_id).update(status=NeedStatus.MET)
    else:
        # Nothing else addresses the need: it is open again for the next referral.
        still = Referral.objects.filter(
            need_id=referral.need_id,
            status__in=[
                ReferralStatus.SENT,
                ReferralStatus.ACCEPTED,
                ReferralStatus.WAITING,
                ReferralStatus.IN_SERVICE,
            ],
        ).exists()
        if not still:
            CaseNeed.objects.filter(pk=referral.need_id, status=NeedStatus.ADDRESSED).update(
                status=NeedStatus.OPEN
            )


@transaction.atomic
def referral_create(
    *,
    actor: User,
    case: Case,
    service: Service,
    service_at_site: ServiceAtSite | None = None,
    need: CaseNeed | None = None,
    shared_note: str = "",
) -> Referral:
    """A draft referral: nothing reaches the provider until it is sent."""
    case_team_require(actor=actor, case=case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    if service.status != ServiceStatus.ACTIVE:
        raise ValidationError({"service": _("The service is not active.")})
    if service_at_site is not None and service_at_site.service_id != service.pk:
        raise ValidationError({"service_at_site": _("That site does not offer this service.")})
    if need is not None and need.case_id != case.pk:
        raise ValidationError({"need": _("That need belongs to another case.")})
    if referral_active_for_case_and_service(case=case, service_id=service.pk):
        raise ValidationError(
            {"service": _("The case already has an open referral to this service.")}
        )
    referral = Referral.objects.create(
        case=case,
        service=service,
        service_at_site=service_at_site,
        need=need,
        shared_note=shared_note,
        created_by=actor,
    )
    ReferralEvent.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.DRAFT, actor=actor
    )
    return referral


@transaction.atomic
def referral_send(
    *, actor: User, referral: Referral, consent_override_reason: str = "", note: str = ""
) -> Referral:
    """Send with recorded consent, or with a documented reason for sending without it."""
    case_team_require(actor=actor, case=referral.case)
    consent = case_consent_for(case=referral.case, scope=ConsentScope.REFERRAL)
    if consent is None and not consent_override_reason.strip():
        raise ValidationError(
            {
                "consent": _(
                    "There is no consent for referral on record. Record it, or give the "
                    "reason for referring without it."
                )
            }
        )
    policy = policy_current()
    case = referral.case
    # Urgent cases get the shortest deadline whatever their band.
    hours = policy.response_hours("very_high" if case.urgent_safety else case.risk_level)
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(
        consent=consent,
        consent_override_reason="" if consent else consent_override_reason.strip(),
        sent_at=now,
        response_due=now + timedelta(hours=hours),
    )
    if consent is None:
        # Who sent without consent, and why, is in the event and the referral itself.
        logger.warning("referral sent without consent: referral=%s", referral.pk)
    referral = referral_transition(
        actor=actor,
        referral=referral,
        to_status=ReferralStatus.SENT,
        note=note
        or (
            _("Sent without consent: %(reason)s") % {"reason": consent_override_reason.strip()}
            if consent is None
            else ""
        ),
    )
    staff = User.objects.filter(
        memberships__organization_id=referral.service.organization_id,
        memberships__role=Role.PROVIDER,
        is_active=True,
    ).distinct()
    notification_send(
        users=staff,
        text=_("New referral %(code)s to %(service)s.")
        % {"code": case.code, "service": referral.service.name},
        link=f"/prestador/derivaciones/{referral.pk}/",
    )
    return referral


@transaction.atomic
def referral_create_and_send(
    *,
    actor: User,
    case: Case,
    service: Service,
    service_at_site: ServiceAtSite | None = None,
    need: CaseNeed | None = None,
    shared_note: str = "",
    consent_override_reason: str = "",
) -> Referral:
    """Create and send in one transaction: a refused send leaves no draft behind."""
    referral = referral_create(
        actor=actor,
        case=case,
        service=service,
        service_at_site=service_at_site,
        need=need,
        shared_note=shared_note,
    )
    return referral_send(
        actor=actor, referral=referral, consent_override_reason=consent_override_reason
    )


@transaction.atomic
def referral_record_meeting_decision(
    *, actor: User, case: Case, service_at_site: ServiceAtSite, note: str
) -> Referral:
    """A referral decided at a case-review meeting, where the provider sits too.

    It starts in service: the meeting is the acceptance. The coordinator is recorded
    as its author, and consent (or its absence) is kept like any referral's.
    """
    if not user_is_coordinator(user=actor):
        raise PermissionDenied(_("Only local coordinators record the meeting's decisions."))
    consent = case_consent_for(case=case, scope=ConsentScope.REFERRAL)
    now = timezone.now()
    referral = Referral.objects.create(
        case=case,
        service=service_at_site.service,
        service_at_site=service_at_site,
        status=ReferralStatus.IN_SERVICE,
        created_by=actor,
        consent=consent,
        consent_override_reason="" if consent else note,
        sent_at=now,
        responded_at=now,
    )
    ReferralEvent.objects.create(
        referral=referral,
        from_status="",
        to_status=ReferralStatus.IN_SERVICE,
        actor=actor,
        at=now,
        note=note,
    )
    return referral


@transaction.atomic
def referrals_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the caseworkers of referrals whose answer is late, once each; rescore them."""
    now = now or timezone.now()
    overdue = list(
        Referral.objects.select_for_update(skip_locked=True)
        .filter(status=ReferralStatus.SENT, response_due__lt=now, overdue_notified=False)
        .select_related("case", "service")
    )
    for referral in overdue:
        case_team_notify(
            case=referral.case,
            text=_("The answer to the referral of case %(code)s to %(service)s is overdue.")
            % {"code": referral.case.code, "service": referral.service.name},
        )
    Referral.objects.filter(pk__in=[r.pk for r in overdue]).update(overdue_notified=True)
    if overdue:
        priority_recompute(case_ids=list({r.case_id for r in overdue}), now=now)
    return len(overdue)


@transaction.atomic
def referrals_expire(*, now: datetime | None = None, grace_days: int = 14) -> int:
    """Close referrals left unanswered ``grace_days`` past their deadline."""
    now = now or timezone.now()
    stale = Referral.objects.filter(
        status=ReferralStatus.SENT, response_due__lt=now - timedelta(days=grace_days)
    )
    count = 0
    for referral in stale:
        referral_transition(
            actor=None,
            referral=referral,
            to_status=ReferralStatus.EXPIRED,
            note=_("No answer %(days)s days after the deadline.") % {"days": grace_days},
        )
        count += 1
    return count
