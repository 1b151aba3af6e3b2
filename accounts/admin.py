from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role, User
from accounts.selectors import user_has_role
from accounts.services import user_sync_staff_flag


def _is_administrator(request: HttpRequest) -> bool:
    return user_has_role(user=request.user, roles=[Role.ADMINISTRATOR])


class AdministratorOnlyMixin:
    """Users and roles are the administrator's; no other role sees them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)


class MembershipInline(AdministratorOnlyMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organization",)


@admin.register(User)
class UserAdmin(AdministratorOnlyMixin, DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "email", "is_active", "is_staff", "roles")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted({m.get_role_display() for m in obj.memberships.all()}))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user_sync_staff_flag(user=form.instance)


@admin.register(Membership)
class MembershipAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__name")
    autocomplete_fields = ("user", "organization")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        user_sync_staff_flag(user=obj.user)
