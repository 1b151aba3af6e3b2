"""Writing a case note: by the owning team, in the name of the organization they work for."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, CaseNote, NoteVisibility
from cases.services.team import case_team_require

NOTE_MAX = 5000


@transaction.atomic
def case_note_write(*, actor: User, case: Case, text: str, visibility: str) -> CaseNote:
    case_team_require(actor=actor, case=case)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": _("A note has at most %(n)s characters.") % {"n": NOTE_MAX}})
    if visibility not in NoteVisibility.values:
        raise ValidationError({"visibility": _("Choose who may read the note.")})
    note = CaseNote(
        case=case,
        author=actor,
        organization_id=case.organization_id,
        text=text,
        visibility=visibility,
    )
    note.full_clean()
    note.save()
    return note
