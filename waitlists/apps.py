from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistsConfig(AppConfig):
    name = "waitlists"
    verbose_name = _("Waitlists and slots")

    def ready(self) -> None:
        from directory.capacity import capacity_facts_provider_register
        from matching.hooks import (
            free_slots_provider_register,
            referral_placer_register,
            referral_places_releaser_register,
        )
        from waitlists.receivers import receivers_connect
        from waitlists.releasing import referral_places_free
        from waitlists.selectors import (
            service_at_site_capacity_facts,
            service_at_site_free_slots,
        )
        from waitlists.services import referral_place

        receivers_connect()
        free_slots_provider_register(provider=service_at_site_free_slots)
        referral_placer_register(placer=referral_place)
        referral_places_releaser_register(releaser=referral_places_free)
        capacity_facts_provider_register(provider=service_at_site_capacity_facts)
