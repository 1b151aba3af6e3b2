"""Admin pages to load a real comuna: its boundaries and its population, dry run first.

The upload is kept in a private scratch folder under a random token (the session holds
the token), so a person can check the file, change the mapping, check again and then
import without uploading it again. "Import" is only accepted for the mapping the last
clean dry run checked. Coordinators and administrators only.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import user_has_role
from directory.importers import (
    ImportResult,
    PopulationOptions,
    TerritoryMapping,
    population_import,
    territories_import,
    territory_source_fields,
    territory_source_open,
)
from directory.importers.territories_source import territories_import_max_bytes
from directory.models import TerritoryLevel, TerritoryPopulation

BOUNDARY_SUFFIXES = (".zip", ".geojson", ".json", ".gpkg", ".kml")
SHOWN_PROBLEMS = 200
SCRATCH_KEEP_S = 24 * 3600
IMPORTERS = (Role.COORDINATOR, Role.ADMINISTRATOR)


def imports_allowed(*, user: Any) -> bool:
    return user_has_role(user=user, roles=IMPORTERS)


def _require_importer(request: HttpRequest) -> None:
    if not imports_allowed(user=request.user):
        raise PermissionDenied


def _scratch() -> Path:
    folder = Path(tempfile.gettempdir()) / "puente-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _scratch_sweep() -> None:
    """Uploads checked and never imported are not kept past a day."""
    stale = time.time() - SCRATCH_KEEP_S
    for kept in _scratch().iterdir():
        with contextlib.suppress(OSError):  # another request may be sweeping too
            if kept.stat().st_mtime < stale:
                kept.unlink()


def _keep_upload(request: HttpRequest, *, key: str, upload: Any, suffix: str) -> None:
    _forget_upload(request, key=key)
    _scratch_sweep()
    token = secrets.token_hex(16)
    with (_scratch() / f"{token}{suffix}").open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[key] = {"token": token, "suffix": suffix, "name": upload.name}


def _kept_upload(request: HttpRequest, *, key: str) -> tuple[Path, str] | None:
    stored = request.session.get(key)
    if not stored:
        return None
    token, suffix = str(stored["token"]), str(stored["suffix"])
    if not token.isalnum() or suffix not in (*BOUNDARY_SUFFIXES, ".csv"):
        return None
    kept = _scratch() / f"{token}{suffix}"
    return (kept, str(stored["name"])) if kept.exists() else None


def _forget_upload(request: HttpRequest, *, key: str) -> None:
    kept = _kept_upload(request, key=key)
    if kept is not None:
        kept[0].unlink(missing_ok=True)
    request.session.pop(key, None)
    request.session.pop(f"{key}:checked", None)


def _shown(result: ImportResult) -> dict[str, Any]:
    return {
        "result": result,
        "errors": result.errors[:SHOWN_PROBLEMS],
        "errors_hidden": max(0, len(result.errors) - SHOWN_PROBLEMS),
        "warnings": result.warnings[:SHOWN_PROBLEMS],
        "warnings_hidden": max(0, len(result.warnings) - SHOWN_PROBLEMS),
    }


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Boundary file"),
        required=False,
        help_text=gettext_lazy(
            "GeoJSON, GeoPackage, KML, or a Shapefile as a .zip; any coordinate system."
        ),
    )
    code_field = forms.CharField(label=gettext_lazy("Attribute with the code"), required=False)
    name_field = forms.CharField(label=gettext_lazy("Attribute with the name"), required=False)
    parent_field = forms.CharField(
        label=gettext_lazy("Attribute with the parent's code"),
        required=False,
        help_text=gettext_lazy("Leave empty to find each parent by the area that contains it."),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", gettext_lazy("— from an attribute —")), *TerritoryLevel.choices],
    )
    level_field = forms.CharField(
        label=gettext_lazy("Attribute with the level"),
        required=False,
        help_text=gettext_lazy("Its values: region, comuna (municipality) or sector."),
    )
    layer = forms.CharField(
        label=gettext_lazy("Layer"),
        required=False,
        help_text=gettext_lazy("Empty: the first layer."),
    )
    source_srid = forms.IntegerField(
        label=gettext_lazy("SRID of the file"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Only for a file that states no coordinate system."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("code_field", "name_field", "parent_field", "level_field"):
            self.fields[name].widget.attrs["list"] = "layer-attributes"

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > territories_import_max_bytes():
            raise forms.ValidationError(_("The file is larger than allowed."))
        if not upload.name.lower().endswith(BOUNDARY_SUFFIXES):
            raise forms.ValidationError(
                _("Upload a GeoJSON, GeoPackage or KML file, or a Shapefile as a .zip.")
            )
        return upload

    def mapping(self) -> TerritoryMapping:
        data = self.cleaned_data
        return TerritoryMapping(
            code_field=data["code_field"].strip(),
            name_field=data["name_field"].strip(),
            parent_field=data["parent_field"].strip(),
            level=data["level"],
            level_field=data["level_field"].strip(),
            layer=data["layer"].strip(),
            source_srid=data["source_srid"],
        )


BOUNDARY_KEY = "directory_boundary_upload"
POPULATION_KEY = "directory_population_upload"


def _context(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], title: str
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
    }


def territories_import_view(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any]
) -> HttpResponse:
    """Upload → the file's layers and attributes → dry run with a preview → import."""
    _require_importer(request)
    context = _context(request, model_admin, _("Import territory boundaries"))
    form = BoundaryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "forget" in request.POST:
        _forget_upload(request, key=BOUNDARY_KEY)
        return redirect("admin:directory_territory_import")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload is not None:
            suffix = Path(upload.name).suffix.lower()
            _keep_upload(request, key=BOUNDARY_KEY, upload=upload, suffix=suffix)
        kept = _kept_upload(request, key=BOUNDARY_KEY)
        if kept is None:
            form.add_error("file", _("Choose the file to import."))
        else:
            return _boundaries_checked(request, form=form, kept=kept, context=context)
    kept = _kept_upload(request, key=BOUNDARY_KEY)
    context.update(form=form, kept_name=kept[1] if kept else "")
    return TemplateResponse(request, "directory/imports/territories.html", context)


