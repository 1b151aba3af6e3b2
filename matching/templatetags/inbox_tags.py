"""The inbox's counts beside its link in the navigation, computed once a request."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from cases.selectors import alert_unseen_count_for_case_team
from notifications.selectors import notification_unread_count

register = template.Library()

# Where the counts are kept on the request: the navigation may ask more than once.
_CACHE_ATTRIBUTE = "_puente_inbox_counts"


@dataclass(frozen=True)
class InboxCounts:
    notifications: int
    alerts: int

    @property
    def total(self) -> int:
        return self.notifications + self.alerts


@register.simple_tag(takes_context=True)
def inbox_counts(context: template.Context) -> InboxCounts:
    """Unread notifications and the team's new alerts: two COUNTs on indexed columns."""
    request = getattr(context, "request", None) or context.get("request")
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, InboxCounts):
        return cached
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return InboxCounts(notifications=0, alerts=0)
    counts = InboxCounts(
        notifications=notification_unread_count(user=user),
        alerts=alert_unseen_count_for_case_team(user=user),
    )
    if request is not None:
        setattr(request, _CACHE_ATTRIBUTE, counts)
    return counts
