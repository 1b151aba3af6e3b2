"""Reads of the common assessment: instruments, a case's assessments, repeats, history.

Who reads a case's assessments is the case team's rule (``cases.selectors``): the lead
team and its supervisors, and partners while the family consents to share information.
A partner without that consent is refused; anyone else is told the case does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from cases.models import (
    Assessment,
    AssessmentDomainEntry,
    AssessmentInstrument,
    AssessmentItem,
    Case,
)
from cases.selectors import case_get_for_case_team

# Standings on a case that read its assessments and may add domains to them.
ASSESSMENT_READERS = frozenset({"lead", "supervisor", "partner"})
ASSESSMENT_WRITERS = frozenset({"lead", "partner"})


def repeat_window_days() -> int:
    return int(getattr(settings, "ASSESSMENT_REPEAT_WINDOW_DAYS", 180))


def assessment_case_for_user(*, user: Any, case_id: UUID) -> tuple[Case, str] | None:
    """The case and the user's standing, for whoever is on its team (else None: a 404).

    The standing may be ``packet`` (a partner without the consent to share): the caller
    refuses it with a 403, since the partner knows the case is there.
    """
    return case_get_for_case_team(user=user, case_id=case_id)


def instrument_current() -> AssessmentInstrument | None:
    """The version new assessments are filled with: the last one published."""
    return (
        AssessmentInstrument.objects.filter(published_at__isnull=False)
        .order_by("-published_at")
        .first()
    )


def instrument_with_items(*, instrument_id: UUID) -> AssessmentInstrument:
    return AssessmentInstrument.objects.prefetch_related(
        "domains",
        Prefetch(
            "domains__items",
            queryset=AssessmentItem.objects.prefetch_related("needs").order_by("position", "code"),
        ),
    ).get(pk=instrument_id)


def instrument_export(*, instrument: AssessmentInstrument) -> dict[str, Any]:
    """The instrument as the JSON the import reads back (need terms by code)."""
    full = instrument_with_items(instrument_id=instrument.pk)
    return {
        "code": full.code,
        "version": full.version,
        "name": full.name,
        "description": full.description,
        "thresholds": full.thresholds,
        "domains": [
            {
                "code": domain.code,
                "name": domain.name,
                "items": [
                    {
                        "code": item.code,
                        "question": item.question,
                        "definition": item.definition,
                        "scale": item.scale,
                        "factor": item.factor,
                        "weight": item.weight,
                        "needs": sorted(term.code for term in item.needs.all()),
                    }
                    for item in domain.items.all()
                ],
            }
            for domain in full.domains.all()
        ],
    }


def assessments_for_case(*, case: Case) -> list[Assessment]:
    """Every assessment of the case, newest first, with its domains and answers."""
    return list(
        Assessment.objects.filter(case=case)
        .select_related("instrument", "started_by", "decided_by")
        .prefetch_related(
            "accepted_needs",
            Prefetch(
                "entries",
                queryset=AssessmentDomainEntry.objects.select_related(
                    "domain", "organization", "assessed_by"
                ).prefetch_related("answers__item"),
            ),
        )
        .order_by("-assessed_on", "-created")
    )


def assessment_get_for_case(*, case: Case, assessment_id: UUID) -> Assessment | None:
    return (
        Assessment.objects.filter(case=case, pk=assessment_id).select_related("instrument").first()
    )


@dataclass(frozen=True)
class EarlierAssessment:
    """A domain assessed before: what, when and by which organization."""

    domain: str
    organization: str
    assessed_at: datetime


def assessment_domain_recent(
    *, case: Case, domain_code: str, now: datetime | None = None, exclude_assessment: Any = None
) -> list[EarlierAssessment]:
    """The times the domain was assessed for the child inside the repeat window."""
    since = (now or timezone.now()) - timedelta(days=repeat_window_days())
    entries = AssessmentDomainEntry.objects.filter(
        case=case, domain__code=domain_code, assessed_at__gte=since
    ).select_related("domain", "organization")
    if exclude_assessment is not None:
        entries = entries.exclude(assessment=exclude_assessment)
    return [
        EarlierAssessment(
            domain=entry.domain.name,
            organization=entry.organization.name,
            assessed_at=entry.assessed_at,
        )
        for entry in entries.order_by("-assessed_at")
    ]


def assessment_repeats_by_quarter(
    *, since: date | None = None, organization_ids: set[UUID] | None = None
) -> list[dict[str, Any]]:
    """Domains assessed again inside the window, per quarter (the seeds' "sobre
    diagnóstico"): ``[{"quarter": date, "repeats": n}, ...]``, oldest first."""
    entries: QuerySet[AssessmentDomainEntry] = AssessmentDomainEntry.objects.filter(is_repeat=True)
    if since is not None:
        entries = entries.filter(assessed_at__date__gte=since)
    if organization_ids is not None:
        entries = entries.filter(organization_id__in=organization_ids)
    rows = (
        entries.annotate(quarter=TruncQuarter("assessed_at"))
        .order_by()
        .values("quarter")
        .annotate(repeats=Count("pk"))
        .order_by("quarter")
    )
    return [
        {"quarter": timezone.localtime(row["quarter"]).date(), "repeats": row["repeats"]}
        for row in rows
    ]


def assessment_domain_series(
    *, assessments: list[Assessment]
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Rows (one per assessment, oldest first) of each domain's score, and the domains
    as (code, name): a domain not assessed that time is a gap, never a zero."""
    domains: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for assessment in sorted(assessments, key=lambda a: (a.assessed_on, a.created)):
        row: dict[str, Any] = {"day": assessment.assessed_on, "assessment": assessment}
        for entry in assessment.entries.all():
            domains.setdefault(entry.domain.code, entry.domain.name)
            row[entry.domain.code] = entry.score
        rows.append(row)
    for row in rows:
        for code in domains:
            row.setdefault(code, None)
        row["values"] = [row[code] for code in domains]
    return rows, list(domains.items())
