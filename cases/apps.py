from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Case file")

    def ready(self) -> None:
        from audit.hooks import audit_case_resolver_register, resolver_from_queryset
        from audit.models import AuditRecordType
        from cases import territory_receivers  # noqa: F401  (connects the receiver)
        from cases.models import Alert, Case

        audit_case_resolver_register(
            record_type=AuditRecordType.CASE,
            resolver=resolver_from_queryset(
                queryset=Case.objects.all(), case_id_field="id", case_code_field="code"
            ),
        )
        # Refusals on the assessment pages name the case they asked for.
        audit_case_resolver_register(
            record_type=AuditRecordType.ASSESSMENT,
            resolver=resolver_from_queryset(
                queryset=Case.objects.all(), case_id_field="id", case_code_field="code"
            ),
        )
        # And those on the plan's pages (the record id is the case's).
        audit_case_resolver_register(
            record_type=AuditRecordType.CASE_PLAN,
            resolver=resolver_from_queryset(
                queryset=Case.objects.all(), case_id_field="id", case_code_field="code"
            ),
        )
        audit_case_resolver_register(
            record_type=AuditRecordType.ALERT,
            resolver=resolver_from_queryset(
                queryset=Alert.objects.all(), case_id_field="case_id", case_code_field="case__code"
            ),
        )
