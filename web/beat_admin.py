"""django-celery-beat's crontab schedules said in the user's language in the admin.

django-celery-beat describes a crontab through cron_descriptor with its default
options (``CrontabSchedule.human_readable``), which follow the process's locale, not
the request's language: the Spanish admin read "Every minute", "At 02:15 AM". Here the
admin asks cron_descriptor for the active language's catalog (its ``Options.locale_code``)
instead of patching the library for every caller. cron_descriptor takes day and month
names from the ``calendar`` module, that is from the process's locale (English on the
servers); they are put back into the active language through Django's own names.

The admin classes here are bases: accounts/admin.py registers them, restricted to the
administrator role, in place of django-celery-beat's.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

from celery import schedules
from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django.contrib import admin
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, PeriodicTask, cronexp

IN_WORDS = _("schedule in words")

# cron_descriptor's catalogs (cron_descriptor/locale/<code>.mo) for the site's languages.
CRON_LOCALES = {"es": "es_ES", "en": "en_US"}
DEFAULT_CRON_LOCALE = "en_US"


def _cron_locale() -> str:
    language = (get_language() or "").split("-")[0]
    return CRON_LOCALES.get(language, DEFAULT_CRON_LOCALE)


def _crontab_expression(crontab: CrontabSchedule) -> str:
    """The five fields as cron reads them; the days of the week as django-celery-beat does."""
    try:
        # celery ships no types for a crontab's parsed fields.
        parsed: Any = schedules.crontab(
            minute=crontab.minute,
            hour=crontab.hour,
            day_of_week=crontab.day_of_week,
            day_of_month=crontab.day_of_month,
            month_of_year=crontab.month_of_year,
        )
        if parsed.day_of_week and set(parsed.day_of_week) == set(range(7)):
            day_of_week = "*"
        else:
            day_of_week = cronexp(",".join(map(str, sorted(parsed.day_of_week))))
    except ValueError:
        day_of_week = cronexp(crontab.day_of_week)
    return " ".join(
        (
            cronexp(crontab.minute),
            cronexp(crontab.hour),
            cronexp(crontab.day_of_month),
            cronexp(crontab.month_of_year),
            day_of_week,
        )
    )


def _names_in_active_language(text: str) -> str:
    """Day and month names that cron_descriptor wrote in the process's locale, translated."""
    names: dict[str, str] = {}
    for index, weekday in WEEKDAYS.items():  # 0 is Monday in both
        names[calendar.day_name[index]] = str(weekday)
    for number, month in MONTHS.items():
        names[calendar.month_name[number]] = str(month)
    pattern = re.compile(r"\b(" + "|".join(re.escape(name) for name in names if name) + r")\b")
    return pattern.sub(lambda match: names[match.group(1)], text)


def cron_expression_in_words(expression: str) -> str:
    """A five-field cron expression in words, in the active language; the expression if invalid."""
    options = Options()
    options.locale_code = _cron_locale()
    # The site writes times on the 24-hour clock, in both languages.
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (MissingFieldException, FormatException, WrongArgumentException):
        return expression
    return _names_in_active_language(words)


def crontab_in_words(crontab: CrontabSchedule) -> str:
    """What ``CrontabSchedule.human_readable`` says, in the active language."""
    return f"{cron_expression_in_words(_crontab_expression(crontab))} ({crontab.timezone})"


def crontab_choice_label(crontab: CrontabSchedule) -> str:
    """A crontab in a select: in words first, then the expression an administrator types."""
    return f"{crontab_in_words(crontab)} · {_crontab_expression(crontab)}"


class CrontabInWordsAdmin(CrontabScheduleAdmin):
    """The crontab list and form say each schedule in the user's language."""

    list_display = ("__str__", "in_words")
    fields = (
        "in_words",
        "minute",
        "hour",
        "day_of_month",
        "month_of_year",
        "day_of_week",
        "timezone",
    )
    readonly_fields = ("in_words",)

    @admin.display(description=IN_WORDS)
    def in_words(self, obj: CrontabSchedule) -> str:
        return crontab_in_words(obj) if obj.pk else ""


class PeriodicTaskCrontabInWordsAdmin(PeriodicTaskAdmin):
    """The periodic-task form names its crontabs, and says the chosen one, in words."""

    @admin.display(description=IN_WORDS)
    def crontab_translation(self, obj: PeriodicTask) -> str:
        return crontab_in_words(obj.crontab) if obj.crontab is not None else ""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "crontab" and field is not None:
            field.label_from_instance = crontab_choice_label
        return field

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        # django-celery-beat's changeform_view fills this from human_readable, in English;
        # the page's script shows it under the crontab field when the choice changes.
        context["readable_crontabs"] = {
            crontab.pk: crontab_in_words(crontab) for crontab in CrontabSchedule.objects.all()
        }
        return super().render_change_form(request, context, add, change, form_url, obj)


SCHEDULE_ADMINS: dict[type[Any], type[admin.ModelAdmin[Any]]] = {
    CrontabSchedule: CrontabInWordsAdmin,
    PeriodicTask: PeriodicTaskCrontabInWordsAdmin,
}
