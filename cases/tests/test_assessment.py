"""The common assessment: the instrument, the suggestion and its reasons, the decision,
complementary domains and the repeat window, versions, import and retention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentDecision,
    AssessmentDomain,
    AssessmentDomainEntry,
    AssessmentInstrument,
    CaseNeed,
    CaseStatus,
    ConsentScope,
    PartnerRole,
)
from cases.selectors_assessment import (
    assessment_repeats_by_quarter,
    instrument_current,
    instrument_export,
)
from cases.services import consent_record
from cases.services.assessment import (
    assessment_decide,
    assessment_domain_record,
    assessment_start,
    instrument_import,
    instrument_new_version,
    instrument_publish,
)
from cases.services.partners import case_partner_add
from directory.models import RiskLevel, TaxonomyTerm
from tests.factories import OrganizationFactory, case_of, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    health = OrganizationFactory(name="CESFAM Sur")
    caseworker = user_with_role(Role.CASEWORKER, lead, username="ana")
    nurse = user_with_role(Role.CASEWORKER, health, username="enfermera")
    coordinator = user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord")
    case = case_of(caseworker)
    return {
        "lead": lead,
        "health": health,
        "caseworker": caseworker,
        "nurse": nurse,
        "coordinator": coordinator,
        "case": case,
    }


def _share_with_partner(world: dict[str, Any]) -> None:
    consent_record(
        actor=world["caseworker"],
        case=world["case"],
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )
    case_partner_add(
        actor=world["caseworker"],
        case=world["case"],
        organization_id=world["health"].pk,
        role=PartnerRole.PROVIDER,
    )


def _domain(assessment: Assessment, code: str) -> AssessmentDomain:
    return assessment.instrument.domains.get(code=code)


def _answer(
    world: dict[str, Any], assessment: Assessment, code: str, values: dict[str, int], **kw: Any
) -> AssessmentDomainEntry:
    return assessment_domain_record(
        actor=kw.pop("actor", world["caseworker"]),
        assessment=assessment,
        domain=_domain(assessment, code),
        answers=values,
        **kw,
    )


UNSAFE = {"violencia-hogar": 2, "adulto-protector": 0, "trabajo-infantil": 0}


# --- the shipped instrument -------------------------------------------------------------


def test_the_default_instrument_ships_published_with_the_six_domains_in_spanish() -> None:
    instrument = instrument_current()
    assert instrument is not None and instrument.is_published
    names = list(instrument.domains.values_list("name", flat=True))
    assert names == [
        "Seguridad y protección",
        "Salud",
        "Educación",
        "Funcionamiento familiar y recurso familiar",
        "Necesidades básicas y vivienda",
        "Comunidad y participación",
    ]
    item = instrument.domains.get(code="seguridad").items.get(code="violencia-hogar")
    assert item.definition and item.factor == "risk"
    assert set(item.needs.values_list("code", flat=True)) == {"protection", "specialized.legal_aid"}


# --- the suggestion and its reasons ---------------------------------------------------------


def test_the_suggestion_names_the_items_that_led_to_the_level_and_to_each_need(
    world: dict[str, Any],
) -> None:
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    assessment.refresh_from_db()
    suggestion = assessment.suggestion
    # violence fully present (4 points) and no protective adult (0 taken away): moderate.
    assert suggestion["score"] == 4
    assert assessment.suggested_risk_level == RiskLevel.MODERATE
    assert [why["item"] for why in suggestion["risk_items"]] == ["violencia-hogar"]
    needs = {need["code"]: [why["item"] for why in need["items"]] for need in suggestion["needs"]}
    # The absent protective adult suggests protection too, and says so.
    assert needs == {
        "protection": ["violencia-hogar", "adulto-protector"],
        "specialized.legal_aid": ["violencia-hogar"],
    }


def test_protective_factors_lower_the_suggested_level(world: dict[str, Any]) -> None:
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", {**UNSAFE, "adulto-protector": 2})
    assessment.refresh_from_db()
    assert assessment.suggestion["score"] == 1
    assert assessment.suggested_risk_level == RiskLevel.LOW


# --- the decision -----------------------------------------------------------------------


def test_accepting_writes_the_level_to_the_case_adds_the_needs_and_rescores(
    world: dict[str, Any],
) -> None:
    case = world["case"]
    case.risk_level = RiskLevel.LOW
    case.save()
    assessment = assessment_start(actor=world["caseworker"], case=case)
    _answer(world, assessment, "seguridad", {**UNSAFE, "trabajo-infantil": 2})
    _answer(world, assessment, "salud", {"controles-salud": 0, "salud-mental": 2})
    assessment.refresh_from_db()
    # violence 4 + child labour 3 + distress 3 = 10: from 8, high.
    assert assessment.suggestion["score"] == 10
    assert assessment.suggested_risk_level == RiskLevel.HIGH
    terms = list(
        TaxonomyTerm.objects.filter(code__in=[n["code"] for n in assessment.suggestion["needs"]])
    )
    before = case.priority_score
    decided = assessment_decide(
        actor=world["caseworker"], assessment=assessment, risk_level=RiskLevel.HIGH, needs=terms
    )
    case.refresh_from_db()
    assert decided.decision == AssessmentDecision.ACCEPTED
    assert case.risk_level == RiskLevel.HIGH
    assert case.priority_score > before
    assert set(CaseNeed.objects.filter(case=case).values_list("term__code", flat=True)) >= {
        "protection",
        "social.health",
        "specialized.psychological_care",
    }
    assert not AuditEntry.objects.filter(action=AuditAction.ASSESSMENT_OVERRIDE).exists()


def test_an_override_needs_a_reason_and_is_recorded_and_audited(world: dict[str, Any]) -> None:
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    assessment.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        assessment_decide(
            actor=world["caseworker"],
            assessment=assessment,
            risk_level=RiskLevel.VERY_HIGH,
            needs=[],
        )
    assert "reason" in refused.value.message_dict
    assessment.refresh_from_db()
    assert assessment.decision == AssessmentDecision.PENDING

    decided = assessment_decide(
        actor=world["caseworker"],
        assessment=assessment,
        risk_level=RiskLevel.VERY_HIGH,
        needs=[],
        reason="Amenaza de muerte relatada por el colegio",
    )
    assert decided.decision == AssessmentDecision.OVERRIDDEN
    assert decided.override_reason == "Amenaza de muerte relatada por el colegio"
    world["case"].refresh_from_db()
    assert world["case"].risk_level == RiskLevel.VERY_HIGH
    entry = AuditEntry.objects.get(action=AuditAction.ASSESSMENT_OVERRIDE)
    assert entry.record_type == AuditRecordType.ASSESSMENT
    assert entry.case_id == world["case"].pk and entry.user == world["caseworker"]
    assert "suggested=moderate accepted=very_high" in entry.detail
    # The reason is case text: it stays out of the log.
    assert "Amenaza" not in entry.detail


def test_a_second_decision_is_refused(world: dict[str, Any]) -> None:
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    assessment.refresh_from_db()
    assessment_decide(
        actor=world["caseworker"],
        assessment=assessment,
        risk_level="moderate",
        needs=[],
        reason="x",
    )
    with pytest.raises(ValidationError) as refused:
        assessment_decide(
            actor=world["caseworker"], assessment=assessment, risk_level="low", needs=[], reason="y"
        )
    assert "assessment" in refused.value.message_dict


def test_only_the_lead_team_decides(world: dict[str, Any]) -> None:
    _share_with_partner(world)
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    with pytest.raises(PermissionDenied):
        assessment_decide(
            actor=world["nurse"], assessment=assessment, risk_level="moderate", needs=[]
        )


# --- once per child, complementary domains, the repeat window --------------------------------


def test_the_assessment_is_filled_once_and_partners_add_their_domains_to_it(
    world: dict[str, Any],
) -> None:
    _share_with_partner(world)
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    with pytest.raises(ValidationError):
        assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    entry = _answer(
        world, assessment, "salud", {"controles-salud": 2, "salud-mental": 0}, actor=world["nurse"]
    )
    assert entry.organization == world["health"]
    assert Assessment.objects.filter(case=world["case"]).count() == 1
    assert set(assessment.entries.values_list("organization__name", flat=True)) == {
        "OPD Norte",
        "CESFAM Sur",
    }


def test_a_partner_without_the_consent_to_share_cannot_assess(world: dict[str, Any]) -> None:
    case_partner_add(
        actor=world["caseworker"],
        case=world["case"],
        organization_id=world["health"].pk,
        role=PartnerRole.PROVIDER,
    )
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    with pytest.raises(PermissionDenied):
        _answer(
            world,
            assessment,
            "salud",
            {"controles-salud": 2, "salud-mental": 0},
            actor=world["nurse"],
        )


def test_assessing_a_domain_again_inside_the_window_needs_a_reason_and_counts_as_a_repeat(
    world: dict[str, Any], settings: Any
) -> None:
    settings.ASSESSMENT_REPEAT_WINDOW_DAYS = 180
    _share_with_partner(world)
    first = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, first, "salud", {"controles-salud": 2, "salud-mental": 0}, actor=world["nurse"])
    assessment_decide(
        actor=world["caseworker"], assessment=first, risk_level="low", needs=[], reason=""
    )
    second = assessment_start(actor=world["caseworker"], case=world["case"])
    with pytest.raises(ValidationError) as refused:
        _answer(world, second, "salud", {"controles-salud": 2, "salud-mental": 1})
    message = " ".join(refused.value.message_dict["repeat_reason"])
    assert "CESFAM Sur" in message
    assert not AssessmentDomainEntry.objects.filter(assessment=second).exists()

    entry = _answer(
        world,
        second,
        "salud",
        {"controles-salud": 2, "salud-mental": 1},
        repeat_reason="Cambio de conducta tras la visita",
    )
    assert entry.is_repeat
    quarter = timezone.localdate().replace(
        month=((timezone.localdate().month - 1) // 3) * 3 + 1, day=1
    )
    assert assessment_repeats_by_quarter() == [{"quarter": quarter, "repeats": 1}]
    assert assessment_repeats_by_quarter(organization_ids={world["health"].pk}) == []


def test_outside_the_window_a_domain_is_assessed_again_without_a_reason(
    world: dict[str, Any], settings: Any
) -> None:
    first = assessment_start(actor=world["caseworker"], case=world["case"])
    entry = _answer(world, first, "seguridad", UNSAFE)
    AssessmentDomainEntry.objects.filter(pk=entry.pk).update(
        assessed_at=timezone.now() - timedelta(days=181)
    )
    assessment_decide(
        actor=world["caseworker"], assessment=first, risk_level="moderate", needs=[], reason="r"
    )
    second = assessment_start(actor=world["caseworker"], case=world["case"])
    again = _answer(world, second, "seguridad", UNSAFE)
    assert not again.is_repeat


# --- versions ----------------------------------------------------------------------------


def test_a_new_version_never_changes_the_answers_given_under_the_old_one(
    world: dict[str, Any],
) -> None:
    old = instrument_current()
    assert old is not None
    assessment = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, assessment, "seguridad", UNSAFE)
    draft = instrument_new_version(actor=world["coordinator"], instrument=old)
    assert draft.version == old.version + 1 and not draft.is_published
    item = draft.domains.get(code="seguridad").items.get(code="violencia-hogar")
    item.question = "¿Hay violencia grave en el hogar?"
    item.weight = 10
    item.save()
    instrument_publish(actor=world["coordinator"], instrument=draft)
    assert instrument_current() == draft

    answer = AssessmentAnswer.objects.get(
        entry__assessment=assessment, item__code="violencia-hogar"
    )
    assert answer.item.domain.instrument == old
    assert answer.item.question == "¿Hay violencia en el hogar?" and answer.item.weight == 4
    assessment.refresh_from_db()
    assert assessment.instrument == old and assessment.suggestion["score"] == 4


def test_a_published_version_cannot_be_published_or_edited_through_the_admin_again(
    world: dict[str, Any], client: Any
) -> None:
    old = instrument_current()
    assert old is not None
    with pytest.raises(ValidationError):
        instrument_publish(actor=world["coordinator"], instrument=old)
    client.force_login(world["coordinator"])
    page = client.get(f"/admin/cases/assessmentinstrument/{old.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    posted = client.post(f"/admin/cases/assessmentinstrument/{old.pk}/change/", {"name": "Otro"})
    assert posted.status_code == 403
    old.refresh_from_db()
    assert old.name == "Valoración común"


def test_only_a_coordinator_configures_the_instrument(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        instrument_import(actor=world["caseworker"], data=_minimal())


# --- JSON import and export -------------------------------------------------------------


def _minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "prueba",
        "name": "Prueba",
        "domains": [
            {
                "code": "salud",
                "name": "Salud",
                "items": [
                    {
                        "code": "a",
                        "question": "¿A?",
                        "definition": "Algo",
                        "factor": "risk",
                        "weight": 2,
                        "needs": ["social.health"],
                    }
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def test_export_then_import_gives_the_same_instrument_as_the_next_version(
    world: dict[str, Any],
) -> None:
    old = instrument_current()
    assert old is not None
    exported = instrument_export(instrument=old)
    again = instrument_import(actor=world["coordinator"], data=json.loads(json.dumps(exported)))
    assert again.version == old.version + 1
    assert {**instrument_export(instrument=again), "version": old.version} == exported


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            lambda d: d["domains"][0]["items"][0].update(factor="maybe"),
            "domains[0].items[0].factor",
        ),
        (
            lambda d: d["domains"][0]["items"][0].update(needs=["no.such"]),
            "domains[0].items[0].needs",
        ),
        (lambda d: d["domains"][0]["items"][0].update(weight="x"), "domains[0].items[0].weight"),
        (lambda d: d["domains"][0]["items"][0].update(scale=["solo"]), "domains[0].items[0]"),
        (lambda d: d["domains"][0].pop("name"), "domains[0].name"),
        (lambda d: d.update(thresholds={"moderate": 5}), "instrument"),
        (lambda d: d["domains"].append(dict(d["domains"][0])), "domains[1]"),
    ],
)
def test_an_import_error_names_the_row_and_field_and_changes_nothing(
    world: dict[str, Any], change: Any, where: str
) -> None:
    data = _minimal()
    change(data)
    before = (AssessmentInstrument.objects.count(), AssessmentDomain.objects.count())
    with pytest.raises(ValidationError) as refused:
        instrument_import(actor=world["coordinator"], data=data)
    assert refused.value.messages[0].startswith(where)
    assert (AssessmentInstrument.objects.count(), AssessmentDomain.objects.count()) == before


def test_the_management_command_imports_exports_and_reports_errors(tmp_path: Any) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_minimal()), encoding="utf-8")
    call_command("assessment_instrument", str(good), "--publish")
    imported = AssessmentInstrument.objects.get(code="prueba")
    assert imported.is_published
    bad = tmp_path / "bad.json"
    data = _minimal()
    data["domains"][0]["items"][0]["needs"] = ["nope"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"domains\[0\]\.items\[0\]\.needs"):
        call_command("assessment_instrument", str(bad))
    assert AssessmentInstrument.objects.filter(code="prueba").count() == 1
    from io import StringIO

    out = StringIO()
    call_command("assessment_instrument", "--export", "prueba", stdout=out)
    assert json.loads(out.getvalue())["domains"][0]["items"][0]["needs"] == ["social.health"]


# --- retention ---------------------------------------------------------------------------


def test_retention_blanks_the_assessment_free_text(world: dict[str, Any], settings: Any) -> None:
    from cases.retention import cases_anonymise_expired

    first = assessment_start(actor=world["caseworker"], case=world["case"])
    _answer(world, first, "seguridad", UNSAFE, note="La madre relata golpes")
    assessment_decide(
        actor=world["caseworker"], assessment=first, risk_level="high", needs=[], reason="Relato"
    )
    world["case"].__class__.objects.filter(pk=world["case"].pk).update(
        status=CaseStatus.CLOSED,
        close_reason="moved_away",
        closed_at=timezone.now() - timedelta(days=settings.CASE_RETENTION_DAYS + 1)
        if hasattr(settings, "CASE_RETENTION_DAYS")
        else timezone.now() - timedelta(days=6 * 365),
    )
    assert cases_anonymise_expired() == 1
    first.refresh_from_db()
    entry = first.entries.get()
    assert first.override_reason == "" and entry.note == ""
    assert first.accepted_risk_level == "high" and entry.answers.count() == 3


def test_no_row_of_a_published_version_can_be_saved_again() -> None:
    instrument = instrument_current()
    assert instrument is not None
    item = instrument.domains.get(code="salud").items.get(code="salud-mental")
    item.weight = 9
    with pytest.raises(ValidationError):
        item.save()
    domain = item.domain
    domain.name = "Otra"
    with pytest.raises(ValidationError):
        domain.save()
    instrument.name = "Otro"
    with pytest.raises(ValidationError):
        instrument.save()
    item.refresh_from_db()
    assert item.weight == 3
