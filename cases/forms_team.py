"""Forms of the case-team pages. Choices are read by the views' selectors and passed in."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import PartnerRole
from cases.services.partners import TEXT_MAX


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


_DECISIONS = [("approve", _("Approve")), ("refuse", _("Refuse"))]
_ANSWERS = [("accept", _("Accept the case")), ("refuse", _("Refuse"))]


class PartnerAddForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), choices=(), coerce=str)
    role = forms.ChoiceField(
        label=_("Role on the case"), choices=[("", "---------"), *PartnerRole.choices]
    )

    def __init__(self, *args: Any, organizations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "organization").choices = [("", "---------"), *organizations]


class ReassignForm(forms.Form):
    caseworker = forms.TypedChoiceField(
        label=_("Caseworker"), choices=(), coerce=int, empty_value=None, required=False
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=TEXT_MAX, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, caseworkers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "caseworker").choices = [("", _("Nobody yet (the team)")), *caseworkers]


class TransferRequestForm(forms.Form):
    to_organization = forms.TypedChoiceField(label=_("Transfer to"), choices=(), coerce=str)
    reason = forms.CharField(
        label=_("Reason for the transfer"), max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, organizations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "to_organization").choices = [("", "---------"), *organizations]


class TransferApprovalForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=_DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Required to stop the transfer."),
    )


class TransferAnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("Answer"), choices=_ANSWERS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Required to refuse."),
    )


class ProgressReportForm(forms.Form):
    organization = forms.TypedChoiceField(
        label=_("Reporting for"), choices=(), coerce=str, required=False
    )
    done = forms.CharField(
        label=_("What was done"), max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3})
    )
    changed = forms.CharField(
        label=_("What changed"), max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, organizations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "organization").choices = organizations
        if len(organizations) <= 1:
            self.fields["organization"].widget = forms.HiddenInput()
            if organizations:
                self.fields["organization"].initial = organizations[0][0]
