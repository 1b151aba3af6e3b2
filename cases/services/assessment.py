"""Writes of the common assessment: instruments (import, publish, new version),
assessments (start, assess a domain, decide on the suggestion).

The suggestion is arithmetic on the answers, kept with the items that led to it: each
answer adds its item's weight times how present the factor is (a risk factor) or takes
it away (a protective one); the total falls in a band by the instrument's thresholds.
A risk factor present at least halfway, or a protective factor mostly absent, suggests
the item's needs. The caseworker accepts or overrides (with a reason, audited); the
accepted band becomes the case's risk level, which the priority reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import user_is_coordinator
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from cases.models import (
    RISK_BANDS,
    Assessment,
    AssessmentAnswer,
    AssessmentDecision,
    AssessmentDomain,
    AssessmentDomainEntry,
    AssessmentInstrument,
    AssessmentItem,
    Case,
    CaseNeed,
    CasePartner,
    CaseStatus,
    FactorKind,
    NeedStatus,
)
from cases.selectors import case_access_for_user, case_member_organization_ids
from cases.selectors_assessment import (
    ASSESSMENT_WRITERS,
    assessment_domain_recent,
    instrument_current,
)
from cases.services.team import case_lock, case_team_require
from cases.signals import case_changed
from directory.models import RiskLevel, TaxonomyTerm

TEXT_MAX = 4000
# How present a factor must be for its needs to be suggested (risk), or at most (protective).
NEED_FRACTION = 0.5

# --- instruments ---------------------------------------------------------------------


def _coordinator_require(*, actor: User | None) -> None:
    if actor is not None and not user_is_coordinator(user=actor):
        raise PermissionDenied(_("Only a coordinator configures the assessment instrument."))


def instrument_frozen_require(*, instrument: AssessmentInstrument) -> None:
    """Refuse any edit of a published version: answers given under it keep their meaning."""
    if instrument.is_published:
        raise ValidationError(
            _("Version %(version)s is published and can no longer change; make a new version.")
            % {"version": instrument.version}
        )


def _error(where: str, message: str) -> ValidationError:
    return ValidationError(f"{where}: {message}")


def _text(row: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = row.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _error(f"{where}.{key}", _("give a text"))
    return value.strip()


@transaction.atomic
def instrument_import(
    *, actor: User | None, data: Any, publish: bool = False
) -> AssessmentInstrument:
    """A new draft version from the JSON of ``instrument_export``; all or nothing.

    The version is the next one of its code (the file's own number is not trusted: a
    published version is never overwritten). Errors name the row and the field.
    """
    _coordinator_require(actor=actor)
    if not isinstance(data, dict):
        raise _error("instrument", _("the file must hold one JSON object"))
    code = _text(data, "code", "instrument")
    latest = AssessmentInstrument.objects.filter(code=code).order_by("-version").first()
    instrument = AssessmentInstrument(
        code=code,
        version=(latest.version + 1) if latest else 1,
        name=_text(data, "name", "instrument"),
        description=_text(data, "description", "instrument", required=False),
    )
    if "thresholds" in data:
        instrument.thresholds = data["thresholds"]
    try:
        instrument.full_clean()
    except ValidationError as error:
        raise _error("instrument", "; ".join(error.messages)) from error
    instrument.save()
    domains = data.get("domains")
    if not isinstance(domains, list) or not domains:
        raise _error("instrument.domains", _("give at least one domain"))
    terms = {term.code: term for term in TaxonomyTerm.objects.all()}
    for d_index, row in enumerate(domains):
        where = f"domains[{d_index}]"
        if not isinstance(row, dict):
            raise _error(where, _("must be an object"))
        domain = AssessmentDomain(
            instrument=instrument,
            code=_text(row, "code", where),
            name=_text(row, "name", where),
            position=d_index,
        )
        try:
            domain.full_clean()
        except ValidationError as error:
            raise _error(where, "; ".join(error.messages)) from error
        domain.save()
        items = row.get("items")
        if not isinstance(items, list) or not items:
            raise _error(f"{where}.items", _("give at least one item"))
        for i_index, item_row in enumerate(items):
            _item_import(
                domain=domain,
                row=item_row,
                position=i_index,
                where=f"{where}.items[{i_index}]",
                terms=terms,
            )
    if publish:
        instrument_publish(actor=actor, instrument=instrument)
    return instrument


def _item_import(
    *,
    domain: AssessmentDomain,
    row: Any,
    position: int,
    where: str,
    terms: Mapping[str, TaxonomyTerm],
) -> AssessmentItem:
    if not isinstance(row, dict):
        raise _error(where, _("must be an object"))
    factor = row.get("factor")
    if factor not in FactorKind.values:
        raise _error(f"{where}.factor", _("must be “risk” or “protective”"))
    weight = row.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
        raise _error(f"{where}.weight", _("must be a whole number from 0 to 100"))
    needs = row.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(code, str) for code in needs):
        raise _error(f"{where}.needs", _("must be a list of need codes"))
    unknown = [code for code in needs if code not in terms]
    if unknown:
        raise _error(
            f"{where}.needs", _("unknown need code(s): %(codes)s") % {"codes": ", ".join(unknown)}
        )
    item = AssessmentItem(
        domain=domain,
        code=_text(row, "code", where),
        question=_text(row, "question", where),
        definition=_text(row, "definition", where),
        scale=row.get("scale", ["No", "A veces", "Sí"]),
        factor=factor,
        weight=weight,
        position=position,
    )
    try:
        item.full_clean()
    except ValidationError as error:
        raise _error(where, "; ".join(error.messages)) from error
    item.save()
    item.needs.set([terms[code] for code in needs])
    return item


@transaction.atomic
def instrument_publish(
    *, actor: User | None, instrument: AssessmentInstrument
) -> AssessmentInstrument:
    _coordinator_require(actor=actor)
    instrument = AssessmentInstrument.objects.select_for_update().get(pk=instrument.pk)
    instrument_frozen_require(instrument=instrument)
    if not AssessmentItem.objects.filter(domain__instrument=instrument).exists():
        raise ValidationError(_("An instrument needs at least one item to be published."))
    instrument.published_at = timezone.now()
    instrument.save(update_fields=["published_at"])
    return instrument


@transaction.atomic
def instrument_new_version(
    *, actor: User | None, instrument: AssessmentInstrument
) -> AssessmentInstrument:
    """A draft copy of a version, numbered after the code's last, to edit and publish."""
    from cases.selectors_assessment import instrument_export

    return instrument_import(actor=actor, data=instrument_export(instrument=instrument))


