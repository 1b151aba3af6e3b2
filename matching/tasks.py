from __future__ import annotations

from celery import shared_task

from matching.services import priority_recompute, referrals_expire, referrals_flag_overdue


@shared_task
def priority_recompute_all_task() -> int:
    """Nightly: waiting time grows, alerts age out of their window, policies change."""
    return priority_recompute()


@shared_task
def referrals_flag_overdue_task() -> int:
    return referrals_flag_overdue()


@shared_task
def referrals_expire_task() -> int:
    return referrals_expire()


@shared_task
def completion_model_train_task() -> str | None:
    from matching.completion import completion_model_train

    model = completion_model_train()
    return str(model.pk) if model else None
