"""The map's filters and viewport, validated once for the page and its data endpoints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext_lazy as _

from directory.capacity import CapacityStatus
from directory.forms import ServiceSearchForm
from directory.models import Territory
from directory.tiles import MAX_ZOOM, BBox, MapFilters
from web.params import PageField, PerPageField, QueryTextField

_search_fields = ServiceSearchForm.base_fields

MAX_LIST_PER_PAGE = 50
EDIT_SEARCH_MAX_LENGTH = 200


class MapFilterForm(forms.Form):
    """The filters of the public map; the same fields and meaning as the search's."""

    category = _search_fields["category"]
    age = _search_fields["age"]
    territory = _search_fields["territory"]
    modality = _search_fields["modality"]
    open_slots = _search_fields["open_slots"]
    capacity_status = forms.ChoiceField(
        label=_("Capacity"),
        choices=[("", _("Any")), *CapacityStatus.choices],
        required=False,
    )

    def map_filters(self) -> MapFilters:
        data = self.cleaned_data
        return MapFilters(
            category_code=data["category"].code if data.get("category") else None,
            age=data.get("age"),
            territory_id=data["territory"].pk if data.get("territory") else None,
            modality=data.get("modality") or None,
            open_slots_only=bool(data.get("open_slots")),
            capacity_status=data.get("capacity_status") or None,
        )


class MapViewportForm(MapFilterForm):
    """The filters plus what the map is looking at: its bounding box and zoom."""

    bbox = forms.CharField(
        label=_("Map extent"),
        required=False,
        help_text=_("west,south,east,north in degrees (WGS 84)."),
    )
    zoom = forms.IntegerField(label=_("Zoom"), required=False, min_value=0, max_value=MAX_ZOOM)
    page = PageField(label=_("Page"))
    per_page = PerPageField(label=_("Per page"), max_value=MAX_LIST_PER_PAGE)

    def clean_bbox(self) -> BBox | None:
        raw = (self.cleaned_data.get("bbox") or "").strip()
        if not raw:
            return None
        parts = raw.split(",")
        message = _("Give the map extent as four numbers: west,south,east,north.")
        if len(parts) != 4:
            raise forms.ValidationError(message)
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError as error:
            raise forms.ValidationError(message) from error
        if not all(map(_finite, (west, south, east, north))):
            raise forms.ValidationError(message)
        if not (-90 <= south < north <= 90):
            raise forms.ValidationError(
                _("The south edge must be below the north edge, both between -90 and 90.")
            )
        if not west < east:
            raise forms.ValidationError(_("The west edge must be left of the east edge."))
        # Leaflet reports longitudes beyond ±180 after panning round the world.
        return BBox(west=max(west, -180.0), south=south, east=min(east, 180.0), north=north)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("zoom") is None:
            data["zoom"] = 12
        return data


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


class SiteLocationForm(forms.Form):
    """Where the site is; the map fills these, and they can be typed as well."""

    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)


class ServiceAreaForm(forms.Form):
    """The territories a service serves: ticked in the list or drawn on the map."""

    territories = forms.ModelMultipleChoiceField(
        label=_("Territories served"),
        queryset=Territory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked and nothing drawn: the service has no territorial limit."),
    )
    shape = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, territories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["territories"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = territories

    def clean_shape(self) -> GEOSGeometry | None:
        raw = (self.cleaned_data.get("shape") or "").strip()
        if not raw:
            return None
        try:
            shape = GEOSGeometry(raw, srid=4326)
        except (ValueError, GEOSException, GDALException) as error:
            raise forms.ValidationError(_("The drawn area could not be read.")) from error
        if shape.geom_type not in {"Polygon", "MultiPolygon"} or not shape.valid:
            raise forms.ValidationError(
                _("Draw the area as a polygon or a rectangle whose sides do not cross.")
            )
        return shape


class EditSearchForm(forms.Form):
    """The editors' search for a site or service by name."""

    q = QueryTextField(label=_("Site or service name"), max_length=EDIT_SEARCH_MAX_LENGTH)