# --- the suggestion ---------------------------------------------------------------------


def _band(*, score: float, thresholds: Mapping[str, float]) -> str:
    level: str = RiskLevel.LOW
    for band in RISK_BANDS[1:]:
        if score >= thresholds.get(band, float("inf")):
            level = band
    return level


def assessment_suggest(*, assessment: Assessment) -> dict[str, Any]:
    """The suggested band and needs with, for each, the answers that led to it."""
    answers = list(
        AssessmentAnswer.objects.filter(entry__assessment=assessment)
        .select_related("item__domain", "entry__organization")
        .prefetch_related("item__needs")
        .order_by("item__domain__position", "item__position")
    )
    score = 0.0
    risk_items: list[dict[str, Any]] = []
    needs: dict[str, dict[str, Any]] = {}
    for answer in answers:
        item = answer.item
        fraction = item.fraction(answer.value)
        points = item.weight * fraction * (1 if item.factor == FactorKind.RISK else -1)
        why = {
            "item": item.code,
            "question": item.question,
            "domain": item.domain.name,
            "answer": item.scale[answer.value],
            "factor": item.factor,
            "points": round(points, 2),
            "organization": answer.entry.organization.name,
        }
        score += points
        if points:
            risk_items.append(why)
        suggests = (
            fraction >= NEED_FRACTION
            if item.factor == FactorKind.RISK
            else fraction < NEED_FRACTION
        )
        if suggests:
            for term in item.needs.all():
                need = needs.setdefault(
                    str(term.pk),
                    {"term": str(term.pk), "code": term.code, "name": term.name, "items": []},
                )
                need["items"].append(why)
    score = max(score, 0.0)
    risk_items.sort(key=lambda why: -abs(why["points"]))
    return {
        "score": round(score, 2),
        "risk_level": _band(score=score, thresholds=assessment.instrument.thresholds),
        "thresholds": assessment.instrument.thresholds,
        "risk_items": risk_items,
        "needs": sorted(needs.values(), key=lambda need: need["name"]),
    }


