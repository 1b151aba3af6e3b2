"""Production settings pass Django's deployment check and refuse to run without a secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "DUPLICATE_KEY_SECRET"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_deployment_check_passes_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DUPLICATE_KEY_SECRET=secrets.token_urlsafe(32),
        DJANGO_ALLOWED_HOSTS="puente.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_the_development_key_and_a_missing_one():
    for key in ("dev-only-insecure-key-change-me", "change-me-in-production", "corta"):
        result = _manage(
            "check", DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=key
        )
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr
    missing = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert missing.returncode != 0 and "DJANGO_SECRET_KEY" in missing.stderr


def test_production_refuses_to_start_without_its_own_duplicate_key_secret():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode != 0 and "DUPLICATE_KEY_SECRET" in result.stderr


def _debug(settings_module: str, **env: str) -> str:
    code = "from django.conf import settings; print(settings.DEBUG)"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DUPLICATE_KEY_SECRET=secrets.token_urlsafe(32),
        **env,
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_debug_is_off_unless_set():
    assert _debug("config.settings.base") == "False"
    assert _debug("config.settings.production") == "False"
    assert _debug("config.settings.base", DJANGO_DEBUG="true") == "True"


def test_no_secret_key_is_written_in_the_repository():
    settings_dir = ROOT / "config" / "settings"
    for path in settings_dir.glob("*.py"):
        text = path.read_text()
        assert "django-insecure-" not in text, path
    example = (ROOT / ".env.example").read_text()
    assert "DJANGO_SECRET_KEY=change-me-in-production" in example  # a placeholder, refused
