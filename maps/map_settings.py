"""What the map scripts need from the settings, handed over as JSON (no inline script)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def map_settings() -> dict[str, Any]:
    leaflet: dict[str, Any] = settings.LEAFLET_CONFIG
    tiles = getattr(settings, "MAP_TILES_URL", "")
    return {
        "center": list(leaflet.get("DEFAULT_CENTER", (-33.45, -70.60))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 12),
        "min_zoom": leaflet.get("MIN_ZOOM", 3),
        "max_zoom": leaflet.get("MAX_ZOOM", 18),
        # Tiles are switched off with an empty URL (tests, offline demos).
        "tiles": tiles if leaflet.get("TILES") else "",
        "attribution": getattr(settings, "MAP_TILES_ATTRIBUTION", ""),
    }
