"""The listing form a provider fills per service at a site, and the coordinator's review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.capacity import CapacityStatus
from directory.models import MAX_AGE_YEARS


class ListingForm(forms.Form):
    """One service at a site; prefixed by its id so a page holds many."""

    schedule_description = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Slots"), min_value=0, max_value=100000)
    declared_capacity_status = forms.ChoiceField(
        label=_("Capacity status"),
        choices=[("", _("Let Puente derive it from slots and waitlists")), *CapacityStatus.choices],
        required=False,
    )
    declared_wait_days = forms.IntegerField(
        label=_("Typical wait (days)"), min_value=0, max_value=3650, required=False
    )
    email = forms.EmailField(label=_("Contact email"), required=False)
    min_age = forms.IntegerField(
        label=_("Minimum age (years)"), min_value=0, max_value=MAX_AGE_YEARS, required=False
    )
    max_age = forms.IntegerField(
        label=_("Maximum age (years)"), min_value=0, max_value=MAX_AGE_YEARS, required=False
    )
    address_1 = forms.CharField(label=_("Address"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_age",
                _("The maximum age (%(max)s) must be at least the minimum age (%(min)s).")
                % {"max": high, "min": low},
            )
        return data


class RespondentForm(forms.Form):
    respondent = forms.CharField(
        label=_("Your name or position"),
        max_length=120,
        help_text=_("Shown on the listing as who verified it."),
    )


class RefuseForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it refused?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("The provider's contact receives this note."),
    )
