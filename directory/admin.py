"""Admin for coordinators (the whole map) and provider staff (their own organization).

Providers may open every record read-only (they read the whole map) but change only
their own organizations' services, sites and capacity; the same rules as ``services.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.selectors import user_is_coordinator
from directory import admin_imports  # noqa: F401  (registers the import pages)
from directory.confidential import site_exact_location_read
from directory.models import (
    AccessRoute,
    Eligibility,
    Organization,
    OrganizationIdentifier,
    SearchSynonym,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
    Territory,
    VerificationSchedule,
)
from directory.selectors import (
    directory_can_add_offer,
    directory_can_read,
    organization_can_edit_offer,
    organization_can_manage,
    organization_ids_editable_by,
)
from web.leaflet_admin import MapWordsAdminMixin


def _organization_id_of(obj: Any) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Service | Site):
        return obj.organization_id
    if isinstance(obj, ServiceAtSite | Eligibility):
        return obj.service.organization_id
    return None


URL_FIELDS_HTTPS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class OfferPermissionMixin:
    """View for every role; add/change/delete by the offer-editing rule."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return directory_can_read(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return directory_can_read(user=request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:  # inline on a parent object
            return organization_can_edit_offer(
                user=request.user, organization_id=_organization_id_of(obj)
            )
        return directory_can_add_offer(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return directory_can_add_offer(user=request.user)
        return organization_can_edit_offer(
            user=request.user, organization_id=_organization_id_of(obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class CoordinatorOnlyMixin:
    """Territories and the taxonomy: read by all roles, changed by coordinators."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return directory_can_read(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return directory_can_read(user=request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)


class OwnOrganizationChoicesMixin:
    """Provider staff can only pick their own organizations in forms."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field: ModelChoiceField = super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        if db_field.name == "organization" and field is not None and field.queryset is not None:
            editable = organization_ids_editable_by(user=request.user)
            if editable is not None:
                field.queryset = field.queryset.filter(pk__in=editable)
        return field


@admin.register(Territory)
class TerritoryAdmin(CoordinatorOnlyMixin, MapWordsAdminMixin, LeafletGeoAdmin):
    list_display = ("name", "code", "level", "parent", "children_total")
    list_filter = ("level",)
    search_fields = ("name", "code")
    readonly_fields = ("depth",)

    @admin.display(description=_("children 0–17"))
    def children_total(self, obj: Territory) -> int:
        return obj.child_population


class OrganizationIdentifierInline(admin.TabularInline):
    model = OrganizationIdentifier
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "sector", "is_public", "email")
    list_filter = ("sector", "is_public")
    search_fields = ("name", "alternate_name")
    inlines = [OrganizationIdentifierInline]
    formfield_overrides = URL_FIELDS_HTTPS

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return directory_can_read(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return directory_can_read(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return organization_can_manage(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return organization_can_manage(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return organization_can_manage(user=request.user)


class TaxonomyTermInline(admin.TabularInline):
    model = TaxonomyTerm
    extra = 0
    fields = ("code", "name", "parent", "description")


@admin.register(Taxonomy)
class TaxonomyAdmin(CoordinatorOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "version")
    inlines = [TaxonomyTermInline]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(CoordinatorOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "parent", "taxonomy")
    list_filter = ("taxonomy", "parent")
    search_fields = ("code", "name")


@admin.register(SearchSynonym)
class SearchSynonymAdmin(CoordinatorOnlyMixin, admin.ModelAdmin):
    """The words the search treats as the same; a change applies to the next search."""

    list_display = ("phrase", "synonym_list", "term", "last_modified")
    list_filter = ("term",)
    search_fields = ("phrase", "synonyms")
    autocomplete_fields = ("term",)
    fields = ("phrase", "synonyms", "term")

    @admin.display(description=_("synonyms"))
    def synonym_list(self, obj: SearchSynonym) -> str:
        return ", ".join(obj.synonyms)


class EligibilityInline(OfferPermissionMixin, admin.StackedInline):
    model = Eligibility
    can_delete = False
    max_num = 1
    min_num = 1
    filter_horizontal = ("service_area",)


class ServiceAtSiteInline(OfferPermissionMixin, admin.TabularInline):
    model = ServiceAtSite
    extra = 0
    fields = (
        "site",
        "capacity",
        "schedule_description",
        "declared_capacity_status",
        "declared_wait_days",
    )
    autocomplete_fields = ("site",)


@admin.register(Service)
class ServiceAdmin(OfferPermissionMixin, OwnOrganizationChoicesMixin, SimpleHistoryAdmin):
    list_display = (
        "name",
        "organization",
        "kind",
        "modality",
        "status",
        "capacity",
        "verified_on",
        "verification_due",
    )
    list_filter = ("status", "kind", "modality", "verification_due", "categories")
    search_fields = ("name", "alternate_name", "organization__name")
    filter_horizontal = ("categories",)
    readonly_fields = ("verification_due", "created", "last_modified")
    inlines = [EligibilityInline, ServiceAtSiteInline]
    formfield_overrides = URL_FIELDS_HTTPS
    list_select_related = ("organization",)

    # A view-only form shows every field read-only, and Django prints an array field's
    # stored codes ("referral"): the access routes are shown by their labels instead.
    ACCESS_ROUTES_SHOWN = "access_routes_shown"

    @admin.display(description=Service._meta.get_field("access_routes").verbose_name)
    def access_routes_shown(self, obj: Service) -> str:
        labels = dict(AccessRoute.choices)
        return ", ".join(str(labels.get(route, route)) for route in obj.access_routes)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            return (*fields, self.ACCESS_ROUTES_SHOWN)
        return fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if self.ACCESS_ROUTES_SHOWN not in fields:
            return fields
        # In the routes' own place, not after the form as read-only fields go.
        fields.remove(self.ACCESS_ROUTES_SHOWN)
        return [self.ACCESS_ROUTES_SHOWN if name == "access_routes" else name for name in fields]

    def get_urls(self) -> list[URLPattern]:
        from directory.admin_views import spreadsheet_template_view, spreadsheet_upload_view

        wrap = self.admin_site.admin_view
        return [
            path(
                "spreadsheet/",
                wrap(lambda request: spreadsheet_upload_view(request, self)),
                name="directory_service_spreadsheet",
            ),
            path(
                "spreadsheet/template.<str:fmt>",
                wrap(spreadsheet_template_view),
                name="directory_service_spreadsheet_template",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        from directory.selectors import service_list_with_capacity

        return service_list_with_capacity().select_related("organization")

    @admin.display(description=_("slots"), ordering="total_capacity")
    def capacity(self, obj: Any) -> int:
        return int(getattr(obj, "total_capacity", 0))

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        if "verified_on" in form.changed_data and obj.verified_on:
            obj.verified_by = request.user  # type: ignore[assignment]
            obj.verification_due = False
        super().save_model(request, obj, form, change)


@admin.register(Site)
class SiteAdmin(
    OfferPermissionMixin,
    OwnOrganizationChoicesMixin,
    MapWordsAdminMixin,
    LeafletGeoAdminMixin,
    SimpleHistoryAdmin,
):
    list_display = ("name", "organization", "address_1", "territory", "confidential")
    list_filter = ("territory", "confidential")
    search_fields = ("name", "address_1", "organization__name")
    readonly_fields = ("territory",)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        # The admin shows the exact point: a confidential site's view is audited (the
        # admin already limits it to coordinators and the site's own provider).
        site = self.get_object(request, object_id)
        if site is not None and site.confidential and self.has_view_permission(request, site):
            site_exact_location_read(user=request.user, site=site, request=request)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ServiceAtSite)
class ServiceAtSiteAdmin(OfferPermissionMixin, SimpleHistoryAdmin):
    list_display = ("service", "site", "capacity")
    search_fields = ("service__name", "site__name")
    autocomplete_fields = ("service", "site")


@admin.register(Eligibility)
class EligibilityAdmin(OfferPermissionMixin, SimpleHistoryAdmin):
    list_display = ("service", "min_age", "max_age", "requires_judicial_order")
    search_fields = ("service__name",)
    filter_horizontal = ("service_area",)
    autocomplete_fields = ("service",)


@admin.register(VerificationSchedule)
class VerificationScheduleAdmin(CoordinatorOnlyMixin, SimpleHistoryAdmin):
    """How often providers are asked to verify their listings: one row, kept by coordination."""

    list_display = (
        "__str__",
        "interval_days",
        "interval_with_capacity_days",
        "remind_after_days",
        "escalate_after_days",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # One row (verification_schedule_get creates it): adding a second would be ignored.
        return super().has_add_permission(request) and not VerificationSchedule.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
