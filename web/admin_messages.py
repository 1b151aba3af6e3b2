"""Django admin's messages that Puente's Spanish catalog words again.

Django's Spanish admin puts a masculine article before every model's name ("El
prestación “…” se cambió correctamente. Puede editarlo…"), and most of Puente's
models are feminine (prestación, sede, derivación, alerta). Our catalog, which comes
first in LOCALE_PATHS, words these without an article. Naming the msgids here keeps
`makemessages` from dropping them as obsolete; the strings must stay byte-identical
to Django's (django/contrib/admin/options.py, actions.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

ADMIN_MESSAGES = (
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Add another %(verbose_name)s"),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
    ),
)
