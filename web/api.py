"""What the REST API views of every app share: checks on the text a client sends."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NUL_MESSAGE = _("Remove the NUL character (\\x00): it cannot be part of a value.")


def text_without_nul(value: object) -> None:
    """Refuse a NUL character: PostgreSQL cannot store or compare text holding one.

    DRF's ``CharField`` already refuses it; the fields that look a value up in the
    database before their validators run (``SlugRelatedField``) need it beforehand,
    or the lookup itself fails as a ``DataError``.
    """
    if isinstance(value, str) and "\x00" in value:
        raise serializers.ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")


class CodeRelatedField(serializers.SlugRelatedField[Any]):
    """A ``SlugRelatedField`` whose value is checked for NUL before the lookup."""

    def to_internal_value(self, data: Any) -> Any:
        text_without_nul(data)
        return super().to_internal_value(data)
