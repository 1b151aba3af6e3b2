"""The audit search: every filter optional, each refused by name when malformed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction, AuditRecordType
from web.params import BoundedDateField


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    case_code = forms.CharField(
        label=_("Case code"),
        required=False,
        max_length=20,
        help_text=_("For example C-7K3M9QXA."),
    )
    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All")), *AuditRecordType.choices],
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditAction.choices]
    )
    since = BoundedDateField(label=_("From"), required=False, widget=_date_widget())
    until = BoundedDateField(label=_("Until"), required=False, widget=_date_widget())

    def clean_username(self) -> str:
        return (self.cleaned_data.get("username") or "").strip()

    def clean_case_code(self) -> str:
        return (self.cleaned_data.get("case_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``audit.selectors.audit_search``."""
        data = self.cleaned_data
        return {
            name: data.get(name) or ("" if name not in {"since", "until"} else None)
            for name in ("username", "case_code", "record_type", "action", "since", "until")
        }
