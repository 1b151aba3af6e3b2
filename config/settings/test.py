"""Test settings: real PostGIS and Redis, no tiles, fast hashing, eager Celery by default."""

import os
import uuid

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    CACHES,
    DATABASES,
    LEAFLET_CONFIG,
    MIDDLEWARE,
    REST_FRAMEWORK,
    content_security_policy,
)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAP_TILES_URL = ""
LEAFLET_CONFIG = {**LEAFLET_CONFIG, "TILES": []}
CONTENT_SECURITY_POLICY = content_security_policy(tiles_url=MAP_TILES_URL)
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
# Runs side by side (a developer's and an editor's, two checkouts) each get a test
# database of their own instead of dropping each other's.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
# Real Redis, but each run counts its rate limits under keys of its own: runs side by
# side (and leftovers of earlier ones) never share a counter.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"puente-test-{uuid.uuid4().hex}"}}
# Rate limits out of the way; the rate-limit tests set low ones.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
LOGIN_RATE_LIMIT = "100000/minute"
REFERRAL_LINK_RATE_LIMIT = REFERRAL_LINK_IP_RATE_LIMIT = "100000/minute"
# The tests' webhook receivers listen on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE = True
