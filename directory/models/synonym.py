"""Search synonyms: words a search treats as the same, kept by the coordinator.

A search reads them on every query (through the cache), so a change applies to the
next search without a restart and without rebuilding any index: the words are added
to the query, not to the services' text.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from directory.models.organization import TaxonomyTerm

# The compiled synonym table the search reads (directory.selectors.search_text).
SEARCH_SYNONYMS_CACHE_KEY = "directory:search-synonyms:v1"


class SearchSynonym(models.Model):
    """A term or phrase and the words that mean the same, optionally a category.

    Equivalent both ways: a search for any of them finds what any of them finds; with
    a category, it also finds every service of that category and the ones below it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phrase = models.CharField(_("term or phrase"), max_length=100, unique=True)
    synonyms = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("synonyms"),
        default=list,
        blank=True,
        help_text=_(
            "Words or phrases a search treats as the same, separated by commas. "
            "Gender and number need no entry: “psicóloga” and “psicólogos” already "
            "find “psicólogo”."
        ),
    )
    term = models.ForeignKey(
        TaxonomyTerm,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="search_synonyms",
        verbose_name=_("category"),
        help_text=_(
            "Optional: a search for any of these words also finds every service of "
            "this category and of the categories below it."
        ),
    )
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase

    def clean(self) -> None:
        self.phrase = " ".join(self.phrase.split())
        self.synonyms = list(
            dict.fromkeys(" ".join(s.split()) for s in self.synonyms if s and s.strip())
        )
        if not self.synonyms and self.term_id is None:
            raise ValidationError(
                _("Give at least one synonym, or a category the words should find.")
            )


def search_synonyms_invalidate() -> None:
    """Forget the compiled table now, and again once the change is committed: a
    search in another transaction may have cached the old rows in between."""
    cache.delete(SEARCH_SYNONYMS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SEARCH_SYNONYMS_CACHE_KEY))


@receiver(post_save, sender=SearchSynonym)
@receiver(post_delete, sender=SearchSynonym)
@receiver(post_save, sender=TaxonomyTerm)  # the table holds the categories' codes
@receiver(post_delete, sender=TaxonomyTerm)
def search_synonyms_changed(sender: Any, **kwargs: Any) -> None:
    search_synonyms_invalidate()
