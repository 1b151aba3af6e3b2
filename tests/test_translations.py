"""Spanish is the default language: every user-facing string must have its translation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

CATALOG = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_every_string_in_the_code_has_a_spanish_translation(tmp_path, monkeypatch):
    """Re-extract the strings and check none is new, untranslated or fuzzy."""
    backup = tmp_path / "django.po"
    shutil.copy(CATALOG, backup)
    monkeypatch.chdir(settings.BASE_DIR)
    try:
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=[".venv/*", "staticfiles/*", "node_modules/*"],
            no_location=True,
            verbosity=0,
        )
        stats = statistics(CATALOG)
    finally:
        shutil.copy(backup, CATALOG)
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"{stats}: run `manage.py makemessages -l es --no-location` and translate "
        "the new strings in locale/es/LC_MESSAGES/django.po"
    )
