"""Forms of the integrated plan's page: start, goal, action, agreement, approval, review."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import ActionStatus, CaseNeed


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanStartForm(forms.Form):
    review_on = forms.DateField(label=_("Review on"), widget=DATE)


class PlanGoalForm(forms.Form):
    description = forms.CharField(
        label=_("Goal"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    domain_code = forms.ChoiceField(label=_("Assessed domain"), required=False)
    need = forms.ModelChoiceField(label=_("Need"), queryset=CaseNeed.objects.none(), required=False)

    def __init__(
        self, *args: Any, domains: list[tuple[str, str]], needs: list[CaseNeed], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "domain_code").choices = [("", _("(none)")), *domains]
        need_field = self.fields["need"]
        assert isinstance(need_field, forms.ModelChoiceField)
        need_field.queryset = CaseNeed.objects.filter(pk__in=[need.pk for need in needs])
        need_field.label_from_instance = lambda need: str(need.term.name)  # type: ignore[method-assign,assignment]


class PlanActionForm(forms.Form):
    goal = forms.ChoiceField(label=_("Goal"))
    description = forms.CharField(
        label=_("Action"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    organization = forms.ChoiceField(label=_("Responsible organization"))
    responsible = forms.CharField(label=_("Responsible person"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    referral = forms.ChoiceField(label=_("Linked referral (optional)"), required=False)

    def __init__(
        self,
        *args: Any,
        goals: list[tuple[str, str]],
        organizations: list[tuple[str, str]],
        referrals: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "goal").choices = goals
        _choice(self, "organization").choices = organizations
        _choice(self, "referral").choices = [("", _("(none)")), *referrals]


class PlanActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )


class PlanAgreementForm(forms.Form):
    agreed_on = forms.DateField(label=_("Date"), widget=DATE)
    participants = forms.CharField(
        label=_("Who took part"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    child_took_part = forms.BooleanField(label=_("The child took part"), required=False)
    child_view = forms.CharField(
        label=_("What the child said"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    family_view = forms.CharField(
        label=_("What the family said"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanApprovalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Send back to the caseworker"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required to send it back)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanReviewForm(forms.Form):
    review_on = forms.DateField(label=_("Next review on"), widget=DATE)
    reason = forms.CharField(
        label=_("Why the plan is reviewed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
