"""Forms of the case file's own pages: closing a case, verifying it, reopening it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.services.closure import REQUESTABLE_REASONS

TEXT_MAX = 2000


class ClosureRequestForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for closing"),
        # No reason chosen until someone chooses one: a closure is never a default.
        choices=[("", _("Choose…")), *[(r.value, r.label) for r in REQUESTABLE_REASONS]],
    )
    reason_text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for “Other”. Do not write names: the case code is enough."),
    )


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Verify and close the case")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to refuse: say what is still missing."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case is opened again"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
