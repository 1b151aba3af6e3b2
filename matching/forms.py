"""Forms of the matching pages. They validate input; the services make the changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.models import AlertStatus, AlertType, Case, ConsentScope, VulnerabilityFactor
from directory.models import AccessRoute, Organization, RiskLevel, Sex, TaxonomyTerm
from matching.models import PriorityPolicy, ReferralStatus, RejectionReason
from matching.selectors import case_get_for_alert_by_code
from matching.services import POLICY_FIELDS
from web.forms import add_service_errors as add_service_errors
from web.params import BoundedDateField, PageField

# Fields of a service's ValidationError that the forms show under another name.
HOME_FIELDS = {"home": "latitude"}


def _point_fields(*, required: bool) -> tuple[forms.FloatField, forms.FloatField]:
    attrs = {"step": "any", "inputmode": "decimal"}
    return (
        forms.FloatField(
            label=_("Latitude"),
            required=required,
            min_value=-90,
            max_value=90,
            widget=forms.NumberInput(attrs=attrs),
            help_text=_("For example -33.45. You can also click the map."),
        ),
        forms.FloatField(
            label=_("Longitude"),
            required=required,
            min_value=-180,
            max_value=180,
            widget=forms.NumberInput(attrs=attrs),
            help_text=_("For example -70.60."),
        ),
    )


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def need_terms() -> QuerySet[TaxonomyTerm]:
    """Needs a caseworker can record: the most specific terms, not the groups above them."""
    return TaxonomyTerm.objects.filter(children__isnull=True).order_by("code")


def case_team_organizations(*, organization_ids: Iterable[Any]) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=list(organization_ids)).order_by("name")


# The first option of every choice about the child: nothing is chosen until someone does.
CHOOSE = ("", _("Choose…"))


def _required_choice(label: Any, choices: Iterable[tuple[str, Any]]) -> forms.ChoiceField:
    """A required choice that starts empty: an untouched field is refused, never guessed."""
    return forms.ChoiceField(label=label, choices=[CHOOSE, *choices])


class CaseCreateForm(forms.Form):
    """A new case. Nothing about the child is preselected: an empty form records nothing,
    and comes back naming every field the record needs (``missing_labels``)."""

    organization = forms.ModelChoiceField(
        label=_("Team"), queryset=Organization.objects.none(), empty_label=CHOOSE[1]
    )
    birth_date = BoundedDateField(label=_("Birth date"), widget=_date_widget())
    sex = _required_choice(_("Sex"), Sex.choices)
    latitude, longitude = _point_fields(required=True)
    risk_level = _required_choice(_("Risk level"), RiskLevel.choices)
    urgent_safety = forms.BooleanField(
        label=_("Urgent safety concern"),
        required=False,
        help_text=_("The child is not safe now: goes before every case without this flag."),
    )
    vulnerability_factors = forms.MultipleChoiceField(
        label=_("Vulnerability factors"),
        choices=VulnerabilityFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    access_route = _required_choice(_("Access route"), AccessRoute.choices)
    needs = forms.ModelMultipleChoiceField(
        label=_("Needs"),
        queryset=TaxonomyTerm.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    has_judicial_order = forms.BooleanField(label=_("Has a judicial order"), required=False)
    # Optional identity, kept apart (CaseIdentity): it finds possible duplicates in other
    # teams by a keyed hash, without showing either team the other's case.
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("Optional. Seen only by your team; finds possible duplicates."),
    )
    national_id = forms.CharField(label=_("National ID (RUN)"), max_length=20, required=False)

    def __init__(self, *args: Any, teams: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = teams  # type: ignore[attr-defined]
        self.fields["needs"].queryset = need_terms()  # type: ignore[attr-defined]
        # One team (the usual case): nothing to choose, so no field to fill.
        self.only_team = teams[0] if len(teams) == 1 else None
        if self.only_team is not None:
            del self.fields["organization"]

    def missing_labels(self) -> list[str]:
        """The labels of the required fields left empty, in the form's order."""
        return [
            str(field.label)
            for name, field in self.fields.items()
            if any(e.code == "required" for e in self.errors.as_data().get(name, []))
        ]

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``cases.services.case_create`` (without the actor)."""
        data = self.cleaned_data
        return {
            "organization": data.get("organization") or self.only_team,
            "birth_date": data["birth_date"],
            "sex": data["sex"],
            "home": Point(data["longitude"], data["latitude"], srid=4326),
            "risk_level": data["risk_level"],
            "urgent_safety": data["urgent_safety"],
            "vulnerability_factors": data["vulnerability_factors"],
            "access_route": data["access_route"],
            "needs": list(data["needs"]),
            "has_judicial_order": data["has_judicial_order"],
            "full_name": data["full_name"],
            "national_id": data["national_id"] if data["full_name"] else "",
        }


class ConsentForm(forms.Form):
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=100,
        help_text=_("Who consented, e.g. “mother”, “the child”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Consent covers"),
        choices=ConsentScope.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class AlertAnswerForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("acknowledge", _("Mark as seen")), ("close", _("Close"))],
        widget=forms.HiddenInput,
    )


class NeedAddForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Need"), queryset=TaxonomyTerm.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = need_terms()  # type: ignore[attr-defined]


class ReferralSendForm(forms.Form):
    """One 'Refer' form per eligible option: create the referral and send it at once."""

    service_at_site = forms.UUIDField(widget=forms.HiddenInput)
    shared_note = forms.CharField(
        label=_("What the provider should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only this note, the needs and the age band reach the provider."),
    )
    consent_override_reason = forms.CharField(
        label=_("Why refer without consent"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "There is no consent for referral on record for this case. Give the reason "
            "without naming anyone: its beginning is kept in the audit log."
        ),
    )

    admissibility_override_reason = forms.CharField(
        label=_("Why refer before admissibility"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The case is pending admissibility; it has an urgent safety concern, so it may "
            "be referred now. Say why it cannot wait: the reason is kept and audited."
        ),
    )

    def __init__(
        self, *args: Any, has_consent: bool, may_override_admissibility: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.has_consent = has_consent
        if has_consent:
            del self.fields["consent_override_reason"]
        if not may_override_admissibility:
            del self.fields["admissibility_override_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_consent and not (data.get("consent_override_reason") or "").strip():
            self.add_error(
                "consent_override_reason",
                _(
                    "There is no consent for referral on record. Record it, or give the "
                    "reason for referring without it."
                ),
            )
        return data


class ReferralWithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why withdraw"), required=False, max_length=1000, widget=forms.TextInput
    )


# The moves a provider makes, and the fields each one asks for.
PROVIDER_MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    ReferralStatus.ACCEPTED: ("note",),
    ReferralStatus.REJECTED: ("rejection_reason", "note"),
    ReferralStatus.WAITING: ("note",),
    ReferralStatus.IN_SERVICE: ("note",),
    ReferralStatus.NO_SHOW: ("note",),
    ReferralStatus.COMPLETED: ("feedback",),
    ReferralStatus.WITHDRAWN: ("note",),
}


class ReferralMoveForm(forms.Form):
    """A provider's answer: one of the moves the state machine allows them now."""

    to_status = forms.ChoiceField(choices=(), widget=forms.HiddenInput)
    rejection_reason = forms.ChoiceField(
        label=_("Reason for rejecting"),
        choices=[("", "---------"), *RejectionReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note for the case team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feedback = forms.CharField(
        label=_("Feedback for the case team (contrarreferencia)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, allowed: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (value, ReferralStatus(value).label) for value in allowed
        ]
        move = self.initial.get("to_status") or (self.data.get(self.add_prefix("to_status")))
        wanted = PROVIDER_MOVE_FIELDS.get(str(move), ())
        for name in ("rejection_reason", "note", "feedback"):
            if name not in wanted:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        move = data.get("to_status")
        if move == ReferralStatus.REJECTED and not data.get("rejection_reason"):
            self.add_error("rejection_reason", _("Choose why the referral is rejected."))
        if move == ReferralStatus.COMPLETED and not (data.get("feedback") or "").strip():
            self.add_error("feedback", _("Tell the case team how it went (contrarreferencia)."))
        return data


class ProviderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("All")),
            *[(v, label) for v, label in ReferralStatus.choices if v != ReferralStatus.DRAFT],
        ],
        required=False,
    )


