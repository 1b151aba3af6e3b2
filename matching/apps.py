from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Prioritization and referrals")

    def ready(self) -> None:
        from matching.receivers import receivers_connect

        receivers_connect()
