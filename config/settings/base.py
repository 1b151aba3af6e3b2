"""Settings read from the environment, with local defaults (see .env.example)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONCE
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
# Off unless DJANGO_DEBUG is set (.env.example sets it for development).
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# The key of the duplicate check's hashes (cases.selectors_intake). Derived from
# SECRET_KEY for development; set it apart in production, and never change it after
# cases are registered (their stored keys would stop matching new ones).
DUPLICATE_KEY_SECRET = os.environ.get("DUPLICATE_KEY_SECRET") or "duplicate-key:" + SECRET_KEY

if os.environ.get("GDAL_LIBRARY_PATH"):
    GDAL_LIBRARY_PATH = os.environ["GDAL_LIBRARY_PATH"]
if os.environ.get("GEOS_LIBRARY_PATH"):
    GEOS_LIBRARY_PATH = os.environ["GEOS_LIBRARY_PATH"]

# Debian 12 ships GDAL 3.6, which cannot block file/network access from spatial
# references; Puente never passes user-supplied SRS strings to GDAL (geometries
# arrive as GeoJSON/WKT in SRID 4326), so the warning is acknowledged here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django.contrib.gis",
    "django.contrib.postgres",
    "leaflet",
    "simple_history",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "accounts",
    "notifications",
    "directory",
    "webhooks",
    "people",
    "cases",
    "matching",
    "waitlists",
    "network",
    "gaps",
    "maps",
    "audit",
    "demo",
]

MIDDLEWARE = [
    # First: an oversized body is refused before anything (CSRF included) parses it.
    "accounts.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks, so redirects carry it too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.MembershipCacheMiddleware",
    "accounts.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A write that lost a race answers 409, not 500 (web/conflicts.py).
    "web.conflicts.ConflictMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/puente"),
        # 0 by default: runserver starts a thread per request and never reuses their
        # connections, so persistent ones pile up until PostgreSQL refuses clients (a
        # burst of 200 enrolments reached its 100-connection limit). Raise it behind a
        # server with a fixed pool of workers.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# No JIT: its compilation (10-200 ms) lands on queries the planner costs high but that
# stop early (a nearest-first walk with LIMIT), and the app runs no long analytic SQL.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "maps:home"  # each role lands on its work
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id for new and changed passwords; the others stay so older hashes still verify
# (and are upgraded to Argon2 at the user's next sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# HSDS's compliance rules: public directory endpoints readable by browser clients on
# any site. Only the anonymous, read-only directory APIs; never case APIs or pages,
# and never with credentials.
CORS_URLS_REGEX = r"^/api/(hsds|geo)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# Reverse proxies in front of Django (0: clients connect directly). Only then are
# X-Forwarded-For addresses believed, by the lockout, the API throttles and the audit log.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Lockout after repeated sign-in failures (django-axes), per user name and address, so
# one person mistyping does not lock a colleague out, nor a shared office address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
# One answer to "which address is this client" for the lockout, the throttles and the
# audit log (web/client.py).
AXES_CLIENT_IP_CALLABLE = "web.client.client_address"
# Sign-in attempts per client address and minute, failed or not (a throttle in front of
# the lockout: it slows guessing across many user names from one address).
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30/minute")

# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and in any case
# SESSION_MAX_AGE_HOURS after signing in (accounts.middleware.SessionExpiryMiddleware).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MAX_AGE_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # field teams share devices
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
CSRF_COOKIE_SAMESITE = "Lax"

# Two-factor authentication (django-otp, TOTP). Roles listed here must enrol a device
# before reaching any page; administrators can add more roles in the admin.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Puente")

# Security headers. HSTS and secure cookies are in production.py (they need HTTPS).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Spanish is the interface default whatever the browser asks for; English is a switch away.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/Santiago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents (reports' written reports). No MEDIA_URL is routed: a document is
# served only by the view that checks who may see its report.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Mail: EMAIL_URL (smtp://user:password@host:587/?tls=True, or smtp+ssl://…) read by
# dj-email-url, or the usual EMAIL_* variables one by one. Without either, mail is
# written as files under EMAIL_FILE_PATH, where a newcomer reads every message.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
if os.environ.get("EMAIL_URL"):
    globals().update(dj_email_url.parse(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Puente <puente@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in mail point (mail has no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Attempts of one message before it is given up (logged, never retried by hand).
EMAIL_MAX_RETRIES = int(os.environ.get("EMAIL_MAX_RETRIES", "5"))
# Referral links for services with no one on Puente (matching.services.links): days a
# link works, and uses per minute of one link and of one client address.
REFERRAL_LINK_DAYS = int(os.environ.get("REFERRAL_LINK_DAYS", "14"))
# Invitations (people/): days an invitation link works, and uses per minute of the link
# page from one client address.
INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "7"))
INVITATION_LINK_RATE_LIMIT = os.environ.get("INVITATION_LINK_RATE_LIMIT", "30/minute")
# Password reset by email: requests per address and per client address; the link
# works for PASSWORD_RESET_TIMEOUT seconds (Django's setting) and once.
PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5/hour")
PASSWORD_RESET_IP_RATE_LIMIT = os.environ.get("PASSWORD_RESET_IP_RATE_LIMIT", "20/hour")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(2 * 3600)))
REFERRAL_LINK_RATE_LIMIT = os.environ.get("REFERRAL_LINK_RATE_LIMIT", "20/minute")
REFERRAL_LINK_IP_RATE_LIMIT = os.environ.get("REFERRAL_LINK_IP_RATE_LIMIT", "60/minute")

# Webhooks (docs/webhooks.md). Private and loopback receivers are refused unless this is
# set: the tests' receiver listens on 127.0.0.1; production never allows it.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Attempts after the first, each after twice the wait of the one before (with jitter).
WEBHOOK_MAX_RETRIES = int(os.environ.get("WEBHOOK_MAX_RETRIES", "8"))
WEBHOOK_RETRY_BACKOFF_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BACKOFF_SECONDS", "30"))
# Failed attempts in a row before a subscription is paused and its owner told.
WEBHOOK_FAILURES_TO_PAUSE = int(os.environ.get("WEBHOOK_FAILURES_TO_PAUSE", "10"))

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# The cache holds the rate-limit counters, so it must be shared by every worker process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "puente"),
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING above (UTC, the same format as the web) instead of
# Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Schedules live in the database (django-celery-beat) so administrators can change them
# in the admin; the entries below are installed there when beat first starts and never
# overwritten after (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:Scheduler"
CELERY_BEAT_SCHEDULE = {
    "directory-flag-verification-due": {
        "task": "directory.tasks.services_flag_verification_due_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # Providers verify their own listings: ask who is due (the coordinator's schedule,
    # VerificationSchedule), then remind and escalate who has not answered.
    "directory-send-verification-requests": {
        "task": "directory.tasks.verification_requests_send_task",
        "schedule": crontab(hour=8, minute=30),
    },
    "directory-follow-up-verification-requests": {
        "task": "directory.tasks.verification_requests_follow_up_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "directory-refresh-search-words": {
        "task": "directory.tasks.search_words_refresh_task",
        "schedule": crontab(minute=40),  # hourly: new services' words become correctable
    },
    "directory-cluster-search-table": {
        "task": "directory.tasks.search_table_cluster_task",
        # Nightly, when few search: the table is locked for the rewrite (seconds).
        "schedule": crontab(hour=3, minute=45),
    },
    "matching-recompute-priorities": {
        "task": "matching.tasks.priority_recompute_all_task",
        "schedule": crontab(hour=1, minute=30),  # nightly: aging and alert windows
    },
    "matching-flag-overdue-referrals": {
        "task": "matching.tasks.referrals_flag_overdue_task",
        "schedule": crontab(minute="*/15"),  # a 24-hour deadline must not wait a day
    },
    "matching-expire-referrals": {
        "task": "matching.tasks.referrals_expire_task",
        "schedule": crontab(hour=3, minute=0),
    },
    "waitlists-expire-offers": {
        "task": "waitlists.tasks.slot_offers_expire_task",
        "schedule": crontab(minute="*/30"),
    },
    "waitlists-daily-snapshot": {
        "task": "waitlists.tasks.waitlist_snapshot_task",
        "schedule": crontab(hour=23, minute=50),
    },
    "gaps-nightly-inventory": {
        "task": "gaps.tasks.gap_inventory_task",
        "schedule": crontab(hour=2, minute=45),
    },
    "gaps-nightly-network": {
        "task": "gaps.tasks.network_snapshot_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "gaps-quarterly-report": {
        "task": "gaps.tasks.quarterly_report_task",
        # The first day of each quarter reports on the quarter that just ended.
        "schedule": crontab(hour=5, minute=0, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "cases-anonymise-closed-cases": {
        "task": "cases.tasks.cases_anonymise_expired_task",
        "schedule": crontab(hour=4, minute=30),
    },
    "notifications-daily-digest": {
        "task": "notifications.tasks.notification_digest_task",
        # Early morning: the day's summary is waiting when people start work.
        "schedule": crontab(hour=7, minute=0),
    },
    "cases-notify-follow-ups-due": {
        "task": "cases.tasks.follow_ups_notify_due_task",
        "schedule": crontab(hour=6, minute=30),  # before the digest, which carries them
    },
    "matching-train-completion-model": {
        "task": "matching.tasks.completion_model_train_task",
        "schedule": crontab(hour=4, minute=0, day_of_week=1),  # weekly
    },
}

# Closed referrals needed before the completion model becomes a ranking component.
MATCHING_COMPLETION_MIN_REFERRALS = int(os.environ.get("MATCHING_COMPLETION_MIN_REFERRALS", "200"))
# From this many cases (an estimate: open or closed) the nightly gap job fans out as a
# Celery chord of this many territory slices, so more workers finish it sooner; below,
# one process is quicker than the messages.
GAPS_CHORD_MIN_CASES = int(os.environ.get("GAPS_CHORD_MIN_CASES", "200000"))
GAPS_CHORD_CHUNKS = int(os.environ.get("GAPS_CHORD_CHUNKS", "8"))
# Closed cases are anonymised this many days after closing (identity removed, aggregates kept).
CASE_RETENTION_DAYS = int(os.environ.get("CASE_RETENTION_DAYS", str(5 * 365)))
# Alerts on one case from two or more organizations within this many days are
# "simultaneous" (seeds/003).
ALERT_SIMULTANEOUS_DAYS = int(os.environ.get("ALERT_SIMULTANEOUS_DAYS", "30"))
# A domain assessed again for the same child within this many days needs a reason.
ASSESSMENT_REPEAT_WINDOW_DAYS = int(os.environ.get("ASSESSMENT_REPEAT_WINDOW_DAYS", "180"))
# Follow-up after a case's services end (seeds/003, step 5): months of watch by risk.
CASE_FOLLOW_UP_MONTHS_LOWER_RISK = int(os.environ.get("CASE_FOLLOW_UP_MONTHS_LOWER_RISK", "6"))
CASE_FOLLOW_UP_MONTHS_HIGHER_RISK = int(os.environ.get("CASE_FOLLOW_UP_MONTHS_HIGHER_RISK", "12"))
# Connections that write a nightly rescoring in parallel (each uses a core of PostgreSQL).
MATCHING_PRIORITY_WRITERS = int(os.environ.get("MATCHING_PRIORITY_WRITERS", "2"))
# How long a family has to answer the offer of a freed slot before it goes to the next.
WAITLIST_OFFER_HOURS = int(os.environ.get("WAITLIST_OFFER_HOURS", "72"))
# Case-review meetings propose the children waiting for a slot longer than this.
MEETING_WAIT_DAYS = int(os.environ.get("MEETING_WAIT_DAYS", "90"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Session first: a request without credentials is still refused with 403 (as the
    # pages' scripts expect); a bad or revoked token is refused with 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.AnonThrottle",
        "accounts.throttling.UserThrottle",
    ],
    # Per client address for anonymous readers of the public map, per user otherwise.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "300/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    },
    # Unused by the project's throttles (accounts/throttling.py reads web.client), kept
    # equal for any DRF throttle added without them.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Reading the public map needs no login; writing always does.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # Every list answers {count, next, previous, results}, ?page= and a bounded ?page_size=.
    "DEFAULT_PAGINATION_CLASS": "web.pagination.PagePagination",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Puente API",
    "DESCRIPTION": "Service map, search and HSDS 3.0 interchange of the local protection network.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Case risk and alert severity share one scale; one name for it in the schema.
    "ENUM_NAME_OVERRIDES": {"RiskLevelEnum": "directory.models.RiskLevel"},
}

# The official Open Referral schemas the importer validates against (CC BY-SA 4.0).
HSDS_SCHEMA_DIR = os.environ.get("HSDS_SCHEMA_DIR", str(BASE_DIR.parent / "shared" / "hsds"))

DIRECTORY_VERIFICATION_MAX_AGE_DAYS = int(
    os.environ.get("DIRECTORY_VERIFICATION_MAX_AGE_DAYS", "365")
)

# Map: the tile URL is a setting so offline installs and tests fetch nothing.
MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# The tiles' attribution (HTML); OpenStreetMap's by default, in the page's language.
MAP_TILES_ATTRIBUTION: Any = os.environ.get("MAP_TILES_ATTRIBUTION")
if MAP_TILES_ATTRIBUTION is None:
    MAP_TILES_ATTRIBUTION = format_lazy("&copy; {}", _("OpenStreetMap contributors"))
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (-33.45, -70.60),
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "TILES": [(_("Streets"), MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})]
    if MAP_TILES_URL
    else [],
    "RESET_VIEW": False,
}


# Content-Security-Policy (django-csp 4). Inline scripts run only with the request's
# nonce; map tiles are the one outside origin, and only when configured.
def _tiles_origin(url: str) -> str | None:
    parts = urlsplit(url.replace("{s}", "subdomain"))
    if not parts.scheme or not parts.hostname:
        return None
    host = parts.netloc.replace("subdomain.", "*.")
    return f"{parts.scheme}://{host}"


def content_security_policy(*, tiles_url: str) -> dict[str, Any]:
    tiles_origin = _tiles_origin(tiles_url)
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'", NONCE],
            # Leaflet, the Swagger UI and the history pages write style attributes;
            # styles cannot run code, so inline styles are allowed and scripts are not.
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:", *([tiles_origin] if tiles_origin else [])],
            "font-src": ["'self'"],
            "connect-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        },
    }


CONTENT_SECURITY_POLICY = content_security_policy(tiles_url=MAP_TILES_URL)

# Uploads: request bodies above this are refused before they are read (413); form data
# held in memory is capped by Django; larger files go to a temporary file on disk.
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The directory spreadsheet (CSV or XLSX) and the HSDS import (JSON, CSV or zip).
SPREADSHEET_MAX_MB = int(os.environ.get("SPREADSHEET_MAX_MB", "5"))
HSDS_IMPORT_MAX_MB = int(os.environ.get("HSDS_IMPORT_MAX_MB", "200"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "web.logging.UtcFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"refusal_without_traceback": {"()": "web.logging.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # On the logger, not a handler: it must run before Django's own handlers too.
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
