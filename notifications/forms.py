"""The preferences form: per kind, how it reaches the person; the language of their mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import CHOOSABLE_KINDS, Delivery, NotificationKind, NotificationSettings


class NotificationPreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of your emails"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )

    def __init__(self, *args: Any, current: NotificationSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "language": current.language,
                **{kind: current.delivery_for(kind) for kind in CHOOSABLE_KINDS},
            },
        )
        super().__init__(*args, **kwargs)
        for kind in CHOOSABLE_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how this kind of notice reaches you."),
                    "invalid_choice": _("Choose how this kind of notice reaches you."),
                },
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in CHOOSABLE_KINDS]

    def deliveries(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in CHOOSABLE_KINDS}
