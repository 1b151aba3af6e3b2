from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from directory.models import Organization, Territory
from network.models import AgreementStatus
from waitlists.models import AllocationRound


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("depth", "name"),
        required=False,
        empty_label=_("The whole network"),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations invited"),
        queryset=Organization.objects.filter(memberships__isnull=False).distinct().order_by("name"),
        required=False,
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People invited"),
        queryset=User.objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("username"),
        required=False,
        help_text=_("They are told when the meeting is convened."),
    )


class AddCaseForm(forms.Form):
    code = forms.CharField(label=_("Case code"), max_length=20)


class DiscussionForm(forms.Form):
    challenges = forms.CharField(label=_("Challenges"), widget=forms.Textarea, required=False)
    progress = forms.CharField(label=_("Progress"), widget=forms.Textarea, required=False)


class AgreementForm(forms.Form):
    text = forms.CharField(label=_("Agreement"), widget=forms.Textarea(attrs={"rows": 2}))
    organization = forms.ModelChoiceField(
        label=_("Responsible organization"), queryset=Organization.objects.none()
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, meeting: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = meeting.invitations.values("organization_id")
        organization = self.fields["organization"]
        responsible = self.fields["responsible"]
        assert isinstance(organization, forms.ModelChoiceField)
        assert isinstance(responsible, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(pk__in=invited).order_by("name")
        responsible.queryset = (
            User.objects.filter(memberships__organization_id__in=invited, is_active=True)
            .distinct()
            .order_by("username")
        )


class AgreementStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)


class RoundLinkForm(forms.Form):
    allocation_round = forms.ModelChoiceField(
        label=_("Allocation round"), queryset=AllocationRound.objects.none(), required=False
    )

    def __init__(self, *args: Any, meeting: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = AllocationRound.objects.select_related("territory", "category").order_by(
            "-created"
        )
        if meeting.territory_id is not None:
            rounds = rounds.filter(territory_id=meeting.territory_id)
        self.fields["allocation_round"].queryset = rounds[:50]  # type: ignore[attr-defined]
