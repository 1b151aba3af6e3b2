"""Case-review meetings: the proposed agenda, who sees what, agreements as tasks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import (
    CaseCloseReason,
    CaseClosure,
    ConsentScope,
    FollowUp,
    FollowUpKind,
    FollowUpResult,
    PartnerRole,
    PlanAction,
)
from cases.services import case_need_add, consent_record
from cases.services.partners import case_partner_add
from cases.services.plan import plan_action_add, plan_goal_add, plan_start
from directory.models import TaxonomyTerm
from matching.models import Referral, ReferralStatus
from network.models import AgendaItem, AgendaReason, Agreement, AgreementStatus, MeetingStatus
from network.receivers import on_cases_anonymising
from network.selectors import agenda_proposal
from network.services import (
    agenda_item_add,
    agreement_add,
    meeting_convene,
    meeting_create,
)
from notifications.models import Notification, NotificationKind
from tests.factories import (
    OrganizationFactory,
    ServiceFactory,
    TerritoryFactory,
    api_client_for,
    case_of,
    signed_in,
    user_with_role,
)
from waitlists.models import WaitlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    territory = TerritoryFactory(code="T-NORTE", name="Norte")
    elsewhere = TerritoryFactory(code="T-SUR", name="Sur")
    lead = OrganizationFactory(name="OPD Norte")
    partner = OrganizationFactory(name="CESFAM Norte")
    stranger_org = OrganizationFactory(name="OPD Sur")
    cw = user_with_role(Role.CASEWORKER, lead, username="cw")
    nurse = user_with_role(Role.CASEWORKER, partner, username="nurse")
    stranger = user_with_role(Role.CASEWORKER, stranger_org, username="stranger")
    coord = user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord")
    shared = case_of(cw, territory=territory)
    private = case_of(cw, territory=territory)
    for case, scopes in (
        (shared, [ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING]),
        (private, [ConsentScope.REFERRAL]),
    ):
        case_partner_add(actor=cw, case=case, organization_id=partner.pk, role=PartnerRole.PROVIDER)
        consent_record(actor=cw, case=case, given_by="madre", scopes=scopes)
    meeting = meeting_create(
        actor=coord,
        title="Junta técnica de diciembre",
        held_on=timezone.localdate(),
        territory=territory,
        organizations=[lead, partner],
        people=[(lead, cw), (partner, nurse)],
    )
    return {
        "territory": territory,
        "elsewhere": elsewhere,
        "lead": lead,
        "partner": partner,
        "cw": cw,
        "nurse": nurse,
        "stranger": stranger,
        "coord": coord,
        "shared": shared,
        "private": private,
        "meeting": meeting,
    }


def test_the_agenda_proposal_names_each_reason_a_case_is_there(world: dict[str, Any]) -> None:
    cw, territory = world["cw"], world["territory"]
    now = timezone.now()
    today = timezone.localdate()
    service = ServiceFactory()
    made: dict[str, Any] = {}
    made[AgendaReason.URGENT] = case_of(cw, territory=territory, urgent_safety=True)
    alerts = case_of(cw, territory=territory)
    alerts.__class__.objects.filter(pk=alerts.pk).update(multiple_alerts=True)
    made[AgendaReason.MULTIPLE_ALERTS] = alerts
    planned = case_of(cw, territory=territory)
    need = case_need_add(
        actor=cw, case=planned, term=TaxonomyTerm.objects.get(code="specialized.psychological_care")
    )
    plan = plan_start(actor=cw, case=planned, review_on=today + timedelta(days=60))
    goal = plan_goal_add(actor=cw, version=plan.versions.get(), description="Apoyo", need=need)
    action = plan_action_add(
        actor=cw, goal=goal, description="Derivar", responsible="Ana", due_on=today + timedelta(1)
    )
    PlanAction.objects.filter(pk=action.pk).update(due_on=today - timedelta(days=3))
    made[AgendaReason.OVERDUE_ACTIONS] = planned
    overdue = case_of(cw, territory=territory)
    Referral.objects.create(
        case=overdue,
        service=service,
        status=ReferralStatus.SENT,
        created_by=cw,
        response_due=now - timedelta(days=1),
    )
    made[AgendaReason.REFERRAL_OVERDUE] = overdue
    rejected = case_of(cw, territory=territory)
    for _ in range(2):
        Referral.objects.create(
            case=rejected, service=service, status=ReferralStatus.REJECTED, created_by=cw
        )
    made[AgendaReason.REFERRAL_REJECTED_TWICE] = rejected
    waiting = case_of(cw, territory=territory)
    WaitlistEntry.objects.create(
        case=waiting, service=service, requested_at=now - timedelta(days=200)
    )
    made[AgendaReason.LONG_WAIT] = waiting
    worse = case_of(cw, territory=territory)
    FollowUp.objects.create(
        case=worse, kind=FollowUpKind.CALL, due_on=today, done_on=today, result="worse"
    )
    made[AgendaReason.FOLLOW_UP_WORSE] = worse
    unreached = case_of(cw, territory=territory)
    for days in (3, 10):
        FollowUp.objects.create(
            case=unreached,
            kind=FollowUpKind.HOME_VISIT,
            due_on=today - timedelta(days),
            done_on=today - timedelta(days),
            result=FollowUpResult.NO_CONTACT,
        )
    made[AgendaReason.REPEATED_NO_CONTACT] = unreached
    closing = case_of(cw, territory=territory)
    CaseClosure.objects.create(case=closing, reason=CaseCloseReason.choices[0][0], requested_by=cw)
    made[AgendaReason.CLOSURE_TO_VERIFY] = closing
    # Another territory's urgent case is not this meeting's.
    far = case_of(cw, territory=world["elsewhere"], urgent_safety=True)

    proposed = {row.case.pk: row.reasons for row in agenda_proposal(territory_id=territory.pk)}

    for reason, case in made.items():
        assert reason in proposed.get(case.pk, []), reason
    assert far.pk not in proposed
    assert world["shared"].pk not in proposed
    assert {r.case.pk for r in agenda_proposal(territory_id=None)} >= {far.pk}


def test_the_proposal_runs_in_a_bounded_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        agenda_proposal(territory_id=world["territory"].pk)


def test_convening_tells_the_invited_people_with_its_own_kind(world: dict[str, Any]) -> None:
    told = meeting_convene(actor=world["coord"], meeting=world["meeting"])
    assert told == 2
    told_nurse = Notification.objects.get(
        user=world["nurse"], kind=NotificationKind.MEETING_CONVENED
    )
    assert told_nurse.link == f"/reuniones/{world['meeting'].pk}/"
    assert not Notification.objects.filter(
        user=world["stranger"], kind=NotificationKind.MEETING_CONVENED
    ).exists()
    world["meeting"].refresh_from_db()
    assert world["meeting"].status == MeetingStatus.CONVENED


def test_an_organization_sees_only_the_items_its_consent_allows(world: dict[str, Any]) -> None:
    meeting = world["meeting"]
    agenda_item_add(actor=world["cw"], meeting=meeting, case=world["shared"])
    agenda_item_add(actor=world["cw"], meeting=meeting, case=world["private"])

    lead_page = signed_in(world["cw"]).get(f"/reuniones/{meeting.pk}/").content.decode()
    nurse_page = signed_in(world["nurse"]).get(f"/reuniones/{meeting.pk}/").content.decode()

    assert world["shared"].code in lead_page and world["private"].code in lead_page
    assert world["shared"].code in nurse_page
    assert world["private"].code not in nurse_page  # no consent to share information


def test_another_territorys_organization_is_refused_the_meeting(world: dict[str, Any]) -> None:
    meeting = world["meeting"]
    client = signed_in(world["stranger"])
    for path in (f"/reuniones/{meeting.pk}/", f"/reuniones/{meeting.pk}/acta/"):
        assert client.get(path).status_code == 404
    assert api_client_for(world["stranger"]).get(f"/api/meetings/{meeting.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        user=world["stranger"], action=AuditAction.REFUSED, record_type=AuditRecordType.MEETING
    ).exists()
    assert world["meeting"].title not in client.get("/reuniones/").content.decode()


def test_a_member_cannot_bring_another_teams_case(world: dict[str, Any]) -> None:
    response = signed_in(world["nurse"]).post(
        f"/reuniones/{world['meeting'].pk}/", {"action": "add", "code": world["shared"].code}
    )
    assert response.status_code == 403 or "own team" in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=world["meeting"]).exists()


def test_a_member_may_not_convene(world: dict[str, Any]) -> None:
    response = signed_in(world["cw"]).post(
        f"/reuniones/{world['meeting'].pk}/", {"action": "convene"}
    )
    assert response.status_code == 403
    world["meeting"].refresh_from_db()
    assert world["meeting"].status == MeetingStatus.DRAFT


def test_an_agreement_becomes_a_task_of_two_organizations(world: dict[str, Any]) -> None:
    meeting = world["meeting"]
    item = agenda_item_add(actor=world["cw"], meeting=meeting, case=world["shared"])
    response = signed_in(world["coord"]).post(
        f"/reuniones/{meeting.pk}/casos/{item.pk}/",
        {
            f"d-{item.pk}-challenges": "La familia no asiste",
            f"d-{item.pk}-progress": "Asiste al colegio",
            f"a-{item.pk}-text": "Visita domiciliaria conjunta",
            f"a-{item.pk}-organization": str(world["partner"].pk),
            f"a-{item.pk}-responsible": str(world["nurse"].pk),
            f"a-{item.pk}-due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.organization == world["partner"]
    for person in ("nurse", "cw"):  # the owner, and the case's lead team
        page = signed_in(world[person]).get("/tareas/").content.decode()
        assert "Visita domiciliaria conjunta" in page, person
        assert f"agreement-{agreement.pk}" in page
    stranger = signed_in(world["stranger"]).get("/tareas/").content.decode()
    assert "Visita domiciliaria conjunta" not in stranger


def test_an_agreement_with_a_person_of_another_organization_names_the_field(
    world: dict[str, Any],
) -> None:
    item = agenda_item_add(actor=world["cw"], meeting=world["meeting"], case=world["shared"])
    response = signed_in(world["coord"]).post(
        f"/reuniones/{world['meeting'].pk}/casos/{item.pk}/",
        {
            f"a-{item.pk}-text": "Algo",
            f"a-{item.pk}-organization": str(world["lead"].pk),
            f"a-{item.pk}-responsible": str(world["nurse"].pk),
            f"a-{item.pk}-due_on": "no es una fecha",
        },
    )
    assert response.status_code == 400
    assert not Agreement.objects.exists()


def test_the_next_meeting_opens_with_the_last_ones_agreements_and_their_status(
    world: dict[str, Any],
) -> None:
    last = world["meeting"]
    item = agenda_item_add(actor=world["cw"], meeting=last, case=world["shared"])
    done = agreement_add(
        actor=world["coord"],
        item=item,
        text="Coordinar con el colegio",
        organization=world["lead"],
        due_on=date.today(),
    )
    agreement_add(
        actor=world["coord"],
        item=item,
        text="Evaluación de salud mental",
        organization=world["partner"],
        due_on=date.today(),
    )
    response = signed_in(world["cw"]).post(
        f"/reuniones/acuerdos/{done.pk}/", {"status": AgreementStatus.DONE}
    )
    assert response.status_code == 302
    following = meeting_create(
        actor=world["coord"],
        title="Junta técnica de enero",
        held_on=last.held_on + timedelta(days=30),
        territory=world["territory"],
        organizations=[world["lead"]],
    )
    page = signed_in(world["cw"]).get(f"/reuniones/{following.pk}/").content.decode()
    assert 'id="previous-agreements"' in page
    assert 'data-status="done"' in page and "Coordinar con el colegio" in page
    assert 'data-status="open"' in page and "Evaluación de salud mental" in page


def test_reading_the_minutes_is_audited_and_carries_codes_only(world: dict[str, Any]) -> None:
    item = agenda_item_add(actor=world["cw"], meeting=world["meeting"], case=world["shared"])
    item.challenges = "<b>texto</b>"
    item.save()
    page = signed_in(world["coord"]).get(f"/reuniones/{world['meeting'].pk}/acta/")
    body = page.content.decode()
    assert world["shared"].code in body
    assert "&lt;b&gt;texto&lt;/b&gt;" in body
    assert "@media print" in Path("static/network/network.css").read_text()
    assert AuditEntry.objects.filter(
        user=world["coord"], action=AuditAction.EXPORT, record_type=AuditRecordType.MEETING
    ).exists()


def test_the_list_shows_attendance_by_organization(world: dict[str, Any]) -> None:
    meeting = world["meeting"]
    lead_invitations = meeting.invitations.filter(organization=world["lead"])
    response = signed_in(world["coord"]).post(
        f"/reuniones/{meeting.pk}/",
        {"action": "attendance", "present": [str(i.pk) for i in lead_invitations]},
    )
    assert response.status_code == 302
    page = signed_in(world["coord"]).get("/reuniones/").content.decode()
    assert 'id="attendance-table"' in page
    assert "OPD Norte" in page and 'value="100"' in page and 'value="0"' in page


def test_the_api_lists_only_readable_items(world: dict[str, Any]) -> None:
    meeting = world["meeting"]
    agenda_item_add(actor=world["cw"], meeting=meeting, case=world["shared"])
    agenda_item_add(actor=world["cw"], meeting=meeting, case=world["private"])
    data = api_client_for(world["nurse"]).get(f"/api/meetings/{meeting.pk}/").json()
    assert [row["case_code"] for row in data["agenda"]] == [world["shared"].code]
    assert (
        api_client_for(world["nurse"]).get(f"/api/meetings/{meeting.pk}/proposal/").status_code
        == 403
    )


def test_retention_blanks_what_was_said_of_the_case(world: dict[str, Any]) -> None:
    item = agenda_item_add(actor=world["cw"], meeting=world["meeting"], case=world["shared"])
    item.challenges = "Nombre del padre"
    item.save()
    agreement_add(
        actor=world["coord"],
        item=item,
        text="Llamar a X",
        organization=world["lead"],
        due_on=date.today(),
    )
    on_cases_anonymising(case_ids=[world["shared"].pk])
    item.refresh_from_db()
    assert item.challenges == ""
    assert Agreement.objects.get().text == ""
