"""Forms of the case file's own pages: admissibility, closing, verifying, reopening."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Admissibility, AdmissibilityCriterion
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
