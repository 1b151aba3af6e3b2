"""The search filters, validated once for the page, the API and the GeoJSON endpoints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from directory.models import AccessRoute, Modality, Sex, TaxonomyTerm, Territory
from web.params import PageField

MAX_PER_PAGE = 100


class ServiceSearchForm(forms.Form):
    q = forms.CharField(label=_("What are you looking for?"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=TaxonomyTerm.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
    )
    age = forms.IntegerField(label=_("Age of the child"), required=False, min_value=0, max_value=25)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any")), *Sex.choices], required=False)
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("depth", "name"),
        required=False,
        empty_label=_("All territories"),
    )
    modality = forms.ChoiceField(
        label=_("Modality"), choices=[("", _("Any")), *Modality.choices], required=False
    )
    access_route = forms.ChoiceField(
        label=_("Access route"),
        choices=[("", _("Any")), *AccessRoute.choices],
        required=False,
    )
    open_slots = forms.BooleanField(label=_("Only with open slots"), required=False)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.HiddenInput,
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )
    radius = forms.FloatField(
        label=_("Within (metres)"), required=False, min_value=1, max_value=200_000
    )
    page = PageField(widget=forms.HiddenInput)
    per_page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PER_PAGE, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, max_per_page: int = MAX_PER_PAGE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["per_page"] = forms.IntegerField(
            required=False, min_value=1, max_value=max_per_page, widget=forms.HiddenInput
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            missing = "lon" if lon is None else "lat"
            self.add_error(missing, _("Give both latitude and longitude to search near a point."))
        if data.get("radius") is not None and lat is None:
            self.add_error("radius", _("A distance needs a point: use your location first."))
        return data

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``directory.selectors.service_search``."""
        data = self.cleaned_data
        near = None
        if data.get("lat") is not None and data.get("lon") is not None:
            near = Point(data["lon"], data["lat"], srid=4326)
        return {
            "text": data.get("q") or "",
            "category_code": data["category"].code if data.get("category") else None,
            "age": data.get("age"),
            "sex": data.get("sex") or None,
            "territory_id": data["territory"].pk if data.get("territory") else None,
            "modality": data.get("modality") or None,
            "access_route": data.get("access_route") or None,
            "open_slots_only": bool(data.get("open_slots")),
            "near": near,
            "radius_m": data.get("radius") if near else None,
            "page": data.get("page") or 1,
            "per_page": data.get("per_page") or 20,
        }
