from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import PermissionMultipleChoiceField
from accounts.models import ApiToken, Membership, Role, TwoFactorRequirement, User
from accounts.selectors import user_has_role
from accounts.services import api_token_revoke, totp_device_remove, user_sync_staff_flag
from web.beat_admin import SCHEDULE_ADMINS


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


class PasswordChangeForm(AdminPasswordChangeForm):
    # Django joins its translated help text to an untranslated warning with "+", which
    # evaluates it once, in English, at import; kept lazy here, both are Spanish.
    usable_password_help_text = format_lazy(  # type: ignore[assignment]  # lazy on purpose
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


class PermissionNamesMixin:
    """The permissions widget names each permission in the user's language."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in {"user_permissions", "permissions"}:
            kwargs.setdefault("form_class", PermissionMultipleChoiceField)
            # A label reads the permission's model: one query, not one a permission.
            kwargs["queryset"] = Permission.objects.select_related("content_type")
        return super().formfield_for_manytomany(  # type: ignore[misc]
            db_field, request, **kwargs
        )


@admin.register(User)
class UserAdmin(AdministratorOnlyMixin, PermissionNamesMixin, DjangoUserAdmin):
    change_password_form = PasswordChangeForm
    inlines = [MembershipInline]
    list_display = ("username", "email", "is_active", "is_staff", "roles")
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description=_("Unlock sign-in after too many failed attempts"))
    def unlock_sign_in(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            axes_reset(username=user.get_username())
        self.message_user(request, _("Sign-in unlocked for %(n)s users.") % {"n": queryset.count()})

    @admin.action(description=_("Remove the two-factor device (lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            totp_device_remove(user=user)
        self.message_user(
            request,
            _("Two-factor devices removed for %(n)s users; they enrol again at next sign-in.")
            % {"n": queryset.count()},
        )

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


@admin.register(TwoFactorRequirement)
class TwoFactorRequirementAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    """Roles whose members must use a second factor; add the roles that see case data."""

    list_display = ("role", "created")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a row is the requirement: add it or delete it


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    """Administrators see every token and revoke them; users create theirs on their page."""

    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = (("revoked", admin.EmptyFieldListFilter),)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "created", "last_used", "revoked")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay, so who had access stays known

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, _("%(n)s tokens revoked.") % {"n": queryset.count()})


# Django's own group admin, with the permissions named as on the user form.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionNamesMixin, DjangoGroupAdmin):
    pass


class _TaskFilter(admin.AllValuesFieldListFilter):
    """django-celery-beat names the field 'Task Name' without marking it for translation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = str(_("task"))


def _administrator_only(model_admin: type[admin.ModelAdmin[Any]]) -> type[admin.ModelAdmin[Any]]:
    attrs: dict[str, Any] = {}
    filters = list(getattr(model_admin, "list_filter", ()))
    if "task" in filters:
        filters[filters.index("task")] = ("task", _TaskFilter)
        attrs["list_filter"] = filters
    return type(model_admin.__name__, (AdministratorOnlyMixin, model_admin), attrs)


# The periodic jobs' schedules are settings: the administrator role keeps them (issue 8),
# whereas django-celery-beat's own admin relies on model permissions that no role grants.
for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label == "django_celery_beat":
        admin.site.unregister(_model)
        # The crontabs said in the user's language (web/beat_admin.py), where Puente has that.
        _base = SCHEDULE_ADMINS.get(_model, type(_model_admin))
        admin.site.register(_model, _administrator_only(_base))
