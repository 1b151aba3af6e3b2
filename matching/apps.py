from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Prioritization and referrals")

    def ready(self) -> None:
        # Registers the tasks that services start by name (PRIORITY_RECOMPUTE_ALL_TASK).
        import matching.tasks  # noqa: F401
        from audit.hooks import audit_case_resolver_register, resolver_from_queryset
        from audit.models import AuditRecordType
        from matching.models import Referral
        from matching.receivers import receivers_connect

        receivers_connect()
        from directory.confidential import EXACT_LOCATION_GRANTS
        from matching.confidential import referral_grants_exact_location

        if referral_grants_exact_location not in EXACT_LOCATION_GRANTS:
            EXACT_LOCATION_GRANTS.append(referral_grants_exact_location)
        audit_case_resolver_register(
            record_type=AuditRecordType.REFERRAL,
            resolver=resolver_from_queryset(
                queryset=Referral.objects.all(),
                case_id_field="case_id",
                case_code_field="case__code",
            ),
        )
