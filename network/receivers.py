"""What meetings do when the case file changes: connected to ``cases.signals``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from cases.models import Case
from cases.signals import cases_anonymising
from network.models import AgendaItem, Agreement


def on_cases_anonymising(*, case_ids: Sequence[UUID], **_kwargs: Any) -> None:
    # What was said of the child at a meeting, and agreed: the dates and owners stay.
    AgendaItem.objects.filter(case_id__in=case_ids).update(challenges="", progress="")
    Agreement.objects.filter(case_id__in=case_ids).update(text="")


cases_anonymising.connect(on_cases_anonymising, sender=Case, dispatch_uid="network.anonymise")
