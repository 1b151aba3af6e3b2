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


def _catalog() -> dict[str, str]:
    """msgid → msgstr of the compiled Spanish catalog, singular entries only."""
    from django.utils.translation import trans_real

    translation = trans_real.translation("es")
    return {key: value for key, value in translation._catalog.items() if isinstance(key, str)}


def test_overdue_and_expired_are_two_different_words_in_spanish():
    """An overdue referral can still be answered; an expired one is closed. Seen in the
    field: both read "Vencida", so a caseworker could not tell a late answer from a dead
    one in the lists, filters and exports."""
    catalog = _catalog()
    assert catalog["Overdue"] != catalog["Expired"]
    overdue = {key: value for key, value in catalog.items() if "overdue" in key.lower()}
    expired = {key: value for key, value in catalog.items() if "expire" in key.lower()}
    assert overdue and expired
    for key, value in overdue.items():
        assert "caduc" not in value.lower() and "venci" not in value.lower(), key
    # Sessions and sign-in codes "expiran" (not case data); offers and referrals "caducan".
    for key, value in expired.items():
        if "session" in key.lower() or "code" in key.lower() or "preview" in key.lower():
            continue
        assert "atras" not in value.lower() and "venci" not in value.lower(), key


def test_the_start_page_is_inicio_not_hogar():
    assert _catalog()["Home"] == "Inicio"
