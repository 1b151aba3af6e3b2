"""Production: HTTPS only, secure cookies, HSTS. Secrets must come from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool, env_list

# Never the development key, never a key short enough to guess (Django's own rule: 50+).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
_KNOWN_KEYS = {"", "dev-only-insecure-key-change-me", "change-me-in-production"}
if SECRET_KEY in _KNOWN_KEYS or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a random value of 50 or more characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

# The key of the duplicate check's hashes (cases.selectors_intake): its own secret, so
# rotating DJANGO_SECRET_KEY (sessions, tokens) never silently changes every case's key
# and hides the duplicates registered before.
DUPLICATE_KEY_SECRET = os.environ.get("DUPLICATE_KEY_SECRET", "")
if len(DUPLICATE_KEY_SECRET) < 32:
    raise ImproperlyConfigured(
        "Set DUPLICATE_KEY_SECRET to a random value of 32 or more characters, kept for "
        "good: changing it hides earlier duplicates."
    )

DEBUG = env_bool("DJANGO_DEBUG", default=False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
# The TLS-terminating proxy in front of Django says the request came over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"

# drf-spectacular adds its schema-generation warnings (operation ids, serializer
# guesses) to ``check --deploy``; they are about the API's documentation, not the
# deployment, and the test suite checks the schema itself (the schemathesis run).
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "ENABLE_DJANGO_DEPLOY_CHECK": False}  # noqa: F405

# A webhook never calls into the server's own network (addresses.py).
WEBHOOK_ALLOW_PRIVATE = False
