"""Case notes: the team writes and reads them; nobody else does; text never in the URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry, AuditRecordType
from cases.models import CaseNote, NoteVisibility
from tests.factories import referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def test_a_note_is_written_read_back_escaped_and_audited_without_its_text(world):
    case, client = world["case"], signed_in(world["caseworker"])
    add = reverse("cases:case_note_add", args=[case.pk])
    response = client.post(
        add, {"text": "La madre <b>llamó</b>", "visibility": NoteVisibility.TEAM}
    )
    assert response.status_code == 302 and "llam" not in response["Location"]
    page = client.get(reverse("cases:case_notes", args=[case.pk])).content.decode()
    assert "La madre &lt;b&gt;llamó&lt;/b&gt;" in page
    note = CaseNote.objects.get(case=case)
    assert note.author == world["caseworker"]
    entries = AuditEntry.objects.filter(record_type=AuditRecordType.NOTE, case_code=case.code)
    assert entries.exists() and not entries.filter(detail__contains="madre").exists()


def test_an_empty_note_names_both_fields_and_saves_nothing(world):
    case, client = world["case"], signed_in(world["caseworker"])
    response = client.post(reverse("cases:case_note_add", args=[case.pk]), {"text": "  "})
    assert response.status_code == 400
    assert {"text", "visibility"} <= set(response.context["form"].errors)
    assert not CaseNote.objects.exists()


def test_another_team_gets_404_and_a_planner_403_for_the_notes(world):
    case = world["case"]
    for url in (
        reverse("cases:case_notes", args=[case.pk]),
        reverse("cases:case_note_add", args=[case.pk]),
    ):
        assert signed_in(user_with_role(Role.CASEWORKER)).get(url).status_code in (404, 405)
        assert signed_in(user_with_role(Role.PLANNER)).get(url).status_code in (403, 405)
    stranger = signed_in(user_with_role(Role.CASEWORKER))
    post = stranger.post(
        reverse("cases:case_note_add", args=[case.pk]), {"text": "x", "visibility": "team"}
    )
    assert post.status_code == 404 and not CaseNote.objects.exists()
