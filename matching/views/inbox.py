"""The inbox: anyone's unread notifications, and the open alerts of a caseworker's team.

New alerts come first, the gravest and newest first among them (the order lives in
``cases.selectors.alert_inbox_for_case_team``); the list is paged and filtered by type
and state. The counts beside the inbox's link are in ``matching.templatetags.inbox_tags``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of
from audit.models import AuditRecordType
from audit.services import audit_list
from cases.models import AlertStatus
from cases.selectors import alert_inbox_for_case_team, case_team_organization_ids
from matching.forms import InboxFilterForm, NotificationReadForm
from matching.selectors import notification_unread_ids
from matching.views.common import safe_link
from notifications.selectors import notification_list_unread, notification_unread_count
from notifications.services import notification_mark_read

ALERTS_PER_PAGE = 25
# The newest unread notifications shown; the older ones wait until these are read.
NOTIFICATIONS_SHOWN = 30
# The query-string keys the inbox keeps between a filter, a page and an answer.
INBOX_QUERY_KEYS = ("alert_type", "status", "page")


def inbox_query(data: QueryDict) -> str:
    """The inbox's own parameters out of ``data``, valid ones only, as a query string."""
    form = InboxFilterForm(data)
    if not form.is_valid():
        return ""
    kept = QueryDict(mutable=True)
    for key in INBOX_QUERY_KEYS:
        value = form.cleaned_data.get(key)
        if value:
            kept[key] = str(value)
    return kept.urlencode()


def inbox_url(query: str = "") -> str:
    url = reverse("matching:inbox")
    return f"{url}?{query}" if query else url


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Unread notifications for anyone; the open alerts of the team for caseworkers."""
    is_case_team = bool(case_team_organization_ids(user=request.user))
    # The filters are the alerts': without a team's alerts there is nothing to filter.
    form = InboxFilterForm((request.GET or None) if is_case_team else None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    notifications = [
        {"notification": n, "link": safe_link(n.link)}
        for n in notification_list_unread(user=request.user)[:NOTIFICATIONS_SHOWN]
    ]
    unread = len(notifications)
    if unread == NOTIFICATIONS_SHOWN:
        unread = notification_unread_count(user=request.user)
    page = None
    if is_case_team:
        alerts = alert_inbox_for_case_team(user=request.user, **form.filters())
        page = Paginator(alerts, ALERTS_PER_PAGE).get_page(form.page_number())
        audit_list(
            request,
            record_type=AuditRecordType.ALERT,
            count=len(page.object_list),
            page=page.number,
        )
    query = QueryDict(mutable=True)
    if form.is_bound and form.is_valid():
        for key in ("alert_type", "status"):
            if form.cleaned_data[key]:
                query[key] = form.cleaned_data[key]
    context = {
        "form": form,
        "notifications": notifications,
        "unread_count": unread,
        "page": page,
        "query": query.urlencode(),
        "answer_query": inbox_query(request.GET),
        "is_case_team": is_case_team,
        "AlertStatus": AlertStatus,
    }
    return render(request, "matching/inbox.html", context, status=status)


@require_POST
@login_required
def notification_read(request: HttpRequest) -> HttpResponse:
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That notification could not be found."))
        return redirect("matching:inbox")
    chosen = form.cleaned_data["notification"]
    ids = [chosen] if chosen else notification_unread_ids(user=request.user)
    marked = notification_mark_read(user=actor_of(request), notification_ids=ids)
    if marked:
        messages.success(request, _("Marked as read."))
    return redirect("matching:inbox")


__all__ = ["inbox", "inbox_query", "inbox_url", "notification_read"]
