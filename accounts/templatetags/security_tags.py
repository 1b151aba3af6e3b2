"""The CSP nonce where a template cannot reach ``request`` (inclusion tags)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def request_csp_nonce(context: template.Context) -> str:
    """The nonce given to the tag, else the request's.

    An inclusion tag renders in a fresh context without the context processors'
    variables, but the context keeps its ``request`` attribute.
    """
    given = context.get("csp_nonce")
    if given:
        return str(given)
    request = getattr(context, "request", None)
    nonce = getattr(request, "csp_nonce", None)
    # Not ``if nonce``: django-csp's lazy nonce is falsy until read, and reading it
    # is what puts it in the header.
    return "" if nonce is None else str(nonce)
