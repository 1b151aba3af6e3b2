"""The route decision (seeds/003, step 1): administrative route or special protection.

Taken with the child's best interest written down and the child's own views recorded
(age-appropriate participation: their words, who heard them, when). Each decision is a
row of its own; a later one never overwrites an earlier one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case


class CaseRoute(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative route: social and specialized services")
    SPECIAL_PROTECTION = "special_protection", _("Special protection or judicial measures")


class RouteDecision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="route_decisions", verbose_name=_("case")
    )
    route = models.CharField(_("route"), max_length=20, choices=CaseRoute.choices)
    best_interest = models.TextField(_("best-interest considerations"))
    child_views = models.TextField(_("the child's views, in their words"), blank=True)
    child_heard_by = models.CharField(_("heard by (role)"), max_length=200, blank=True)
    child_heard_on = models.DateField(_("heard on"), null=True, blank=True)
    child_not_heard_reason = models.TextField(_("why the child was not heard"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("route decision")
        verbose_name_plural = _("route decisions")
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["case", "-decided_at"], name="route_case_when")]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_route_display()}"