class InboxFilterForm(forms.Form):
    """The inbox's filters: an alert type, a state (new or seen), a page; all optional."""

    alert_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types")), *AlertType.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("New and seen")),
            (AlertStatus.OPEN, AlertStatus.OPEN.label),
            (AlertStatus.ACKNOWLEDGED, AlertStatus.ACKNOWLEDGED.label),
        ],
        required=False,
    )
    page = PageField(label=_("Page"), widget=forms.HiddenInput)

    def filters(self) -> dict[str, str | None]:
        """The selector's arguments: nothing narrows the list unless the form is valid."""
        if not self.is_bound or not self.is_valid():
            return {"alert_type": None, "status": None}
        return {
            "alert_type": self.cleaned_data["alert_type"] or None,
            "status": self.cleaned_data["status"] or None,
        }

    def page_number(self) -> int:
        if not self.is_bound or not self.is_valid():
            return 1
        return self.cleaned_data["page"] or 1


class NotificationReadForm(forms.Form):
    notification = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class PolicyPublishForm(forms.ModelForm):
    """The next version of the policy, starting from the current one's values."""

    class Meta:
        model = PriorityPolicy
        fields = [*POLICY_FIELDS, "change_note"]
        widgets = {"change_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_note"].required = True

    def policy_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}


class AlertRaiseForm(forms.Form):
    """Raise an alert on an open case (by its code) or start an intake without one."""

    organization = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organization.objects.none(), empty_label=None
    )
    alert_type = forms.ChoiceField(label=_("Type"), choices=AlertType.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=RiskLevel.choices)
    note = forms.CharField(
        label=_("What did you observe?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    case_code = forms.CharField(
        label=_("Case code"),
        required=False,
        max_length=20,
        help_text=_("If the child already has a case, e.g. C-7K3M9QXA. Leave empty otherwise."),
    )
    intake_organization = forms.ModelChoiceField(
        label=_("Team that should receive the intake"),
        queryset=Organization.objects.none(),
        required=False,
    )
    birth_date = BoundedDateField(label=_("Birth date"), required=False, widget=_date_widget())
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", "---------"), *Sex.choices], required=False
    )
    latitude, longitude = _point_fields(required=False)

    INTAKE_FIELDS = ("intake_organization", "birth_date", "sex", "latitude", "longitude")

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["intake_organization"].queryset = (  # type: ignore[attr-defined]
            Organization.objects.filter(memberships__role=Role.CASEWORKER)
            .distinct()
            .order_by("name")
        )
        self.case: Case | None = None

    def clean_case_code(self) -> str:
        return (self.cleaned_data.get("case_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("case_code")
        given = [name for name in self.INTAKE_FIELDS if data.get(name) not in (None, "")]
        if code:
            if given:
                raise ValidationError(
                    _("Give either a case code or the data for a new intake, not both.")
                )
            self.case = case_get_for_alert_by_code(code=code)
            if self.case is None:
                self.add_error(
                    "case_code",
                    _("No case has this code. Check it, or leave it empty to start an intake."),
                )
            return data
        if "case_code" in self.errors:
            return data
        for name in self.INTAKE_FIELDS:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("Without a case code, this is needed to start an intake."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``cases.services.alert_raise`` (without the actor)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "organization": data["organization"],
            "alert_type": data["alert_type"],
            "severity": data["severity"],
            "note": data["note"],
        }
        if self.case is not None:
            arguments["case"] = self.case
        else:
            arguments.update(
                intake_organization=data["intake_organization"],
                birth_date=data["birth_date"],
                sex=data["sex"],
                home=Point(data["longitude"], data["latitude"], srid=4326),
            )
        return arguments


ALERT_RENAME = {"home": "latitude", "case": "case_code"}
