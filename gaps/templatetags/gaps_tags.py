"""How a figure of the planners' pages is written: suppressed ones as they come."""

from __future__ import annotations

from typing import Any

from django import template

from gaps.selectors.suppression import figure_text

register = template.Library()


@register.filter
def shown(value: Any, decimals: int = 2) -> str:
    """A number localised, "<5" and "n<5" as they are, a missing figure as a dash."""
    return figure_text(value, int(decimals))


@register.filter
def percent(value: Any, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage; suppressed and missing figures as :func:`shown`."""
    if value is None or isinstance(value, str):
        return shown(value)
    return shown(float(value) * 100, decimals) + " %"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[str(key)]``, or None: lookups by a UUID in a dict keyed by strings."""
    if not hasattr(mapping, "get"):
        return None
    return mapping.get(str(key))


@register.inclusion_tag("gaps/_swatch.html")
def swatch(colour: str) -> dict[str, str]:
    """A square of the colour, as SVG (no inline style: the CSP forbids it)."""
    return {"colour": colour}
