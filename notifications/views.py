"""A person's own notification preferences: nobody reads or edits another's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from notifications.forms import NotificationPreferencesForm
from notifications.selectors import notification_settings_of
from notifications.services import notification_settings_update


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind of notice: by email at once, in the daily summary, or only in Puente.

    The page has no user in its address or its form: it is always the signed-in user's.
    """
    user = request.user
    assert isinstance(user, User)
    current = notification_settings_of(user=user)
    form = NotificationPreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            notification_settings_update(
                user=user, deliveries=form.deliveries(), language=form.cleaned_data["language"]
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notifications:preferences")
    context = {"form": form, "has_email": bool(user.email), "email": user.email}
    return render(
        request, "notifications/preferences.html", context, status=400 if form.errors else 200
    )
