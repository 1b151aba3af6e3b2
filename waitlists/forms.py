"""Forms of the slot, waitlist and allocation-round pages. They validate; services change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from directory.models import Service, TaxonomyTerm, Territory
from waitlists.models import EnrolmentStatus, WaitlistEntry

# The ways an enrolment ends, as the provider tells them.
# A provider says how a service ended; "ended when the case closed" is the closing's.
END_CHOICES = [
    (v, label)
    for v, label in EnrolmentStatus.choices
    if v not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.CASE_CLOSED)
]

HISTORY_DAYS = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year"))]
DEFAULT_HISTORY_DAYS = 180


def _indented(depth: int, name: str) -> str:
    return f"{'— ' * depth}{name}"


class TermChoiceField(forms.ModelChoiceField):
    """A category by its code, indented under its parent in the list."""

    def label_from_instance(self, obj: Any) -> str:
        return _indented(obj.code.count("."), obj.name)


class TerritoryChoiceField(forms.ModelChoiceField):
    """A territory by name and level (a comuna and its sectors may share words)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.get_level_display()}"


def category_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.order_by("code")


# --- provider ------------------------------------------------------------------------------


class EnrolmentEndForm(forms.Form):
    status = forms.ChoiceField(label=_("How it ended"), choices=[("", "---------"), *END_CHOICES])
    feedback = forms.CharField(
        label=_("Feedback for the case team (contrarreferencia)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the service was completed."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("status") == EnrolmentStatus.COMPLETED
            and not (data.get("feedback") or "").strip()
        ):
            self.add_error("feedback", _("Tell the case team how it went (contrarreferencia)."))
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Slots"),
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "capacity-input"}),
    )


class PlaceForm(forms.Form):
    """No fields: the referral is in the address. Holds the service's errors, if any."""


# --- caseworker -----------------------------------------------------------------------------


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("accept", _("Accept the slot")), ("decline", _("Decline the slot"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput,
    )

    @property
    def accepted(self) -> bool:
        return bool(self.cleaned_data.get("answer") == "accept")


class WaitlistWithdrawForm(forms.Form):
    keep = forms.MultipleChoiceField(
        label=_("Waitlists to stay on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The child leaves every list that is not ticked."),
    )
    note = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=1000,
        widget=forms.TextInput,
    )

    def __init__(self, *args: Any, entries: Iterable[WaitlistEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_ids = [str(entry.pk) for entry in entries]
        self.fields["keep"].choices = [  # type: ignore[attr-defined]
            (str(entry.pk), entry.service.name) for entry in entries
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "keep" in data and set(data["keep"]) >= set(self.entry_ids):
            self.add_error("keep", _("Untick at least one list to leave."))
        return data


# --- coordination -----------------------------------------------------------------------------


class HistoryFilterForm(forms.Form):
    """Which service and which category to chart beside the network total."""

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    category = TermChoiceField(
        label=_("Category"),
        queryset=TaxonomyTerm.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("(none)"),
    )
    days = forms.TypedChoiceField(
        label=_("Period"),
        choices=HISTORY_DAYS,
        coerce=int,
        required=False,
        initial=DEFAULT_HISTORY_DAYS,
        empty_value=None,
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["category"].queryset = category_terms()  # type: ignore[attr-defined]
        self.fields["service"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: f"{s.name} · {s.organization.name}"
        )


class RoundProposeForm(forms.Form):
    territory = TerritoryChoiceField(label=_("Territory"), queryset=Territory.objects.none())
    category = TermChoiceField(
        label=_("Category"), queryset=TaxonomyTerm.objects.none(), to_field_name="code"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.order_by(  # type: ignore[attr-defined]
            "depth", "name"
        )
        self.fields["category"].queryset = category_terms()  # type: ignore[attr-defined]
