"""Keep ``Service.category_codes`` in step with ``Service.categories``, whoever writes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from directory.category_codes import service_category_codes_refresh
from directory.models import Service


@receiver(m2m_changed, sender=Service.categories.through)
def service_categories_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if not reverse:
        service_category_codes_refresh(service_ids=[instance.pk])
    elif action != "pre_clear" and pk_set:
        service_category_codes_refresh(service_ids=pk_set)
    elif action == "pre_clear":  # a term losing all its services: remember which first
        instance._cleared_service_ids = list(instance.services.values_list("pk", flat=True))
    if reverse and action == "post_clear":
        service_category_codes_refresh(service_ids=getattr(instance, "_cleared_service_ids", []))
