"""What every form shares: a service's refusal shown on the fields it names."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm,
    error: ValidationError,
    *,
    rename: Mapping[str, str] | None = None,
) -> None:
    """Put a service's ValidationError on the form: per field where it can, else on top.

    Keys the form does not have (``case``, ``consent``, ``status``…) become errors
    of the whole form, so nothing the service said is lost.
    """
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        target: str | None = rename.get(name, name)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)
