"""Retention: closed cases past ``CASE_RETENTION_DAYS`` are anonymised, aggregates kept.

What goes: the identity (``CaseIdentity``, deleted), every free text that may describe
the child or name people (admissibility reason, need and alert notes, what was shared
with the provider, the reason for sending without consent, the provider's feedback,
referral and waitlist event notes, who gave consent, the words of a closure's reason,
verification and reopening, of a follow-up, of an admissibility or route decision, of
the case's reports and their outreach findings, of a reassignment, a transfer and
its answer, of partners' progress reports, of a family's caregivers, goals and
accompaniment sessions (once every child's case is anonymised), and of an assessment's domain notes,
repeat reasons and override reason; case notes, the duplicate key and
reports' documents are deleted; dismissed reports go the same way once past
retention). What is coarsened: the birth date to 1 July of its year (age bands still
work), the home to a point on the surface of its territory (never outside it, unlike a
centroid of a concave or split territory).

What stays, so that gaps, waitlist and network indicators still count the case: its
code, territory, sex, risk level, flags and vulnerability factors, needs and their
statuses, referrals with their services, states and dates, consents' scopes and dates,
enrolments and waitlist history. The case file keeps no simple_history tables, so there
are no historical copies of an identity to purge.

The case file anonymises its own records here; the apps above blank theirs when
``cases.signals.cases_anonymising`` is sent, in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record_cases
from cases.models import (
    AdmissibilityDecision,
    Alert,
    Assessment,
    AssessmentDomainEntry,
    Case,
    CaseAssignment,
    CaseClosure,
    CaseDuplicateKey,
    CaseIdentity,
    CaseNeed,
    CaseNote,
    CasePlanVersion,
    CaseProgressReport,
    CaseReopening,
    CaseStatus,
    CaseTransfer,
    Consent,
    FollowUp,
    PlanAction,
    PlanAgreement,
    PlanGoal,
    Report,
    RouteDecision,
)
from cases.services.family import family_anonymise_for_cases
from cases.services.intake import reports_anonymise, reports_anonymise_expired
from cases.signals import cases_anonymising

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 5 * 365
BATCH_SIZE = 500


def retention_days() -> int:
    return int(getattr(settings, "CASE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def cases_due_for_anonymisation(*, now: datetime | None = None) -> QuerySet[Case]:
    """Closed cases whose closing is older than the retention period, not yet anonymised."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    return Case.objects.filter(
        status=CaseStatus.CLOSED, closed_at__lt=cutoff, anonymised_at__isnull=True
    )


# Table names written out (not formatted in) so the statement is one constant.
COARSEN_SQL = """
    UPDATE matching_case AS c
    SET birth_date = make_date(extract(year FROM c.birth_date)::int, 7, 1),
        home = ST_PointOnSurface(t.geometry)::geography,
        admissibility_reason = '',
        anonymised_at = %s,
        last_modified = %s
    FROM directory_territory AS t
    WHERE t.id = c.territory_id AND c.id = ANY(%s)
"""


@transaction.atomic
def _anonymise_batch(*, now: datetime, batch_size: int) -> int:
    # SKIP LOCKED: a case someone is saving right now waits for tomorrow's run rather
    # than blocking it (or being overwritten by it).
    rows = list(
        cases_due_for_anonymisation(now=now)
        .select_for_update(skip_locked=True)
        .order_by("closed_at", "id")
        .values_list("id", "code")[:batch_size]
    )
    if not rows:
        return 0
    ids = [case_id for case_id, _code in rows]
    CaseIdentity.objects.filter(case_id__in=ids).delete()
    CaseNeed.objects.filter(case_id__in=ids).update(note="")
    Alert.objects.filter(case_id__in=ids).update(note="")
    Consent.objects.filter(case_id__in=ids).update(given_by="")
    CaseClosure.objects.filter(case_id__in=ids).update(reason_text="", decision_note="")
    CaseReopening.objects.filter(case_id__in=ids).update(reason="")
    FollowUp.objects.filter(case_id__in=ids).update(note="")
    CaseNote.objects.filter(case_id__in=ids).delete()
    RouteDecision.objects.filter(case_id__in=ids).update(
        best_interest="", child_views="", child_heard_by="", child_not_heard_reason=""
    )
    AdmissibilityDecision.objects.filter(case_id__in=ids).update(reason="")
    # The case team: why it was reassigned or transferred, what partners reported.
    CaseAssignment.objects.filter(case_id__in=ids).update(reason="")
    CaseTransfer.objects.filter(case_id__in=ids).update(reason="", answer_note="")
    CaseProgressReport.objects.filter(case_id__in=ids).update(done="", changed="")
    # The common assessment: the notes on each domain, why one was assessed again, why
    # the suggestion was overridden. Answers and levels stay (they are the indicators).
    AssessmentDomainEntry.objects.filter(case_id__in=ids).update(note="", repeat_reason="")
    Assessment.objects.filter(case_id__in=ids).update(override_reason="")
    # The integrated plan, every version: the goals' and actions' words, who is
    # responsible, and what the child and the family said. Dates, states, domains,
    # needs and organizations stay (the indicators read them).
    CasePlanVersion.objects.filter(case_id__in=ids).update(review_reason="")
    PlanGoal.objects.filter(version__case_id__in=ids).update(description="")
    PlanAction.objects.filter(case_id__in=ids).update(description="", responsible="", note="")
    PlanAgreement.objects.filter(version__case_id__in=ids).update(
        participants="", child_view="", family_view=""
    )
    # The family: once every child's case is anonymised, the caregivers' names and notes,
    # the family plan's goals and the accompaniment's words go; relationships, dates,
    # progress and exits stay.
    family_anonymise_for_cases(case_ids=ids)
    # The front door: the duplicate key goes with the identity, reports lose their text.
    CaseDuplicateKey.objects.filter(case_id__in=ids).delete()
    reports_anonymise(reports=Report.objects.filter(case_id__in=ids), now=now)
    # Referrals, waitlist events and the rest of each app's records about these cases
    # are blanked by that app, in this transaction (see cases.signals).
    cases_anonymising.send(sender=Case, case_ids=ids)
    with connection.cursor() as cursor:
        cursor.execute(COARSEN_SQL, [now, now, ids])
    audit_record_cases(
        action=AuditAction.ANONYMISE,
        record_type=AuditRecordType.CASE,
        cases=rows,
        detail="identity removed; free text blanked; birth date and home coarsened",
    )
    return len(rows)


def cases_anonymise_expired(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Anonymise every closed case past retention; the number done (or due, dry run).

    Batches commit one by one, so a long first run holds few locks and a failure keeps
    what was done; a second run finds nothing left to do.
    """
    now = now or timezone.now()
    due = cases_due_for_anonymisation(now=now).count()
    if not dry_run:
        reports_anonymise_expired(now=now, retention_days=retention_days())
    if dry_run or not due:
        return due
    done = 0
    while True:
        count = _anonymise_batch(now=now, batch_size=batch_size)
        if not count:
            break
        done += count
        if progress is not None:
            progress(done, due)
    # The count only: a log line never carries case data.
    logger.info("anonymised %s closed cases past the %s-day retention", done, retention_days())
    return done
