"""Forms of the family's pages: create or join a family, caregivers, the family plan's
goals, and family accompaniment (start, session, exit)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    AccompanimentExit,
    AccompanimentIntensity,
    CaregiverRelationship,
    FamilyGoalStatus,
    SessionKind,
    SessionProgress,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FamilyLinkForm(forms.Form):
    family_code = forms.CharField(label=_("Family code"), max_length=20)


class CaregiverForm(forms.Form):
    relationship = forms.ChoiceField(label=_("Relationship"), choices=CaregiverRelationship.choices)
    name = forms.CharField(label=_("Name (optional)"), max_length=120, required=False)
    lives_in_household = forms.BooleanField(
        label=_("Lives in the household"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note (only what the plan needs)"), max_length=200, required=False
    )


class FamilyGoalForm(forms.Form):
    description = forms.CharField(
        label=_("Goal shared by the household"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FamilyGoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FamilyGoalStatus.choices)


class AccompanimentStartForm(forms.Form):
    accompanist = forms.ChoiceField(label=_("Accompanist"))
    intensity = forms.ChoiceField(label=_("Intensity"), choices=AccompanimentIntensity.choices)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)

    def __init__(self, *args: Any, accompanists: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"started_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["accompanist"]).choices = accompanists


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    participants = forms.CharField(label=_("Who took part"), max_length=300)
    goals = forms.MultipleChoiceField(
        label=_("Goals worked"), required=False, widget=forms.CheckboxSelectMultiple
    )
    progress = forms.TypedChoiceField(
        label=_("Progress"), choices=SessionProgress.choices, coerce=int
    )
    next_step = forms.CharField(
        label=_("Next step"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, goals: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["goals"]).choices = goals


class AccompanimentEndForm(forms.Form):
    exit_reason = forms.ChoiceField(label=_("Exit"), choices=AccompanimentExit.choices)
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    note = forms.CharField(
        label=_("Exit note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"ended_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
