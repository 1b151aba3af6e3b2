from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Membership

        user_logged_in.connect(_session_clock_start, dispatch_uid="accounts-session-clock")
        for signal in (post_save, post_delete):
            signal.connect(
                _membership_changed, sender=Membership, dispatch_uid=f"accounts-{signal!r}"
            )


def _session_clock_start(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The absolute session age counts from each sign-in, even a repeated one."""
    import time

    from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED

    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now


def _membership_changed(sender: Any, **kwargs: Any) -> None:
    """A membership written during a request: its cached memberships are stale."""
    from accounts.selectors import membership_cache_clear

    membership_cache_clear()
