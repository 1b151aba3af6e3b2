"""Forms of the front door: a report, its decision, outreach lists, link requests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms import TEXT_MAX
from cases.models import AlertType
from directory.models import AccessRoute, Organization, RiskLevel, Sex, Territory

CHOOSE = ("", _("Choose…"))


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write names."),
    )


class _OrganizationChoiceMixin:
    """One organization of the user's: chosen when they have several, implied when one."""

    fields: dict[str, forms.Field]

    def _own_organization_field(
        self, name: str, organizations: QuerySet[Organization]
    ) -> Organization | None:
        self.fields[name].queryset = organizations  # type: ignore[attr-defined]
        only = organizations[0] if len(organizations) == 1 else None
        if only is not None:
            del self.fields[name]
        return only


class ReportForm(_OrganizationChoiceMixin, forms.Form):
    """A report, for any of the three access modalities."""

    modality = forms.ChoiceField(
        label=_("How the child came"),
        choices=[
            (AccessRoute.SELF_REFERRAL, _("Spontaneous demand (at the desk)")),
            (AccessRoute.REFERRAL, _("Referral from another institution")),
            (AccessRoute.OUTREACH, _("Outreach")),
        ],
        widget=forms.RadioSelect,
    )
    receiving_organization = forms.ModelChoiceField(
        label=_("Received by"), queryset=Organization.objects.none(), empty_label=CHOOSE[1]
    )
    addressed_to = forms.ModelChoiceField(
        label=_("Case team"), queryset=Organization.objects.none(), empty_label=CHOOSE[1]
    )
    receiving_attends = forms.BooleanField(
        label=_("Our organization attends the child"),
        required=False,
        help_text=_("The report still goes to the case team, which keeps the case."),
    )
    reporter_anonymous = forms.BooleanField(label=_("Anonymous report"), required=False)
    reporter_organization = forms.ModelChoiceField(
        label=_("Reporting organization (directory)"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("Not in the directory"),
    )
    reporter_institution = forms.CharField(
        label=_("Reporting institution"), max_length=200, required=False
    )
    reporter_role = forms.CharField(
        label=_("Reporter's role"),
        max_length=100,
        required=False,
        help_text=_("For example teacher, neighbour, mother. No names."),
    )
    reported_at = forms.DateTimeField(
        label=_("Reported at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    observed = forms.CharField(
        label=_("What was observed"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    concern_types = forms.MultipleChoiceField(
        label=_("Concern types"), choices=AlertType.choices, widget=forms.CheckboxSelectMultiple
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[CHOOSE, *RiskLevel.choices])
    child_full_name = forms.CharField(label=_("Child's name"), max_length=200, required=False)
    child_national_id = forms.CharField(
        label=_("Child's national ID (RUN)"), max_length=20, required=False
    )
    child_birth_date = forms.DateField(
        label=_("Child's birth date"), required=False, widget=_date_widget()
    )
    child_age_years = forms.IntegerField(
        label=_("Approximate age"), required=False, min_value=0, max_value=17
    )
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=[CHOOSE, *Sex.choices], required=False
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    child_description = forms.CharField(
        label=_("About the child"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    document = forms.FileField(
        label=_("Written report (document)"),
        required=False,
        help_text=_("PDF, JPG, PNG, DOCX or ODT, at most 10 MB."),
    )
    document_reference = forms.CharField(
        label=_("Written report reference"), max_length=100, required=False
    )
    document_date = forms.DateField(
        label=_("Written report date"), required=False, widget=_date_widget()
    )

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        teams: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.only_organization = self._own_organization_field(
            "receiving_organization", organizations
        )
        self.fields["addressed_to"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Give latitude and longitude together."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``report_register`` (without the actor)."""
        data = dict(self.cleaned_data)
        latitude, longitude = data.pop("latitude", None), data.pop("longitude", None)
        data["child_home"] = Point(longitude, latitude, srid=4326) if latitude is not None else None
        data["receiving_organization"] = (
            data.get("receiving_organization") or self.only_organization
        )
        return data


class ReportDismissForm(forms.Form):
    dismissal_reason = _reason_field()


class ReportLinkForm(forms.Form):
    case_code = forms.CharField(
        label=_("Code of the team's case"),
        max_length=20,
        help_text=_("For example C-AB23CD45."),
    )


class OutreachListForm(_OrganizationChoiceMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=CHOOSE[1]
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    territory = forms.ModelChoiceField(
        label=_("Territory"), queryset=Territory.objects.order_by("name"), empty_label=CHOOSE[1]
    )
    carried_out_on = forms.DateField(
        label=_("Carried out on"), required=False, widget=_date_widget()
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only_organization = self._own_organization_field("organization", organizations)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["organization"] = data.get("organization") or self.only_organization
        return data


class FindingForm(forms.Form):
    description = forms.CharField(
        label=_("Short description"),
        max_length=300,
        help_text=_("Who was found, without a full identity (no full names, no ID numbers)."),
    )
    approximate_age = forms.IntegerField(
        label=_("Approximate age"), required=False, min_value=0, max_value=17
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class FindingConvertForm(forms.Form):
    addressed_to = forms.ModelChoiceField(
        label=_("Case team"), queryset=Organization.objects.none(), empty_label=CHOOSE[1]
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[CHOOSE, *RiskLevel.choices])
    concern_types = forms.MultipleChoiceField(
        label=_("Concern types"), choices=AlertType.choices, widget=forms.CheckboxSelectMultiple
    )
    observed = forms.CharField(
        label=_("What was observed"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Empty: the finding's description."),
    )

    def __init__(self, *args: Any, teams: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addressed_to"].queryset = teams  # type: ignore[attr-defined]


class FindingDismissForm(forms.Form):
    dismissal_reason = _reason_field()


class LinkAskForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), widget=forms.HiddenInput
    )


class LinkAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept the link")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
