"""The admin of the case file: only its configuration. Case records are not here (they
are read and written through the pages and the API, where permissions and audit live)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.selectors import user_is_coordinator
from cases.models import AdmissibilityCriterion


@admin.register(AdmissibilityCriterion)
class AdmissibilityCriterionAdmin(admin.ModelAdmin):
    list_display = ["text", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["text"]

    # The checklist is the coordinator's: every decision records the words it had, so an
    # edit here never changes a decision already taken; deleting is retiring ("in use").
    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_coordinator(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return user_is_coordinator(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
