"""Admin pages to update the map from a spreadsheet: template, upload, preview, confirm."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.selectors import directory_can_add_offer
from directory.spreadsheet import (
    SpreadsheetError,
    spreadsheet_apply,
    spreadsheet_max_bytes,
    spreadsheet_plan,
    spreadsheet_template,
)

SESSION_KEY = "directory_spreadsheet_upload"


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.csv or .xlsx)"),
        help_text=gettext_lazy("One row per service at a site; download the template first."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = spreadsheet_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // 1048576}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def _require_editor(request: HttpRequest) -> None:
    if not directory_can_add_offer(user=request.user):
        raise PermissionDenied


def spreadsheet_template_view(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_editor(request)
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(spreadsheet_template(fmt=fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="plantilla-prestaciones.{fmt}"'
    return response


def spreadsheet_upload_view(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any]
) -> HttpResponse:
    """Upload → preview (nothing written) → confirm (all or nothing)."""
    _require_editor(request)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Update the map from a spreadsheet"),
    }
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(SESSION_KEY)
        if not stored or stored["digest"] != request.POST.get("digest"):
            messages.error(request, _("The preview expired; upload the file again."))
            return redirect("admin:directory_service_spreadsheet")
        content = base64.b64decode(stored["content"])
        try:
            plan = spreadsheet_plan(actor=request.user, content=content, filename=stored["name"])  # type: ignore[arg-type]
        except SpreadsheetError as error:
            messages.error(request, str(error))
            return redirect("admin:directory_service_spreadsheet")
        if not plan.ok:
            messages.error(request, _("The map changed since the preview; check the file again."))
            return redirect("admin:directory_service_spreadsheet")
        result = spreadsheet_apply(actor=request.user, plan=plan)  # type: ignore[arg-type]
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _("Spreadsheet applied: %(rows)s rows, %(services)s services, %(sites)s sites.")
            % result,
        )
        return redirect("admin:directory_service_changelist")

    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            plan = spreadsheet_plan(actor=request.user, content=content, filename=upload.name)  # type: ignore[arg-type]
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            digest = hashlib.sha256(content).hexdigest()
            if plan.ok:
                request.session[SESSION_KEY] = {
                    "name": upload.name,
                    "digest": digest,
                    "content": base64.b64encode(content).decode("ascii"),
                }
            context.update(plan=plan, digest=digest, filename=upload.name)
            return TemplateResponse(
                request, "admin/directory/service/spreadsheet_preview.html", context
            )
    context["form"] = form
    return TemplateResponse(request, "admin/directory/service/spreadsheet_upload.html", context)
