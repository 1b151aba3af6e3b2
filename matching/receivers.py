"""What matching does when the case file changes: connected to ``cases.signals``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from cases.services.follow_up import follow_up_period_start
from cases.signals import case_changed, case_closing, cases_anonymising
from matching.models import Referral, ReferralEvent, ReferralStatus
from matching.services import case_priority_refresh, referral_transition


def on_case_changed(*, case: Case, **_kwargs: Any) -> None:
    case_priority_refresh(case=case)


def on_case_closing(*, case: Case, actor: User, **_kwargs: Any) -> dict[str, int]:
    open_referrals = case.referrals.filter(
        status__in=[
            ReferralStatus.DRAFT,
            ReferralStatus.SENT,
            ReferralStatus.ACCEPTED,
            ReferralStatus.WAITING,
            # In service without an enrolment (a service whose places Puente does not
            # keep): the enrolled ones were withdrawn as their enrolment ended.
            ReferralStatus.IN_SERVICE,
        ]
    )
    withdrawn = 0
    for referral in open_referrals.order_by("pk"):
        referral_transition(
            actor=actor,
            referral=referral,
            to_status=ReferralStatus.WITHDRAWN,
            note=_("The case was closed."),
        )
        withdrawn += 1
    return {"referrals": withdrawn}


ENDED = (
    ReferralStatus.COMPLETED,
    ReferralStatus.NO_SHOW,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.REJECTED,
    ReferralStatus.EXPIRED,
)


def on_referral_saved(*, instance: Referral, **_kwargs: Any) -> None:
    """A service completed and none is left open: the case's follow-up period starts.

    After the commit, in a transaction of its own: planning takes the case's lock, and
    taking it while the referral's is held would cross a closing that takes them the
    other way round. A completion never waits on, nor fails with, the planning.
    """
    if instance.status != ReferralStatus.COMPLETED:
        return
    case_id = instance.case_id

    def start() -> None:
        if not Referral.objects.filter(case_id=case_id).exclude(status__in=ENDED).exists():
            follow_up_period_start(case=Case.objects.get(pk=case_id))

    transaction.on_commit(start)


def on_cases_anonymising(*, case_ids: Sequence[UUID], **_kwargs: Any) -> None:
    # Free text that may describe the child or name people; states and dates stay.
    Referral.objects.filter(case_id__in=case_ids).update(
        shared_note="", consent_override_reason="", admissibility_override_reason="", feedback=""
    )
    ReferralEvent.objects.filter(referral__case_id__in=case_ids).update(note="")


def receivers_connect() -> None:
    # dispatch_uid: ready() may run twice (the test runner, autoreload); connect once.
    case_changed.connect(on_case_changed, sender=Case, dispatch_uid="matching.rescore")
    case_closing.connect(on_case_closing, sender=Case, dispatch_uid="matching.withdraw")
    cases_anonymising.connect(on_cases_anonymising, sender=Case, dispatch_uid="matching.anonymise")
    post_save.connect(on_referral_saved, sender=Referral, dispatch_uid="matching.follow_up")
