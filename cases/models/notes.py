"""Case notes: dated, authored, with who may read them. Never in logs or URLs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case


class NoteVisibility(models.TextChoices):
    TEAM = "team", _("My team only")
    # Read by the partner organizations on the case once cases have a case team; until
    # then, by the owning team as well.
    CASE_TEAM = "case_team", _("The whole case team")


class CaseNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    text = models.TextField(_("note"))
    visibility = models.CharField(
        _("who may read it"), max_length=12, choices=NoteVisibility.choices
    )

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-written_at"]
        indexes = [models.Index(fields=["case", "-written_at"], name="case_note_case_when")]

    def __str__(self) -> str:
        return f"{self.case} · {self.written_at:%Y-%m-%d}"
