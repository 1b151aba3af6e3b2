from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistsConfig(AppConfig):
    name = "waitlists"
    verbose_name = _("Waitlists and slots")

    def ready(self) -> None:
        from waitlists.receivers import receivers_connect

        receivers_connect()
