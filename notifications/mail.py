"""The words of notification emails, written from a notification's kind, case code and
link only, in the recipient's language.

The inbox text is never mailed: it may name a service or an organization and is in the
sender's language. A mail says what kind of thing happened, on which case (its code),
and links to Puente, where the person reads the rest after signing in.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Notification, NotificationKind


def site_link(link: str) -> str:
    """An absolute address in Puente for a stored path (the inbox when there is none)."""
    path = link if link.startswith("/") else "/bandeja/"
    return f"{settings.SITE_URL}{path}"


def _language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _footer() -> str:
    return "\n".join(
        [
            "--",
            _("Puente writes no case contents in an email: read them in Puente."),
            _("Choose which notices reach you by email: %(url)s")
            % {"url": f"{settings.SITE_URL}{reverse('notifications:preferences')}"},
        ]
    )


def _line(*, kind: str, case_code: str) -> str:
    label = str(NotificationKind(kind).label) if kind in NotificationKind.values else ""
    if case_code:
        return _("%(what)s: case %(code)s.") % {"what": label, "code": case_code}
    return f"{label}."


def notification_email_render(
    *, kind: str, case_code: str, link: str, language: str
) -> tuple[str, str]:
    """(subject, body) of the mail sent at once for one notification."""
    with translation.override(_language(language)):
        subject = _("Puente: %(what)s") % {"what": _line(kind=kind, case_code=case_code)}
        body = "\n\n".join(
            [
                _line(kind=kind, case_code=case_code),
                _("Open it in Puente: %(url)s") % {"url": site_link(link)},
                _footer(),
            ]
        )
    return subject, body + "\n"


def digest_email_render(*, items: Sequence[Notification], language: str) -> tuple[str, str]:
    """(subject, body) of one person's daily summary: one line and link per notice."""
    with translation.override(_language(language)):
        count = len(items)
        subject = ngettext(
            "Puente: %(count)s notice since your last summary",
            "Puente: %(count)s notices since your last summary",
            count,
        ) % {"count": count}
        lines = [_("Since your last summary:"), ""]
        for item in items:
            when = formats.date_format(timezone.localtime(item.created), "SHORT_DATETIME_FORMAT")
            lines.append(f"- {when} · {_line(kind=item.kind, case_code=item.case_code)}")
            lines.append(f"  {site_link(item.link)}")
        body = "\n".join(lines) + "\n\n" + _footer()
    return subject, body + "\n"
