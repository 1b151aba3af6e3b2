"""``{% map_settings_script %}``: the map settings as a JSON script element for base_map.js."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from maps.map_settings import map_settings

register = template.Library()


@register.simple_tag
def map_settings_script() -> SafeString:
    return json_script(map_settings(), "map-settings")
