"""The map tiles' default attribution is said in the page's language, not fixed in English."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


def test_the_default_attribution_is_translated_when_a_page_reads_it():
    attribution = settings.MAP_TILES_ATTRIBUTION
    # Lazy: the settings are read once, the words on each page in its language.
    assert isinstance(attribution, Promise)
    with translation.override("en"):
        assert json.dumps(attribution, cls=DjangoJSONEncoder) == (
            '"&copy; OpenStreetMap contributors"'
        )
    with translation.override("es"):
        assert str(attribution) == f"&copy; {gettext('OpenStreetMap contributors')}"
