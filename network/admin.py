"""The admin of meetings: their date, territory and invitations, for coordinators. The
agenda and its agreements are not here (they carry case codes and words about children:
the pages and the API, with their permissions and audit, hold them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import user_is_coordinator
from network.models import Meeting, MeetingInvitation


class _CoordinatorOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_coordinator(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return user_is_coordinator(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvitationInline(_CoordinatorOnly, admin.TabularInline):
    model = MeetingInvitation
    extra = 0
    # The person as a list of active users, not a raw id: the users' admin is the
    # administrator's, and its lookup popup would answer a coordinator 403.
    raw_id_fields = ["organization"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Meeting)
class MeetingAdmin(_CoordinatorOnly, admin.ModelAdmin):
    list_display = ["title", "held_on", "territory", "status"]
    list_filter = ["status", "held_on"]
    raw_id_fields = ["territory", "allocation_round"]
    readonly_fields = ["status", "convened_at", "created_by"]
    inlines = [InvitationInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
