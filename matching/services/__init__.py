"""Writes on the priority policy, the cases' scores and referrals. Each checks its actor.

One module per concern; import from here (``from matching.services import X``):

- ``policy``: publishing the next version; the saved version in force
- ``recompute``: scoring open cases in bulk (binary COPY into NumPy) and storing changes
- ``referrals``: drafting and sending, and the state machine of every later move
- ``overdue``: the periodic sweeps, late answers flagged and stale referrals expired
- ``links``: referral letters and their one-time links, for services with no one on Puente
- ``follow_up``: a coordinator's reminders from the follow-up lists, throttled and audited

Services start Celery tasks by name (``PRIORITY_RECOMPUTE_ALL_TASK``), never by
importing ``matching.tasks``, which imports this package.
"""

from matching.services.follow_up import (
    REMINDER_INTERVAL,
    ReminderTooSoon,
    case_ask_review,
    referral_ask_redirect,
    referral_remind_provider,
)
from matching.services.links import (
    IssuedLink,
    LinkUnusable,
    referral_link_email,
    referral_link_place,
    referral_link_print,
    referral_link_resolve,
    referral_link_revoke,
    referral_link_viewed,
)
from matching.services.overdue import referrals_expire, referrals_flag_overdue
from matching.services.policy import (
    POLICY_FIELDS,
    PRIORITY_RECOMPUTE_ALL_TASK,
    policy_ensure_current,
    policy_publish,
)
from matching.services.recompute import case_priority_refresh, priority_recompute
from matching.services.referrals import (
    CASE_TEAM,
    PROVIDER,
    SLOT_MOVES,
    SYSTEM,
    TRANSITIONS,
    referral_allowed_moves,
    referral_answer_by_link,
    referral_create,
    referral_create_and_send,
    referral_record_meeting_decision,
    referral_send,
    referral_transition,
)

__all__ = [
    "CASE_TEAM",
    "POLICY_FIELDS",
    "PRIORITY_RECOMPUTE_ALL_TASK",
    "PROVIDER",
    "REMINDER_INTERVAL",
    "SLOT_MOVES",
    "SYSTEM",
    "TRANSITIONS",
    "IssuedLink",
    "LinkUnusable",
    "ReminderTooSoon",
    "case_ask_review",
    "case_priority_refresh",
    "policy_ensure_current",
    "policy_publish",
    "priority_recompute",
    "referral_allowed_moves",
    "referral_answer_by_link",
    "referral_ask_redirect",
    "referral_create",
    "referral_create_and_send",
    "referral_link_email",
    "referral_link_place",
    "referral_link_print",
    "referral_link_resolve",
    "referral_link_revoke",
    "referral_link_viewed",
    "referral_record_meeting_decision",
    "referral_remind_provider",
    "referral_send",
    "referral_transition",
    "referrals_expire",
    "referrals_flag_overdue",
]
