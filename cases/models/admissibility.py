"""Admissibility (seeds/004, process base #2): is this request one for the network?

The coordinator keeps the checklist (``AdmissibilityCriterion``); a named person of the
owning team decides against it. Each decision is a row of its own holding the words of
the criteria as they read when it was taken, so editing the checklist, or deciding
again later, never rewrites an earlier decision.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Admissibility, Case


class AdmissibilityCriterion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    text = models.CharField(_("criterion"), max_length=300)
    help_text = models.TextField(_("how to judge it"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("admissibility criterion")
        verbose_name_plural = _("admissibility criteria")
        ordering = ["position", "text"]

    def __str__(self) -> str:
        return self.text


class AdmissibilityDecision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="admissibility_decisions",
        verbose_name=_("case"),
    )
    outcome = models.CharField(
        _("decision"),
        max_length=20,
        choices=[(v, label) for v, label in Admissibility.choices if v != Admissibility.PENDING],
    )
    reason = models.TextField(_("reason"), blank=True)
    # [{"criterion": id, "text": words as shown, "met": bool}], in the checklist's order.
    answers = models.JSONField(_("checklist"), default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("admissibility decision")
        verbose_name_plural = _("admissibility decisions")
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["case", "-decided_at"], name="admissibility_case_when")]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_outcome_display()}"
