"""The admin of meetings: their date, territory and invitations, for coordinators. The
agenda and its agreements are not here (they carry case codes and words about children:
the pages and the API, with their permissions and audit, hold them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
    raw_id_fields = ["organization", "user"]


@admin.register(Meeting)
class MeetingAdmin(_CoordinatorOnly, admin.ModelAdmin):
    list_display = ["title", "held_on", "territory", "status"]
    list_filter = ["status", "held_on"]
    raw_id_fields = ["territory", "allocation_round", "created_by"]
    readonly_fields = ["status", "convened_at"]
    inlines = [InvitationInline]
