from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Service map")

    def ready(self) -> None:
        from directory import signals  # noqa: F401  (connects the receivers)
