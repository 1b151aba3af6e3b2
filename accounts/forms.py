"""Forms of the sign-in code, two-factor enrolment and API tokens, and admin form parts."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code has only digits."))
        return token


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        help_text=_("For example the name of the system that will use it."),
    )


# Django stores a permission's name once, in English ("Can add case", from the model's
# untranslated verbose name): the admin names the four default ones from a pattern and
# the model's verbose name, both translated.
PERMISSION_ACTIONS = {
    "add": _("Can add {name}"),
    "change": _("Can change {name}"),
    "delete": _("Can delete {name}"),
    "view": _("Can view {name}"),
}


def permission_label(*, permission: Permission) -> str:
    """'<app> | <model> | <what it allows>', in the active language."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:  # a model removed since: only the stored name is left
        return str(permission)
    for action, pattern in PERMISSION_ACTIONS.items():
        if permission.codename == get_permission_codename(action, model._meta):
            name = pattern.format(name=model._meta.verbose_name)
            break
    else:
        # A model's own permission: its name, translated if the catalog knows it.
        name = gettext(permission.name)
    return f"{content_type} | {name}"


class PermissionMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The permissions of a user or a group (the admin's two-list widget), translated."""

    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(permission=obj)
