from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network"
    verbose_name = _("Network meetings")

    def ready(self) -> None:
        from matching.hooks import task_section_register
        from network import receivers  # noqa: F401  (connects the retention receiver)
        from network.selectors import agreement_task_section

        task_section_register(provider=agreement_task_section)
