from __future__ import annotations

from collections.abc import Iterable

from django import template

from network.models import AgendaReason

register = template.Library()


@register.filter
def reason_labels(reasons: Iterable[str]) -> list[str]:
    return [str(AgendaReason(r).label) for r in reasons if r in AgendaReason.values]