def _boundaries_checked(
    request: HttpRequest,
    *,
    form: BoundaryImportForm,
    kept: tuple[Path, str],
    context: dict[str, Any],
) -> HttpResponse:
    path, name = kept
    mapping = form.mapping()
    probe = ImportResult()
    with territory_source_open(path=path, result=probe) as source:
        layers = territory_source_fields(source=source) if source is not None else {}
    context.update(form=form, kept_name=name, layers=layers)
    if not probe.ok or not mapping.code_field or not mapping.name_field:
        if probe.ok:
            messages.info(request, _("Say which attribute holds the code and the name."))
        context.update(_shown(probe))
        return TemplateResponse(request, "directory/imports/territories.html", context)
    checked_key = f"{BOUNDARY_KEY}:checked"
    commit = "commit" in request.POST
    if commit and request.session.get(checked_key) != asdict(mapping):
        messages.error(request, _("Check the file with this mapping first (a dry run)."))
        commit = False
    result = territories_import(path=path, mapping=mapping, dry_run=not commit, actor=request.user)
    if commit and result.saved:
        _forget_upload(request, key=BOUNDARY_KEY)
        messages.success(
            request, _("Boundaries imported: %(summary)s.") % {"summary": result.summary()}
        )
        return redirect("admin:directory_territory_changelist")
    if result.ok:
        request.session[checked_key] = asdict(mapping)
    else:
        request.session.pop(checked_key, None)
    context.update(_shown(result), can_commit=result.ok)
    return TemplateResponse(request, "directory/imports/territories.html", context)


class PopulationImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Population (.csv)"),
        required=False,
        help_text=gettext_lazy(
            # Spanish headers are accepted as well as English ones
            # (directory.importers.population.COLUMNS): each language names its own.
            "Columns: territory_code, age (a year of age such as 7, or a band such as 0-5), "
            "count and, optionally, year."
        ),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=1900,
        max_value=2200,
        help_text=gettext_lazy("The year of every row, when the file has no year column."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > territories_import_max_bytes():
            raise forms.ValidationError(_("The file is larger than allowed."))
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload


def population_import_view(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any]
) -> HttpResponse:
    _require_importer(request)
    context = _context(request, model_admin, _("Import the child population"))
    form = PopulationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["file"] is not None:
            _keep_upload(
                request, key=POPULATION_KEY, upload=form.cleaned_data["file"], suffix=".csv"
            )
        kept = _kept_upload(request, key=POPULATION_KEY)
        if kept is None:
            form.add_error("file", _("Choose the file to import."))
        else:
            year = form.cleaned_data["year"]
            checked_key = f"{POPULATION_KEY}:checked"
            commit = "commit" in request.POST
            if commit and request.session.get(checked_key) != {"year": year}:
                messages.error(request, _("Check the file with this year first (a dry run)."))
                commit = False
            result = population_import(
                content=kept[0].read_bytes(),
                options=PopulationOptions(year=year),
                dry_run=not commit,
            )
            if commit and result.saved:
                _forget_upload(request, key=POPULATION_KEY)
                messages.success(
                    request,
                    _("Population imported: %(summary)s.") % {"summary": result.summary()},
                )
                return redirect("admin:directory_territorypopulation_changelist")
            if result.ok:
                request.session[checked_key] = {"year": year}
            else:
                request.session.pop(checked_key, None)
            context.update(_shown(result), can_commit=result.ok, kept_name=kept[1])
    context["form"] = form
    return TemplateResponse(request, "directory/imports/population.html", context)


@admin.register(TerritoryPopulation)
class TerritoryPopulationAdmin(admin.ModelAdmin):
    """The population by year, read-only: it changes only through the import."""

    list_display = ("territory", "year", "children_0_5", "children_6_11", "children_12_17")
    list_filter = ("year",)
    search_fields = ("territory__code", "territory__name")
    list_select_related = ("territory",)
    change_list_template = "directory/imports/population_change_list.html"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return imports_allowed(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return imports_allowed(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site
        return [
            path(
                "import-territories/",
                site.admin_view(lambda request: territories_import_view(request, self)),
                name="directory_territory_import",
            ),
            path(
                "import/",
                site.admin_view(lambda request: population_import_view(request, self)),
                name="directory_population_import",
            ),
            *super().get_urls(),
        ]