def _suggestion_refresh(*, assessment: Assessment) -> None:
    assessment.suggestion = assessment_suggest(assessment=assessment)
    assessment.suggested_risk_level = assessment.suggestion["risk_level"]
    assessment.save(update_fields=["suggestion", "suggested_risk_level"])


# --- assessments ---------------------------------------------------------------------


def _open_case_require(*, case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed: reopen it to assess the child.")})


@transaction.atomic
def assessment_start(
    *, actor: User, case: Case, instrument: AssessmentInstrument | None = None
) -> Assessment:
    """A new dated assessment of the child (the first one, or a reassessment)."""
    case_team_require(actor=actor, case=case)
    case = case_lock(case_id=case.pk)
    _open_case_require(case=case)
    instrument = instrument or instrument_current()
    if instrument is None or not instrument.is_published:
        raise ValidationError(
            {"instrument": _("No assessment instrument is published yet: ask the coordinator.")}
        )
    if Assessment.objects.filter(case=case, decision=AssessmentDecision.PENDING).exists():
        raise ValidationError(
            {"case": _("This case already has an assessment under way: add to that one.")}
        )
    assessment = Assessment.objects.create(case=case, instrument=instrument, started_by=actor)
    _suggestion_refresh(assessment=assessment)
    return assessment


def assessment_organization_for(*, actor: User, case: Case, access: str) -> Any:
    """The organization the actor assesses for: the lead team, or its partner place."""
    if access == "lead":
        return case.organization
    own = case_member_organization_ids(user=actor) - {case.organization_id}
    partner = (
        CasePartner.objects.filter(case=case, ended_at__isnull=True, organization_id__in=own)
        .select_related("organization")
        .order_by("added_at")
        .first()
    )
    return partner.organization if partner else None


@transaction.atomic
def assessment_domain_record(
    *,
    actor: User,
    assessment: Assessment,
    domain: AssessmentDomain,
    answers: Mapping[str, int],
    note: str = "",
    repeat_reason: str = "",
) -> AssessmentDomainEntry:
    """One domain assessed by the actor's organization, in the case's open assessment.

    Inside the repeat window an earlier assessment of the domain (by anyone) makes this
    one a repeat, which needs a reason: children are not to be assessed twice for
    nothing (seed 004's "sobre diagnóstico").
    """
    case = case_lock(case_id=assessment.case_id)
    access = case_access_for_user(user=actor, case=case)
    if access not in ASSESSMENT_WRITERS:
        raise PermissionDenied(
            _("Only the case team, with the family's consent to share, assesses this child.")
        )
    _open_case_require(case=case)
    assessment = Assessment.objects.select_related("instrument").get(pk=assessment.pk)
    if assessment.decision != AssessmentDecision.PENDING:
        raise ValidationError(
            {"assessment": _("This assessment was already decided: start a reassessment.")}
        )
    if domain.instrument_id != assessment.instrument_id:
        raise ValidationError({"domain": _("This domain is not in the assessment's instrument.")})
    if AssessmentDomainEntry.objects.filter(assessment=assessment, domain=domain).exists():
        raise ValidationError(
            {"assessment": _("This domain was already assessed in this assessment.")}
        )
    organization = assessment_organization_for(actor=actor, case=case, access=access)
    if organization is None:
        raise PermissionDenied(_("Your organization is not on this case's team."))
    items = {item.code: item for item in domain.items.all()}
    errors: dict[str, list[str]] = {}
    for code, item in items.items():
        value = answers.get(code)
        if value is None:
            errors.setdefault(f"answer_{code}", []).append(_("Answer this item."))
        elif (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value < len(item.scale)
        ):
            errors.setdefault(f"answer_{code}", []).append(
                _("Choose one of the %(count)s answers.") % {"count": len(item.scale)}
            )
    extra = set(answers) - set(items)
    if extra:
        errors["answers"] = [
            _("Not items of this domain: %(codes)s") % {"codes": ", ".join(sorted(extra))}
        ]
    note, repeat_reason = note.strip(), repeat_reason.strip()
    if len(note) > TEXT_MAX:
        errors["note"] = [_("Keep the note under %(n)s characters.") % {"n": TEXT_MAX}]
    earlier = assessment_domain_recent(
        case=case, domain_code=domain.code, exclude_assessment=assessment
    )
    if earlier and not repeat_reason:
        errors["repeat_reason"] = [
            _(
                "This domain was assessed on %(day)s by %(organization)s: say why it must be "
                "assessed again."
            )
            % {
                "day": timezone.localtime(earlier[0].assessed_at).date().isoformat(),
                "organization": earlier[0].organization,
            }
        ]
    if errors:
        raise ValidationError(errors)
    score = 0.0
    for code, item in items.items():
        sign = 1 if item.factor == FactorKind.RISK else -1
        score += sign * item.weight * item.fraction(answers[code])
    try:
        with transaction.atomic():
            entry = AssessmentDomainEntry.objects.create(
                assessment=assessment,
                domain=domain,
                case=case,
                organization=organization,
                assessed_by=actor,
                note=note,
                is_repeat=bool(earlier),
                repeat_reason=repeat_reason if earlier else "",
                score=round(max(score, 0.0), 2),
            )
    except IntegrityError as error:
        raise ValidationError(
            {"assessment": _("This domain was already assessed in this assessment.")}
        ) from error
    AssessmentAnswer.objects.bulk_create(
        AssessmentAnswer(entry=entry, item=item, value=answers[code])
        for code, item in items.items()
    )
    _suggestion_refresh(assessment=assessment)
    return entry


@transaction.atomic
def assessment_decide(
    *,
    actor: User,
    assessment: Assessment,
    risk_level: str,
    needs: Sequence[TaxonomyTerm],
    reason: str = "",
) -> Assessment:
    """Accept the suggestion, or override it with a reason (recorded and audited).

    The accepted band is written to the case's risk level and the accepted needs to
    its plan; the case is rescored as after any change of its risk.
    """
    case_team_require(actor=actor, case=assessment.case)
    case = case_lock(case_id=assessment.case_id)
    _open_case_require(case=case)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("instrument")
        .get(pk=assessment.pk)
    )
    if assessment.decision != AssessmentDecision.PENDING:
        raise ValidationError({"assessment": _("Someone already decided on this assessment.")})
    if not AssessmentDomainEntry.objects.filter(assessment=assessment).exists():
        raise ValidationError({"assessment": _("Assess at least one domain before deciding.")})
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": _("Choose a risk level.")})
    suggestion = assessment.suggestion or assessment_suggest(assessment=assessment)
    suggested_needs = {need["term"] for need in suggestion.get("needs", [])}
    chosen = {str(term.pk) for term in needs}
    overridden = risk_level != suggestion.get("risk_level") or chosen != suggested_needs
    reason = reason.strip()
    if overridden and not reason:
        raise ValidationError(
            {"reason": _("Say why the risk level or the needs differ from the suggestion.")}
        )
    if len(reason) > TEXT_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)s characters.") % {"n": TEXT_MAX}}
        )
    assessment.decision = (
        AssessmentDecision.OVERRIDDEN if overridden else AssessmentDecision.ACCEPTED
    )
    assessment.accepted_risk_level = risk_level
    assessment.override_reason = reason if overridden else ""
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    assessment.save()
    assessment.accepted_needs.set(list(needs))
    for term in needs:
        need, created = CaseNeed.objects.get_or_create(case=case, term=term)
        if not created and need.status in (NeedStatus.MET, NeedStatus.DROPPED):
            need.status = NeedStatus.OPEN
            need.save(update_fields=["status"])
    if case.risk_level != risk_level:
        case.risk_level = risk_level
        case.save(update_fields=["risk_level", "last_modified"])
    # The priority reads the case's risk level: rescored like any other change of it.
    case_changed.send(sender=Case, case=case)
    if overridden:
        audit_record(
            user=actor,
            action=AuditAction.ASSESSMENT_OVERRIDE,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=assessment.pk,
            case=case,
            detail=(
                f"suggested={suggestion.get('risk_level')} accepted={risk_level} "
                f"needs_suggested={len(suggested_needs)} needs_accepted={len(chosen)}"
            ),
        )
    return assessment
