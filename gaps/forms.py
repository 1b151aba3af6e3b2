"""The planners' choices: category, measure, territory, snapshot and period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import TaxonomyTerm, Territory
from gaps.selectors import DEFAULT_MEASURE, MEASURES, gap_territory_list, quarter_previous
from web.params import BoundedDateField, date_bounds_message, date_in_bounds

#: The longest period the management indicators are computed for in one request.
MAX_PERIOD_DAYS = 5 * 366


def period_error(*, start: date | None, end: date | None) -> tuple[str, str] | None:
    """(field, message) of what is wrong with a period, or None; shared with the API."""
    for name, day in (("start", start), ("end", end)):
        # The API's serializers read dates unbounded; the forms' fields refuse them first.
        if day is not None and not date_in_bounds(day):
            return name, date_bounds_message()
    if (start is None) != (end is None):
        return ("end" if start else "start"), str(_("Give both days of the period, or none."))
    if start and end and start > end:
        return "end", str(_("The end of the period must not be before its start."))
    if start and end and (end - start) > timedelta(days=MAX_PERIOD_DAYS):
        return "end", str(_("Choose a period of at most five years for these indicators."))
    return None


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TaxonomyTerm) -> str:
        return f"— {obj.name}" if obj.parent_id else obj.name


class GapMapForm(forms.Form):
    category = CategoryChoiceField(
        label=_("Category"), queryset=TaxonomyTerm.objects.none(), to_field_name="code"
    )
    measure = forms.ChoiceField(
        label=_("Colour territories by"),
        choices=[(m.key, m.label) for m in MEASURES],
        initial=DEFAULT_MEASURE,
    )

    def __init__(self, *args: Any, categories: QuerySet[TaxonomyTerm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, CategoryChoiceField)
        field.queryset = categories
        field.empty_label = None


class TrendForm(forms.Form):
    category = CategoryChoiceField(
        label=_("Category"), queryset=TaxonomyTerm.objects.none(), to_field_name="code"
    )
    territory = forms.ModelChoiceField(
        label=_("Territory"), queryset=Territory.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, categories: QuerySet[TaxonomyTerm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryChoiceField)
        category.queryset = categories
        category.empty_label = None
        territory = self.fields["territory"]
        assert isinstance(territory, forms.ModelChoiceField)
        territory.queryset = gap_territory_list()


class PeriodForm(forms.Form):
    """A period of referrals sent, both days included; the last full quarter by default."""

    start = BoundedDateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = BoundedDateField(
        label=_("To (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    @staticmethod
    def default_period(today: date | None = None) -> tuple[date, date]:
        return quarter_previous(today=today or timezone.localdate())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            error = period_error(start=cleaned.get("start"), end=cleaned.get("end"))
            if error:
                self.add_error(*error)
        return cleaned


class GapDownloadForm(forms.Form):
    day = BoundedDateField(label=_("Snapshot"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=TaxonomyTerm.objects.all(),
        to_field_name="code",
        required=False,
    )


NETWORK_TABLES = (
    ("indicators", _("Network indicators")),
    ("organizations", _("Organizations")),
    ("pairs", _("Pairs of organizations")),
    ("casework", _("Case file indicators")),
    ("casework_territories", _("Case file indicators by territory")),
    ("casework_teams", _("Case file indicators by team")),
)
#: Tables of a period only: the nightly snapshot is the referral network's.
PERIOD_TABLES = frozenset({"casework", "casework_territories", "casework_teams"})


class NetworkDownloadForm(PeriodForm):
    # Checked as PeriodForm's, but both days may be left out.
    start = BoundedDateField(label=_("From"), required=False)
    end = BoundedDateField(label=_("To (included)"), required=False)
    table = forms.ChoiceField(
        label=_("Table"), choices=NETWORK_TABLES, required=False, initial="organizations"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            not self.errors
            and cleaned.get("table") in PERIOD_TABLES
            and not (cleaned.get("start") and cleaned.get("end"))
        ):
            self.add_error("table", _("The case file indicators need a period: give its days."))
        return cleaned
