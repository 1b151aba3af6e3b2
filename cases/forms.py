"""Forms of the case file's own pages: admissibility, follow-up, closing, reopening."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Admissibility,
    AdmissibilityCriterion,
    CaseNeed,
    CaseRoute,
    FollowUpKind,
    FollowUpResult,
    NoteVisibility,
)
from cases.services.closure import REQUESTABLE_REASONS
from cases.services.notes import NOTE_MAX
from web.params import date_bounds_message, date_in_bounds

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


class AdmissibilityForm(forms.Form):
    """One yes/no per criterion of the checklist, then the decision: nothing preselected."""

    admissibility = forms.ChoiceField(
        label=_("Decision"),
        choices=[(v, label) for v, label in Admissibility.choices if v != Admissibility.PENDING],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed when the case is not admitted, or admitted although a criterion is not "
            "met. Do not write names."
        ),
    )

    def __init__(self, *args: Any, criteria: Sequence[AdmissibilityCriterion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.text,
                help_text=criterion.help_text,
                choices=[("yes", _("Met")), ("no", _("Not met"))],
                widget=forms.RadioSelect,
            )

    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[f"criterion_{criterion.pk}"] for criterion in self.criteria]

    def answers(self) -> dict[UUID, bool]:
        return {
            criterion.pk: self.cleaned_data[f"criterion_{criterion.pk}"] == "yes"
            for criterion in self.criteria
        }


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.term.name)


class FollowUpScheduleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of contact"), choices=[("", _("Choose…")), *FollowUpKind.choices]
    )
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    need = NeedChoiceField(
        label=_("Need it concerns"), queryset=CaseNeed.objects.none(), required=False
    )

    def __init__(self, *args: Any, needs: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        need_field = self.fields["need"]
        assert isinstance(need_field, NeedChoiceField)
        need_field.queryset = needs

    def clean_due_on(self) -> date:
        due_on: date = self.cleaned_data["due_on"]
        if not date_in_bounds(due_on):
            raise forms.ValidationError(date_bounds_message())
        return due_on


class FollowUpRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("What the contact found"),
        choices=FollowUpResult.choices,
        widget=forms.RadioSelect,
    )
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_done_on(self) -> date | None:
        done_on: date | None = self.cleaned_data.get("done_on")
        if done_on is not None and not date_in_bounds(done_on):
            raise forms.ValidationError(date_bounds_message())
        return done_on


class CaseNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened, what changed. Refer to people by their role."),
    )
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=NoteVisibility.choices,
        widget=forms.RadioSelect,
    )


class RouteDecisionForm(forms.Form):
    route = forms.ChoiceField(label=_("Route"), choices=CaseRoute.choices, widget=forms.RadioSelect)
    best_interest = forms.CharField(
        label=_("Best-interest considerations"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was weighed for this child and why this route serves them best."),
    )
    child_views = forms.CharField(
        label=_("The child's views, in their words"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    child_heard_by = forms.CharField(label=_("Heard by (role)"), required=False, max_length=200)
    child_heard_on = forms.DateField(
        label=_("Heard on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    child_not_heard_reason = forms.CharField(
        label=_("Why the child was not heard"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the child's views could not be recorded (age, risk)."),
    )

    def clean_child_heard_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("child_heard_on")
        if day is not None and not date_in_bounds(day):
            raise forms.ValidationError(date_bounds_message())
        return day
