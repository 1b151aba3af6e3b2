"""Forms of the common assessment's pages: one domain's answers, the decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import AssessmentDomain
from directory.models import RiskLevel, TaxonomyTerm


class DomainAnswersForm(forms.Form):
    """One radio question per item of the domain, with its definition beside it."""

    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    repeat_reason = forms.CharField(
        label=_("Why assess this domain again"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, domain: AssessmentDomain, repeat: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(domain.items.all())
        for item in self.items:
            self.fields[f"answer_{item.code}"] = forms.TypedChoiceField(
                label=item.question,
                help_text=item.definition,
                choices=list(enumerate(item.scale)),
                coerce=int,
                widget=forms.RadioSelect,
            )
        if repeat:
            self.fields["repeat_reason"].required = True
        else:
            del self.fields["repeat_reason"]

    def answers(self) -> dict[str, int]:
        return {item.code: self.cleaned_data[f"answer_{item.code}"] for item in self.items}

    def answer_fields(self) -> list[Any]:
        return [self[f"answer_{item.code}"] for item in self.items]


class AssessmentDecisionForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    needs = forms.ModelMultipleChoiceField(
        label=_("Needs"),
        queryset=TaxonomyTerm.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason for the override"),
        help_text=_("Required when the risk level or the needs differ from the suggestion."),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
