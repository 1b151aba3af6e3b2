"""What waitlists do when the case file changes: connected to ``cases.signals``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from accounts.models import User
from cases.models import Case
from cases.signals import case_places_releasing, cases_anonymising
from waitlists.closing import case_waitlists_release
from waitlists.models import WaitlistEvent


def on_case_closing(*, case: Case, actor: User, **_kwargs: Any) -> dict[str, int]:
    return case_waitlists_release(actor=actor, case=case)


def on_cases_anonymising(*, case_ids: Sequence[UUID], **_kwargs: Any) -> None:
    # A waitlist event's note may describe the child; the dates and moves stay.
    WaitlistEvent.objects.filter(case_id__in=case_ids).update(note="")


def receivers_connect() -> None:
    # dispatch_uid: ready() may run twice (the test runner, autoreload); connect once.
    cases_anonymising.connect(on_cases_anonymising, sender=Case, dispatch_uid="waitlists.anonymise")
    case_places_releasing.connect(on_case_closing, sender=Case, dispatch_uid="waitlists.release")
