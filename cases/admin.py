"""The admin of the case file: only its configuration. Case records are not here (they
are read and written through the pages and the API, where permissions and audit live)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.gates import actor_of
from accounts.models import Role
from accounts.selectors import user_has_role, user_is_coordinator
from cases.models import (
    AccompanimentCriteria,
    AdmissibilityCriterion,
    AssessmentDomain,
    AssessmentInstrument,
    AssessmentItem,
    CasePlanVersion,
    Family,
    FamilyAccompaniment,
)
from cases.selectors_assessment import instrument_export
from cases.services.assessment import (
    instrument_import,
    instrument_new_version,
    instrument_publish,
)


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


# --- the common assessment's instrument -----------------------------------------------


_INSTRUMENT_READERS = (Role.COORDINATOR, Role.ADMINISTRATOR)


class _CoordinatorOnly:
    # The administrator keeps the admin and its users and reads the instrument (the start
    # page links it to both); only the coordinator changes it.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return user_is_coordinator(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _published(obj: Any) -> bool:
    instrument = getattr(obj, "instrument", None) or getattr(
        getattr(obj, "domain", None), "instrument", None
    )
    if isinstance(obj, AssessmentInstrument):
        instrument = obj
    return bool(instrument is not None and instrument.is_published)


class AssessmentDomainInline(_CoordinatorOnly, admin.TabularInline):
    model = AssessmentDomain
    extra = 0
    fields = ["position", "code", "name"]

    # A published version is frozen: answers given under it keep their meaning.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user) and not _published(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user) and not _published(obj)


class InstrumentImportForm(forms.Form):
    file = forms.FileField(label=_("Instrument (JSON)"))
    publish = forms.BooleanField(label=_("Publish it now"), required=False)


@admin.register(AssessmentInstrument)
class AssessmentInstrumentAdmin(_CoordinatorOnly, admin.ModelAdmin):
    list_display = ["name", "code", "version", "published_at"]
    list_filter = ["code"]
    readonly_fields = ["published_at"]
    inlines = [AssessmentDomainInline]
    actions = ["publish", "new_version", "export_json"]
    change_list_template = "admin/cases/assessmentinstrument/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user) and not _published(obj)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="cases_assessmentinstrument_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not user_is_coordinator(user=request.user):
            raise PermissionDenied
        form = InstrumentImportForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                data = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
                instrument = instrument_import(
                    actor=actor_of(request), data=data, publish=form.cleaned_data["publish"]
                )
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                form.add_error(
                    "file", _("The file is not valid JSON: %(error)s") % {"error": error}
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(
                    request, _("Imported %(instrument)s.") % {"instrument": instrument}
                )
                return redirect("admin:cases_assessmentinstrument_change", instrument.pk)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import an assessment instrument"),
            "opts": self.model._meta,
        }
        return render(
            request, "admin/cases/assessmentinstrument/import.html", context, status=status
        )

    @admin.action(description=_("Publish the selected versions"), permissions=["add"])
    def publish(self, request: HttpRequest, queryset: QuerySet[AssessmentInstrument]) -> None:
        for instrument in queryset:
            try:
                instrument_publish(actor=actor_of(request), instrument=instrument)
            except ValidationError as error:
                self.message_user(
                    request, f"{instrument}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, _("Published %(i)s.") % {"i": instrument})

    @admin.action(description=_("Make a new draft version of the selected"), permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[AssessmentInstrument]) -> None:
        for instrument in queryset:
            copy = instrument_new_version(actor=actor_of(request), instrument=instrument)
            self.message_user(request, _("Drafted %(i)s.") % {"i": copy})

    @admin.action(description=_("Export the selected as JSON"))
    def export_json(
        self, request: HttpRequest, queryset: QuerySet[AssessmentInstrument]
    ) -> HttpResponse:
        exported = [instrument_export(instrument=instrument) for instrument in queryset]
        body = json.dumps(
            exported[0] if len(exported) == 1 else exported, ensure_ascii=False, indent=2
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="instrumento.json"'
        return response


@admin.register(AssessmentItem)
class AssessmentItemAdmin(_CoordinatorOnly, admin.ModelAdmin):
    list_display = ["question", "domain", "factor", "weight", "position"]
    list_filter = ["domain__instrument", "factor"]
    search_fields = ["question", "code"]
    filter_horizontal = ["needs"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user) and not _published(obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "domain":
            # Items are added to drafts only.
            kwargs["queryset"] = AssessmentDomain.objects.filter(
                instrument__published_at__isnull=True
            ).select_related("instrument")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- the integrated plan (read only) -----------------------------------------------


@admin.register(CasePlanVersion)
class CasePlanVersionAdmin(admin.ModelAdmin):
    """Plans by case code, version and state, to answer "where is this plan": read only,
    and without the goals' and the family's words (those are read on the case's page,
    by its team, audited)."""

    list_display = ["case_code", "number", "status", "review_on", "approved_at"]
    list_filter = ["status"]
    search_fields = ["case__code"]
    fields = ("case_code", "number", "status", "review_on", "submitted_at", "approved_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CasePlanVersion]:
        return super().get_queryset(request).select_related("case")

    @admin.display(description=_("case"), ordering="case__code")
    def case_code(self, obj: CasePlanVersion) -> str:
        return obj.case.code

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the family and family accompaniment ----------------------------------------------


@admin.register(AccompanimentCriteria)
class AccompanimentCriteriaAdmin(_CoordinatorOnly, admin.ModelAdmin):
    """The coordinator's entry criteria for family accompaniment: one row."""

    list_display = [
        "__str__",
        "min_open_children",
        "min_risk_level",
        "min_alerts",
        "alert_window_days",
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return user_is_coordinator(user=request.user) and not AccompanimentCriteria.objects.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_coordinator(user=request.user)


class _ReadOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_has_role(user=request.user, roles=_INSTRUMENT_READERS)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Family)
class FamilyAdmin(_ReadOnly, admin.ModelAdmin):
    """Families by code, with how many children and caregivers: no names, no words (the
    family's page shows those to the children's teams, audited)."""

    list_display = ["code", "created", "children_count", "caregivers_count"]
    search_fields = ["code"]
    fields = ("code", "created", "anonymised_at")
    readonly_fields = fields

    @admin.display(description=_("children"))
    def children_count(self, obj: Family) -> int:
        return obj.children.count()

    @admin.display(description=_("caregivers"))
    def caregivers_count(self, obj: Family) -> int:
        return obj.caregivers.count()


@admin.register(FamilyAccompaniment)
class FamilyAccompanimentAdmin(_ReadOnly, admin.ModelAdmin):
    """Accompaniments by family code, intensity and exit, read only, without the words."""

    list_display = ["family", "organization", "intensity", "started_on", "ended_on", "exit_reason"]
    list_filter = ["intensity", "exit_reason"]
    search_fields = ["family__code"]
    fields = ("family", "organization", "intensity", "started_on", "ended_on", "exit_reason")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FamilyAccompaniment]:
        return super().get_queryset(request).select_related("family", "organization")
