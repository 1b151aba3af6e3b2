"""Test settings: real PostGIS and Redis, no tiles, fast hashing, eager Celery by default."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, LEAFLET_CONFIG, MIDDLEWARE

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAP_TILES_URL = ""
LEAFLET_CONFIG = {**LEAFLET_CONFIG, "TILES": []}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; the worker test overrides this and uses a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Static files come from the finders in tests; no collected STATIC_ROOT is needed.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]
# Persistent connections from the live server's threads would outlive the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0
