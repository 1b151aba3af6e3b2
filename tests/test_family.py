"""The family as the unit of work (issue 15): the family record and its pages, siblings
by code, the family's alerts, family accompaniment (criteria, sessions, exit), the
API, audit and retention.

People: **cw** the lead caseworker of the first child, **cw_b** the lead caseworker of
the sibling (another team), **cw2** a caseworker of an unrelated organization (refused),
**nurse** a partner's caseworker on the first child's case (with the consent to share),
**sup** the first team's supervisor.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import (
    AccompanimentCriteria,
    AccompanimentExit,
    AccompanimentSession,
    Alert,
    AlertType,
    Caregiver,
    ConsentScope,
    FamilyAccompaniment,
    FamilyChild,
    PartnerRole,
)
from cases.selectors_family import family_alerts, family_criteria_met, family_siblings
from cases.services import consent_record
from cases.services.family import (
    accompaniment_end,
    accompaniment_session_log,
    accompaniment_start,
    caregiver_add,
    family_child_link,
    family_create,
    family_goal_add,
)
from cases.services.partners import case_partner_add
from directory.models import RiskLevel
from tests.factories import OrganizationFactory, api_client_for, case_of, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    team_a = OrganizationFactory(name="OPD Norte")
    team_b = OrganizationFactory(name="PPF Sur")
    partner = OrganizationFactory(name="CESFAM Centro")
    cw = user_with_role(Role.CASEWORKER, team_a, username="cw", first_name="Ana", last_name="Rojas")
    cw_b = user_with_role(Role.CASEWORKER, team_b, username="cw_b")
    nurse = user_with_role(Role.CASEWORKER, partner, username="nurse")
    cw2 = user_with_role(Role.CASEWORKER, OrganizationFactory(name="Otra"), username="cw2")
    sup = user_with_role(Role.SUPERVISOR, team_a, username="sup")
    child_a = case_of(cw, risk_level=RiskLevel.HIGH)
    child_b = case_of(cw_b)
    case_partner_add(actor=cw, case=child_a, organization_id=partner.pk, role=PartnerRole.PROVIDER)
    consent_record(
        actor=cw,
        case=child_a,
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )
    family = family_create(actor=cw, case=child_a)
    family_child_link(actor=cw_b, case=child_b, family_code=family.code)
    caregiver_add(
        actor=cw, family=family, relationship="mother", name="Rosa", note="Trabaja de día"
    )
    goal = family_goal_add(actor=cw, family=family, description="Rutinas estables en el hogar")
    return {
        "cw": cw,
        "cw_b": cw_b,
        "nurse": nurse,
        "cw2": cw2,
        "sup": sup,
        "a": child_a,
        "b": child_b,
        "family": family,
        "goal": goal,
        "team_a": team_a,
    }


def _alert(world: dict[str, Any], case: Any) -> Alert:
    return Alert.objects.create(
        case=case,
        raised_by=world["nurse"],
        raised_by_organization=world["nurse"].memberships.get().organization,
        alert_type=AlertType.SCHOOL_ABSENCE,
        severity=RiskLevel.MODERATE,
    )


# --- the family and its siblings ---------------------------------------------------


def test_siblings_show_each_other_by_code_only_to_those_who_see_each_case(world):
    family = world["family"]
    seen_by_a = {s.case_id: s for s in family_siblings(user=world["cw"], family=family)}
    # cw leads child A and does not see child B's case: only "a sibling's case of team".
    assert seen_by_a[world["a"].pk].code == world["a"].code
    assert seen_by_a[world["b"].pk].code == ""
    assert "PPF Sur" in seen_by_a[world["b"].pk].label
    seen_by_b = {s.case_id: s for s in family_siblings(user=world["cw_b"], family=family)}
    assert seen_by_b[world["b"].pk].code == world["b"].code
    assert seen_by_b[world["a"].pk].code == ""


def test_the_case_page_shows_the_family_and_the_sibling_by_team(world):
    response = signed_in(world["cw"]).get(reverse("matching:case_detail", args=[world["a"].pk]))
    body = response.content.decode()
    assert world["family"].code in body
    assert world["b"].code not in body
    assert "PPF Sur" in body


def test_a_sibling_code_is_shown_when_the_viewer_leads_both_cases(world):
    child_c = case_of(world["cw"])
    family_child_link(actor=world["cw"], case=child_c, family_code=world["family"].code.lower())
    response = signed_in(world["cw"]).get(reverse("matching:case_detail", args=[world["a"].pk]))
    assert child_c.code in response.content.decode()


def test_the_plan_page_links_the_family_plan(world):
    response = signed_in(world["cw"]).get(reverse("cases:case_plan", args=[world["a"].pk]))
    assert response.status_code == 200
    assert reverse("cases:family", args=[world["family"].pk]) in response.content.decode()


def test_the_family_page_shows_caregivers_and_the_family_plan_to_the_childrens_teams(world):
    for person in ("cw", "cw_b", "nurse", "sup"):
        response = signed_in(world[person]).get(reverse("cases:family", args=[world["family"].pk]))
        assert response.status_code == 200, person
        body = response.content.decode()
        assert "Rosa" in body
        assert "Rutinas estables" in body
    assert (
        AuditEntry.objects.filter(
            record_type=AuditRecordType.FAMILY, action=AuditAction.READ
        ).count()
        == 4
    )


def test_another_teams_caseworker_cannot_open_the_family_nor_see_the_siblings_content(world):
    client = signed_in(world["cw2"])
    url = reverse("cases:family", args=[world["family"].pk])
    response = client.get(url)
    assert response.status_code == 404
    assert "Rosa" not in response.content.decode()
    assert (
        client.get(reverse("cases:family_accompaniment", args=[world["family"].pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("cases:family_caregiver_add", args=[world["family"].pk]),
            {"relationship": "father"},
        ).status_code
        == 404
    )
    assert client.post(reverse("cases:family_create", args=[world["a"].pk])).status_code == 404
    assert (
        api_client_for(world["cw2"])
        .get(reverse("cases-api:family", args=[world["family"].pk]))
        .status_code
        == 404
    )
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.FAMILY, action=AuditAction.REFUSED, user=world["cw2"]
    ).exists()
    assert Caregiver.objects.count() == 1


def test_a_partner_without_the_consent_to_share_is_refused(world):
    other = case_of(world["cw"])
    case_partner_add(
        actor=world["cw"],
        case=other,
        organization_id=world["cw2"].memberships.get().organization_id,
        role=PartnerRole.PROVIDER,
    )
    family_child_link(actor=world["cw"], case=other, family_code=world["family"].code)
    # cw2 is a partner on `other`, whose family gave no consent to share: a packet only.
    response = signed_in(world["cw2"]).get(reverse("cases:family", args=[world["family"].pk]))
    assert response.status_code == 403


def test_only_the_lead_team_writes_caregivers_and_goals(world):
    nurse = signed_in(world["nurse"])
    assert (
        nurse.post(
            reverse("cases:family_goal_add", args=[world["family"].pk]), {"description": "x"}
        ).status_code
        == 403
    )
    cw_b = signed_in(world["cw_b"])
    response = cw_b.post(
        reverse("cases:family_caregiver_add", args=[world["family"].pk]),
        {"relationship": "grandparent", "lives_in_household": "on"},
    )
    assert response.status_code == 302
    assert Caregiver.objects.filter(relationship="grandparent").exists()


def test_a_case_joins_one_family_only_and_a_wrong_code_is_named(world):
    client = signed_in(world["cw"])
    response = client.post(
        reverse("cases:family_link", args=[world["a"].pk]), {"family_code": "F-NOPE"}, follow=True
    )
    assert (
        "No family has this code" in response.content.decode()
        or "Ninguna" in response.content.decode()
    )
    response = client.post(reverse("cases:family_create", args=[world["a"].pk]))
    assert response.status_code == 302
    assert FamilyChild.objects.filter(case=world["a"]).count() == 1


def test_create_a_family_from_the_case_page(world):
    child = case_of(world["cw2"])
    response = signed_in(world["cw2"]).post(reverse("cases:family_create", args=[child.pk]))
    assert response.status_code == 302
    link = FamilyChild.objects.get(case=child)
    assert response["Location"] == reverse("cases:family", args=[link.family_id])
    assert link.family.code.startswith("F-")
    assert hasattr(link.family, "plan")


# --- alerts on one family -----------------------------------------------------------


def test_two_alerts_on_two_siblings_are_simultaneous_alerts_on_one_family(world):
    _alert(world, world["a"])
    assert not family_alerts(family=world["family"]).simultaneous
    _alert(world, world["b"])
    alerts = family_alerts(family=world["family"])
    assert (alerts.count, alerts.children, alerts.simultaneous) == (2, 2, True)
    family_page = signed_in(world["cw"]).get(reverse("cases:family", args=[world["family"].pk]))
    assert 'id="family-simultaneous-alerts"' in family_page.content.decode()
    case_page = signed_in(world["cw_b"]).get(reverse("matching:case_detail", args=[world["b"].pk]))
    assert 'id="family-simultaneous-alerts"' in case_page.content.decode()


def test_two_alerts_on_one_child_are_not_simultaneous_for_the_family(world):
    _alert(world, world["a"])
    _alert(world, world["a"])
    assert not family_alerts(family=world["family"]).simultaneous


# --- family accompaniment -----------------------------------------------------------


def test_a_family_is_flagged_by_the_coordinators_criteria(world):
    criteria = AccompanimentCriteria.objects.create(
        min_open_children=3, min_risk_level="", min_alerts=None
    )
    assert family_criteria_met(family=world["family"], criteria=criteria) == []
    criteria.min_open_children = 2
    assert len(family_criteria_met(family=world["family"], criteria=criteria)) == 1
    criteria.min_open_children = None
    criteria.min_risk_level = RiskLevel.HIGH
    assert len(family_criteria_met(family=world["family"], criteria=criteria)) == 1
    criteria.min_risk_level = RiskLevel.VERY_HIGH
    assert family_criteria_met(family=world["family"], criteria=criteria) == []
    criteria.min_risk_level = ""
    criteria.min_alerts = 2
    criteria.alert_window_days = 30
    _alert(world, world["a"])
    old = _alert(world, world["b"])
    Alert.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=40))
    assert family_criteria_met(family=world["family"], criteria=criteria) == []
    _alert(world, world["b"])
    assert len(family_criteria_met(family=world["family"], criteria=criteria)) == 1
    criteria.save()
    page = signed_in(world["cw"]).get(reverse("cases:family", args=[world["family"].pk]))
    assert 'id="accompaniment-flag"' in page.content.decode()


def test_start_log_sessions_and_exit_through_the_pages(world):
    family = world["family"]
    client = signed_in(world["cw"])
    response = client.post(
        reverse("cases:accompaniment_start", args=[family.pk]),
        {
            "accompanist": str(world["cw"].pk),
            "intensity": "weekly",
            "started_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    accompaniment = FamilyAccompaniment.objects.get(family=family)
    assert accompaniment.organization == world["team_a"]
    response = client.post(
        reverse("cases:accompaniment_session", args=[family.pk]),
        {
            "kind": "visit",
            "held_on": timezone.localdate().isoformat(),
            "participants": "Madre y los dos niños",
            "goals": [str(world["goal"].pk)],
            "progress": "3",
            "next_step": "Visita en dos semanas",
        },
    )
    assert response.status_code == 302
    session = AccompanimentSession.objects.get()
    assert list(session.goals.all()) == [world["goal"]]
    log = client.get(reverse("cases:family_accompaniment", args=[family.pk])).content.decode()
    assert "Madre y los dos niños" in log
    response = client.post(
        reverse("cases:accompaniment_end", args=[family.pk]),
        {"exit_reason": "goals_met", "ended_on": timezone.localdate().isoformat(), "note": ""},
    )
    assert response.status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.exit_reason == AccompanimentExit.GOALS_MET
    assert accompaniment.ended_on == timezone.localdate()


def test_the_accompanist_logs_sessions_but_others_on_a_partner_team_do_not(world):
    family = world["family"]
    accompaniment = accompaniment_start(
        actor=world["sup"], family=family, accompanist=world["nurse"], intensity="monthly"
    )
    session = accompaniment_session_log(
        actor=world["nurse"],
        accompaniment=accompaniment,
        held_on=timezone.localdate(),
        participants="Madre",
        progress=4,
    )
    assert session.recorded_by == world["nurse"]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        accompaniment_session_log(
            actor=world["sup"],
            accompaniment=accompaniment,
            held_on=timezone.localdate(),
            participants="x",
            progress=2,
        )
    accompaniment_end(actor=world["nurse"], accompaniment=accompaniment, exit_reason="moved")
    assert FamilyAccompaniment.objects.get().exit_reason == "moved"


def test_an_accompanist_must_work_on_a_childs_case_team(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        accompaniment_start(
            actor=world["cw"], family=world["family"], accompanist=world["cw2"], intensity="weekly"
        )
    assert "accompanist" in error.value.message_dict


def test_a_session_in_the_future_or_after_the_exit_is_refused_by_field(world):
    from django.core.exceptions import ValidationError

    accompaniment = accompaniment_start(
        actor=world["cw"], family=world["family"], accompanist=world["cw"], intensity="weekly"
    )
    with pytest.raises(ValidationError) as error:
        accompaniment_session_log(
            actor=world["cw"],
            accompaniment=accompaniment,
            held_on=timezone.localdate() + timedelta(days=1),
            participants="Madre",
            progress=3,
        )
    assert "held_on" in error.value.message_dict
    accompaniment_end(actor=world["cw"], accompaniment=accompaniment, exit_reason="dropped_out")
    with pytest.raises(ValidationError):
        accompaniment_session_log(
            actor=world["cw"],
            accompaniment=accompaniment,
            held_on=timezone.localdate(),
            participants="Madre",
            progress=3,
        )


# --- the API ------------------------------------------------------------------------


def test_the_api_shows_the_family_and_logs_a_session(world):
    family = world["family"]
    api = api_client_for(world["cw"])
    body = api.get(reverse("cases-api:family", args=[family.pk])).json()
    assert body["code"] == family.code
    codes = {child["code"] for child in body["children"]}
    assert codes == {world["a"].code, None}
    started = api.post(
        reverse("cases-api:family-accompaniment", args=[family.pk]),
        {"accompanist": str(world["cw"].pk), "intensity": "fortnightly"},
        format="json",
    )
    assert started.status_code == 201
    bad = api.post(
        reverse("cases-api:family-sessions", args=[family.pk]),
        {"held_on": timezone.localdate().isoformat(), "participants": "Madre", "progress": 9},
        format="json",
    )
    assert bad.status_code == 400
    assert "progress" in bad.json()
    logged = api.post(
        reverse("cases-api:family-sessions", args=[family.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "participants": "Madre",
            "progress": 3,
            "goals": [str(world["goal"].pk)],
        },
        format="json",
    )
    assert logged.status_code == 201
    listed = api.get(reverse("cases-api:family-sessions", args=[family.pk])).json()
    assert len(listed["results"]) == 1
    ended = api.post(
        reverse("cases-api:family-accompaniment-exit", args=[family.pk]),
        {"exit_reason": "transferred"},
        format="json",
    )
    assert ended.status_code == 200
    assert ended.json()["exit_reason"] == "transferred"
    # A partner reads but does not start an accompaniment.
    nurse = api_client_for(world["nurse"])
    assert nurse.get(reverse("cases-api:family", args=[family.pk])).status_code == 200
    assert (
        nurse.post(
            reverse("cases-api:family-accompaniment", args=[family.pk]),
            {"accompanist": str(world["nurse"].pk), "intensity": "weekly"},
            format="json",
        ).status_code
        == 403
    )


# --- retention ----------------------------------------------------------------------


def test_retention_blanks_caregivers_and_session_words_once_every_childs_case_goes(world):
    from cases.services.family import family_anonymise_for_cases

    accompaniment = accompaniment_start(
        actor=world["cw"], family=world["family"], accompanist=world["cw"], intensity="weekly"
    )
    accompaniment_session_log(
        actor=world["cw"],
        accompaniment=accompaniment,
        held_on=timezone.localdate(),
        participants="Rosa y los niños",
        progress=3,
        next_step="Llamar a Rosa",
    )
    assert family_anonymise_for_cases(case_ids=[world["a"].pk]) == 0
    assert Caregiver.objects.get().name == "Rosa"
    assert family_anonymise_for_cases(case_ids=[world["a"].pk, world["b"].pk]) == 1
    caregiver = Caregiver.objects.get()
    assert (caregiver.name, caregiver.note, caregiver.relationship) == ("", "", "mother")
    session = AccompanimentSession.objects.get()
    assert (session.participants, session.next_step, session.progress) == ("", "", 3)
