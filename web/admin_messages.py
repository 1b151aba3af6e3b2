"""Django admin's and third-party admin messages that Puente's Spanish catalog words again.

Django's Spanish admin puts a masculine article before every model's name ("El
prestación “…” se cambió correctamente. Puede editarlo…"), and most of Puente's
models are feminine (prestación, sede, derivación, alerta). Our catalog, which comes
first in LOCALE_PATHS, words these without an article. Naming the msgids here keeps
`makemessages` from dropping them as obsolete; the strings must stay byte-identical
to Django's (django/contrib/admin/options.py, actions.py) and the packages' own.

django-simple-history and django-celery-beat ship no Spanish for these, so the admin
pages showed them in English (found by tests/test_spanish_pages.py). Nor does
django-axes for its models' names, which the user form's permissions show
(accounts/forms.py: "Axes | registro de acceso | Puede ver registro de acceso").
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
    # django-simple-history's history pages.
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object."
    ),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Changed by"),
    gettext_noop("None"),
    gettext_noop("Change reason"),
    gettext_noop("View history: %s"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Revert %(verbose_name)s"),
    # django-celery-beat's periodic-task form.
    gettext_noop("Execution Options"),
    gettext_noop('Cron Months (1-12) Of The Year to Run. Use "*" for "all". (Example: "1,12")'),
    gettext_noop(
        "Priority Number between 0 and 255. Supported by: RabbitMQ, Redis (priority "
        "reversed, 0 is highest)."
    ),
    gettext_noop(
        "Datetime that the schedule last triggered the task to run. Reset to None if "
        "enabled is set to False."
    ),
    # django-axes' models, named in the permissions of the user and group forms.
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
