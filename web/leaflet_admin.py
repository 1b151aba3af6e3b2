"""The admin's map widgets in the page's language.

django-leaflet's admin widget brings Leaflet and Leaflet.draw as form media, not through
``{% leaflet_js %}``, so the words Puente gives every other map (templates/leaflet/_puente.html:
the zoom buttons, the drawing toolbar and its tooltips) never reached the admin's maps,
which stayed in English. The widget itself renders through the form renderer, which does
not see the project's templates; the change form does, so the words go in there.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import select_template
from django.template.response import TemplateResponse

MAP_CHANGE_FORM = "admin/puente/map_change_form.html"


class MapWordsAdminMixin:
    """For a ModelAdmin with a Leaflet widget: its change form, plus Puente's Leaflet words."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> TemplateResponse:
        response: TemplateResponse = super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )
        # The form the admin chose (django-simple-history's, the model's own…) stays the
        # base, so whatever it shows is kept.
        names: Any = response.template_name
        base: Any = select_template([names] if isinstance(names, str) else list(names))
        response.context_data = {
            **(response.context_data or {}),
            # The engine's own template: what {% extends %} takes from a variable.
            "puente_change_form_base": base.template,
        }
        response.template_name = MAP_CHANGE_FORM
        return response
