"""The periodic sweeps of referrals: late answers flagged once, long-unanswered ones expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import case_team_notify
from matching.models import Referral, ReferralStatus
from matching.services.recompute import priority_recompute
from matching.services.referrals import referral_transition
from notifications.models import NotificationKind


@transaction.atomic
def referrals_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the caseworkers of referrals whose answer is late, once each; rescore them."""
    now = now or timezone.now()
    overdue = list(
        Referral.objects.select_for_update(skip_locked=True)
        .filter(status=ReferralStatus.SENT, response_due__lt=now, overdue_notified=False)
        .select_related("case", "service")
    )
    for referral in overdue:
        case_team_notify(
            case=referral.case,
            kind=NotificationKind.REFERRAL_OVERDUE,
            text=_("The answer to the referral of case %(code)s to %(service)s is overdue.")
            % {"code": referral.case.code, "service": referral.service.name},
        )
    Referral.objects.filter(pk__in=[r.pk for r in overdue]).update(overdue_notified=True)
    if overdue:
        priority_recompute(case_ids=list({r.case_id for r in overdue}), now=now)
    return len(overdue)


@transaction.atomic
def referrals_expire(*, now: datetime | None = None, grace_days: int = 14) -> int:
    """Close referrals left unanswered ``grace_days`` past their deadline."""
    now = now or timezone.now()
    stale = Referral.objects.filter(
        status=ReferralStatus.SENT, response_due__lt=now - timedelta(days=grace_days)
    )
    count = 0
    for referral in stale:
        referral_transition(
            actor=None,
            referral=referral,
            to_status=ReferralStatus.EXPIRED,
            note=_("No answer %(days)s days after the deadline.") % {"days": grace_days},
        )
        count += 1
    return count
