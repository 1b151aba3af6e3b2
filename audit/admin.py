"""The audit log in the admin: read-only for those who may search it, for everyone else absent.

No add, change or delete permission exists for anyone, superusers included: Django's
admin would otherwise grant a superuser every permission on every model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry
from audit.selectors import audit_can_search


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "record_type", "case_code", "ip", "path"]
    list_filter = ["action", "record_type"]
    search_fields = ["username", "case_code", "record_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return audit_can_search(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return audit_can_search(user=request.user)
