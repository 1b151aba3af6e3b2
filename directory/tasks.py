from __future__ import annotations

from celery import shared_task

from directory.services import services_flag_verification_due


@shared_task
def services_flag_verification_due_task() -> int:
    return services_flag_verification_due()
