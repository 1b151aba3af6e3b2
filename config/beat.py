"""Celery beat's scheduler: schedules live in the database, editable in the admin."""

from __future__ import annotations

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class Scheduler(DatabaseScheduler):
    """Installs the schedules of ``CELERY_BEAT_SCHEDULE`` only where none is stored yet.

    django-celery-beat writes every entry of the settings over the database each time
    beat starts, so a coordinator's change in the admin would be undone by the next
    restart. The settings are defaults for a new installation; the admin wins after.
    """

    def setup_schedule(self) -> None:
        self.install_default_entries(self.schedule)
        defaults = self.app.conf.beat_schedule or {}
        stored = set(
            PeriodicTask.objects.filter(name__in=list(defaults)).values_list("name", flat=True)
        )
        self.update_from_dict({name: e for name, e in defaults.items() if name not in stored})
