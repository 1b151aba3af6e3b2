"""A case team across institutions: partners and what they see, reassignment, transfer,
progress reports, the supervisor, and the authority's verification of a closure."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from accounts.services import membership_grant
from audit.models import AuditEntry, AuditRecordType
from cases.models import (
    CaseAssignment,
    CaseCloseReason,
    CaseStatus,
    CaseTransfer,
    ClosureStatus,
    ConsentScope,
    NoteVisibility,
    PartnerRole,
    TransferStatus,
)
from cases.selectors_lifecycle import closures_to_verify_for_user, transfers_to_answer_for_user
from cases.services import consent_record
from cases.services.closure import case_closure_request, case_closure_verify, closure_can_verify
from cases.services.notes import case_note_write
from cases.services.partners import (
    case_partner_add,
    case_partner_end,
    case_progress_report,
    case_reassign,
    case_transfer_answer,
    case_transfer_approve,
    case_transfer_request,
    case_transfer_withdraw,
)
from notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import OrganizationFactory, case_of, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The services' messages in their source language, which the assertions read."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def team() -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    authority = OrganizationFactory(name="Tribunal de Familia")
    other_team = OrganizationFactory(name="PPF Sur")
    caseworker = user_with_role(Role.CASEWORKER, lead, username="ana")
    colleague = user_with_role(Role.CASEWORKER, lead, username="berta")
    judge = user_with_role(Role.CASEWORKER, authority, username="jueza")
    receiver = user_with_role(Role.CASEWORKER, other_team, username="carla")
    stranger = user_with_role(Role.CASEWORKER, OrganizationFactory(), username="extraña")
    case = case_of(caseworker)
    return {
        "lead": lead,
        "authority": authority,
        "other_team": other_team,
        "caseworker": caseworker,
        "colleague": colleague,
        "judge": judge,
        "receiver": receiver,
        "stranger": stranger,
        "case": case,
    }


def _share(world: dict[str, Any]) -> None:
    consent_record(
        actor=world["caseworker"],
        case=world["case"],
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )


def _authority(world: dict[str, Any]) -> Any:
    return case_partner_add(
        actor=world["caseworker"],
        case=world["case"],
        organization_id=world["authority"].pk,
        role=PartnerRole.AUTHORITY,
    )


# --- partners and what they see --------------------------------------------------------


def test_a_partner_reads_the_case_summary_only_while_the_family_consents_to_share(
    team: dict[str, Any],
) -> None:
    _authority(team)
    case_note_write(
        actor=team["caseworker"],
        case=team["case"],
        text="Visita coordinada con el colegio",
        visibility=NoteVisibility.CASE_TEAM,
    )
    case_note_write(
        actor=team["caseworker"],
        case=team["case"],
        text="Detalle interno del equipo",
        visibility=NoteVisibility.TEAM,
    )
    url = reverse("cases:case_team", args=[team["case"].pk])
    without = signed_in(team["judge"]).get(url)
    assert without.status_code == 200
    assert 'id="no-sharing-consent"' in without.content.decode()
    assert "Visita coordinada" not in without.content.decode()

    _share(team)
    shared = signed_in(team["judge"]).get(url).content.decode()
    assert 'id="case-summary"' in shared
    assert "Visita coordinada" in shared
    assert "Detalle interno" not in shared


def test_an_organization_off_the_case_team_gets_a_404_and_is_audited(team: dict[str, Any]) -> None:
    response = signed_in(team["stranger"]).get(reverse("cases:case_team", args=[team["case"].pk]))
    assert response.status_code == 404
    assert (
        AuditEntry.objects.filter(
            record_type=AuditRecordType.CASE_TEAM, user=team["stranger"], detail__contains="refused"
        ).exists()
        or AuditEntry.objects.filter(user=team["stranger"]).exists()
    )


def test_a_partner_whose_place_ended_sees_the_case_no_more(team: dict[str, Any]) -> None:
    partner = _authority(team)
    _share(team)
    url = reverse("cases:case_team", args=[team["case"].pk])
    assert signed_in(team["judge"]).get(url).status_code == 200
    case_partner_end(actor=team["caseworker"], case=team["case"], partner_id=partner.pk)
    assert signed_in(team["judge"]).get(url).status_code == 404


def test_the_same_organization_cannot_join_twice_nor_the_lead_join_its_own_case(
    team: dict[str, Any],
) -> None:
    _authority(team)
    with pytest.raises(ValidationError, match="already on the case team"):
        _authority(team)
    with pytest.raises(ValidationError, match="already leads"):
        case_partner_add(
            actor=team["caseworker"],
            case=team["case"],
            organization_id=team["lead"].pk,
            role=PartnerRole.EVALUATING,
        )


def test_only_the_lead_team_adds_partners(team: dict[str, Any]) -> None:
    _authority(team)
    with pytest.raises(PermissionDenied):
        case_partner_add(
            actor=team["judge"],
            case=team["case"],
            organization_id=team["other_team"].pk,
            role=PartnerRole.EVALUATING,
        )
    response = signed_in(team["judge"]).post(
        reverse("cases:partner_add", args=[team["case"].pk]),
        {"organization": str(team["other_team"].pk), "role": PartnerRole.EVALUATING},
    )
    assert response.status_code == 403


def test_the_partner_form_names_the_missing_role(team: dict[str, Any]) -> None:
    response = signed_in(team["caseworker"]).post(
        reverse("cases:partner_add", args=[team["case"].pk]),
        {"organization": str(team["authority"].pk), "role": ""},
    )
    assert response.status_code == 400
    assert 'id="id_partner_role_errors"' in response.content.decode()


# --- progress reports ----------------------------------------------------------------------


def test_a_partner_reports_progress_and_the_lead_team_and_the_authority_are_told(
    team: dict[str, Any],
) -> None:
    _authority(team)
    provider_org = OrganizationFactory(name="Programa de Reparación")
    provider = user_with_role(Role.PROVIDER, provider_org)
    case_partner_add(
        actor=team["caseworker"],
        case=team["case"],
        organization_id=provider_org.pk,
        role=PartnerRole.PROVIDER,
    )
    response = signed_in(provider).post(
        reverse("cases:progress_add", args=[team["case"].pk]),
        {"done": "Cuatro sesiones de terapia", "changed": "Duerme mejor"},
    )
    assert response.status_code == 302
    report = team["case"].progress_reports.get()
    assert report.organization == provider_org
    assert Notification.objects.filter(user=team["caseworker"]).exists()
    assert Notification.objects.filter(user=team["judge"]).exists()
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.PROGRESS_REPORT, record_id=str(report.pk)
    ).exists()


def test_a_progress_report_needs_what_was_done_and_what_changed(team: dict[str, Any]) -> None:
    _authority(team)
    with pytest.raises(ValidationError) as error:
        case_progress_report(
            actor=team["judge"], case=team["case"], organization_id=None, done=" ", changed=""
        )
    assert "done" in error.value.error_dict


def test_someone_off_the_case_team_cannot_report_progress(team: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        case_progress_report(
            actor=team["stranger"], case=team["case"], organization_id=None, done="x", changed="y"
        )


# --- reassignment ----------------------------------------------------------------------------


def test_reassigning_keeps_the_history_and_tells_the_new_caseworker(team: dict[str, Any]) -> None:
    case_reassign(
        actor=team["caseworker"],
        case=team["case"],
        caseworker_id=team["colleague"].pk,
        reason="Vacaciones",
    )
    team["case"].refresh_from_db()
    assert team["case"].caseworker == team["colleague"]
    assert CaseAssignment.objects.filter(case=team["case"]).count() == 1
    assert Notification.objects.filter(user=team["colleague"]).exists()


def test_a_case_is_reassigned_only_to_a_caseworker_of_the_lead_team(team: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        case_reassign(
            actor=team["caseworker"], case=team["case"], caseworker_id=team["receiver"].pk
        )
    assert "caseworker" in error.value.error_dict


def test_a_supervisor_of_the_lead_team_reassigns_and_sees_the_caseload(
    team: dict[str, Any],
) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, team["lead"])
    client = signed_in(supervisor)
    response = client.post(
        reverse("cases:case_reassign", args=[team["case"].pk]),
        {"caseworker": team["colleague"].pk, "reason": ""},
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:caseload")).content.decode()
    assert team["case"].code in page
    outsider = user_with_role(Role.SUPERVISOR, team["other_team"])
    assert (
        team["case"].code not in signed_in(outsider).get(reverse("cases:caseload")).content.decode()
    )
    assert signed_in(team["caseworker"]).get(reverse("cases:caseload")).status_code == 403


# --- transfer --------------------------------------------------------------------------------


def test_a_transfer_without_supervisors_is_offered_and_accepting_moves_the_lead(
    team: dict[str, Any],
) -> None:
    transfer = case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="La familia se mudó al sector sur",
    )
    assert transfer.status == TransferStatus.OFFERED
    assert transfers_to_answer_for_user(user=team["receiver"]).get() == transfer
    case_transfer_answer(actor=team["receiver"], transfer=transfer, accept=True)
    team["case"].refresh_from_db()
    assert team["case"].organization == team["other_team"]
    assert team["case"].caseworker == team["receiver"]
    # The old lead lost the case; the new one reads it.
    url = reverse("cases:case_team", args=[team["case"].pk])
    assert signed_in(team["caseworker"]).get(url).status_code == 404
    assert signed_in(team["receiver"]).get(url).status_code == 200


def test_a_transfer_waits_for_the_supervisor_of_the_lead_team(team: dict[str, Any]) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, team["lead"])
    transfer = case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Especialidad",
    )
    assert transfer.status == TransferStatus.AWAITING_APPROVAL
    assert not transfers_to_answer_for_user(user=team["receiver"]).exists()
    with pytest.raises(ValidationError, match="waits for the supervisor"):
        case_transfer_answer(actor=team["receiver"], transfer=transfer, accept=True)
    url = reverse("cases:transfer_detail", args=[transfer.pk])
    assert signed_in(team["receiver"]).get(url).status_code == 404
    with pytest.raises(ValidationError, match="Say why"):
        case_transfer_approve(actor=supervisor, transfer=transfer, approve=False)
    case_transfer_approve(actor=supervisor, transfer=transfer, approve=True)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.OFFERED
    assert Notification.objects.filter(user=team["receiver"]).exists()


def test_refusing_a_transfer_needs_a_reason_and_leaves_the_case_where_it_was(
    team: dict[str, Any],
) -> None:
    transfer = case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Cupo",
    )
    with pytest.raises(ValidationError) as error:
        case_transfer_answer(actor=team["receiver"], transfer=transfer, accept=False)
    assert "note" in error.value.error_dict
    case_transfer_answer(
        actor=team["receiver"], transfer=transfer, accept=False, note="Sin dupla disponible"
    )
    team["case"].refresh_from_db()
    assert team["case"].organization == team["lead"]


def test_a_case_has_one_transfer_under_way_at_a_time(team: dict[str, Any]) -> None:
    case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Uno",
    )
    with pytest.raises(ValidationError, match="already has a transfer"):
        case_transfer_request(
            actor=team["colleague"],
            case=team["case"],
            to_organization_id=team["other_team"].pk,
            reason="Dos",
        )


def test_a_withdrawn_transfer_can_no_longer_be_accepted(team: dict[str, Any]) -> None:
    transfer = case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Uno",
    )
    case_transfer_withdraw(actor=team["caseworker"], transfer=transfer)
    response = signed_in(team["receiver"]).post(
        reverse("cases:transfer_answer", args=[transfer.pk]), {"decision": "accept", "note": ""}
    )
    assert response.status_code == 409
    team["case"].refresh_from_db()
    assert team["case"].organization == team["lead"]


def test_a_transfer_is_invisible_to_organizations_that_are_neither_side(
    team: dict[str, Any],
) -> None:
    transfer = case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Uno",
    )
    url = reverse("cases:transfer_detail", args=[transfer.pk])
    assert signed_in(team["stranger"]).get(url).status_code == 404
    page = signed_in(team["receiver"]).get(url)
    assert page.status_code == 200 and 'id="answer-form"' in page.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_to_one_transfer_end_in_one_success_and_one_conflict() -> None:
    lead = OrganizationFactory()
    other = OrganizationFactory()
    caseworker = user_with_role(Role.CASEWORKER, lead)
    first = user_with_role(Role.CASEWORKER, other)
    second = user_with_role(Role.CASEWORKER, other)
    case = case_of(caseworker)
    transfer = case_transfer_request(
        actor=caseworker, case=case, to_organization_id=other.pk, reason="Mudanza"
    )
    clients = iter([signed_in(first), signed_in(second)])
    url = reverse("cases:transfer_answer", args=[transfer.pk])

    def answer() -> int:
        return next(clients).post(url, {"decision": "accept", "note": ""}).status_code

    assert sorted(at_once(answer)) == [302, 409]
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED
    assert CaseAssignment.objects.filter(case=case).count() == 1


# --- the authority verifies "rights restored" ----------------------------------------------


def test_the_authority_on_the_case_team_verifies_rights_restored_not_a_colleague(
    team: dict[str, Any],
) -> None:
    _authority(team)
    closure = case_closure_request(
        actor=team["caseworker"], case=team["case"], reason=CaseCloseReason.PLAN_COMPLETED
    )
    assert not closure_can_verify(user=team["colleague"], closure=closure)
    assert closure_can_verify(user=team["judge"], closure=closure)
    assert list(closures_to_verify_for_user(user=team["judge"])) == [closure]
    assert not closures_to_verify_for_user(user=team["colleague"]).exists()
    with pytest.raises(PermissionDenied):
        case_closure_verify(actor=team["colleague"], closure=closure, approve=True)

    response = signed_in(team["judge"]).post(
        reverse("cases:closure_decide", args=[team["case"].pk, closure.pk]),
        {"decision": "approve", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    team["case"].refresh_from_db()
    assert team["case"].status == CaseStatus.CLOSED
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.CLOSED and closure.decided_by == team["judge"]


def test_without_an_authority_a_supervisor_of_the_lead_team_verifies(team: dict[str, Any]) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, team["lead"])
    closure = case_closure_request(
        actor=team["caseworker"], case=team["case"], reason=CaseCloseReason.PLAN_COMPLETED
    )
    assert not closure_can_verify(user=team["colleague"], closure=closure)
    assert closure_can_verify(user=supervisor, closure=closure)
    assert list(closures_to_verify_for_user(user=supervisor)) == [closure]
    page = signed_in(supervisor).get(reverse("cases:case_closure", args=[team["case"].pk]))
    assert page.status_code == 200 and 'id="decision-form"' in page.content.decode()


def test_a_caseworker_who_is_also_a_supervisor_never_verifies_their_own_request(
    team: dict[str, Any],
) -> None:
    membership_grant(user=team["caseworker"], organization=team["lead"], role=Role.SUPERVISOR)
    closure = case_closure_request(
        actor=team["caseworker"], case=team["case"], reason=CaseCloseReason.PLAN_COMPLETED
    )
    assert not closure_can_verify(user=team["caseworker"], closure=closure)


# --- what waits on each team ---------------------------------------------------------------


def test_the_coordinator_and_the_supervisor_see_what_waits_on_each_team_by_counts_only(
    team: dict[str, Any],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Admissibility, FollowUp
    from cases.selectors_team import casework_backlog_by_team

    FollowUp.objects.create(
        case=team["case"], kind="call", due_on=timezone.localdate() - timedelta(days=3)
    )
    pending = case_of(team["caseworker"], admissibility=Admissibility.PENDING)
    case_transfer_request(
        actor=team["caseworker"],
        case=team["case"],
        to_organization_id=team["other_team"].pk,
        reason="Mudanza",
    )
    [row] = casework_backlog_by_team(today=timezone.localdate())
    assert (row.organization, row.overdue_follow_ups, row.pending_admissibility) == (
        "OPD Norte",
        1,
        1,
    )
    assert row.transfers_open == 1 and row.closures_to_verify == 0

    coordinator = user_with_role(Role.COORDINATOR)
    page = signed_in(coordinator).get(reverse("matching:coordination")).content.decode()
    assert 'id="casework-backlog"' in page and "OPD Norte" in page
    assert pending.code not in page  # counts, never the cases themselves
    supervisor = user_with_role(Role.SUPERVISOR, team["lead"])
    caseload = signed_in(supervisor).get(reverse("cases:caseload")).content.decode()
    assert 'class="backlog-row"' in caseload
    outsider = user_with_role(Role.SUPERVISOR, team["other_team"])
    theirs = signed_in(outsider).get(reverse("cases:caseload")).content.decode()
    assert 'class="backlog-row"' not in theirs
