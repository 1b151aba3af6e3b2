from __future__ import annotations

from celery import shared_task

from directory.services import (
    search_table_cluster,
    search_words_refresh,
    services_flag_verification_due,
)
from directory.verification import (
    verification_requests_follow_up,
    verification_requests_send,
)


@shared_task
def services_flag_verification_due_task() -> int:
    return services_flag_verification_due()


@shared_task
def search_words_refresh_task() -> None:
    search_words_refresh()


@shared_task
def search_table_cluster_task() -> None:
    search_table_cluster()


@shared_task
def verification_requests_send_task() -> int:
    return verification_requests_send()


@shared_task
def verification_requests_follow_up_task() -> list[int]:
    return list(verification_requests_follow_up())
