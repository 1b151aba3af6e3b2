"""Invitations in the admin: the list, resend and revoke; sending is the invitations page's
(it checks who may invite whom into which organization)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from people.models import Invitation
from people.selectors import invitation_is_administrator, invitations_visible
from people.services import invitation_resend, invitation_revoke


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "sent_at", "expires_at", "status_display")
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    readonly_fields = (
        "email",
        "organization",
        "role",
        "invited_by",
        "created",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_user",
        "revoked_at",
    )
    exclude = ("token_digest",)
    actions = ["resend", "revoke"]

    @admin.display(description=_("state"))
    def status_display(self, obj: Invitation) -> str:
        return obj.get_status_display()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return invitations_visible(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return invitation_is_administrator(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def add_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("people:invitations"))

    def _each(self, request: HttpRequest, queryset: QuerySet[Invitation], act: Any) -> None:
        done = 0
        for invitation in queryset:
            try:
                act(actor=request.user, invitation=invitation, request=request)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", None) or [str(error)])
                messages.error(request, f"{invitation}: {text}")
        if done:
            messages.success(request, gettext("Invitations changed: %(n)s.") % {"n": done})

    @admin.action(description=_("Send again with a new link"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        self._each(request, queryset, invitation_resend)

    @admin.action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        self._each(request, queryset, invitation_revoke)
