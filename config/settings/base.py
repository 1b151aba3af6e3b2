"""Settings read from the environment, with local defaults (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
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
DEBUG = env_bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

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
    "django.contrib.gis",
    "django.contrib.postgres",
    "leaflet",
    "simple_history",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "directory",
    "matching",
    "waitlists",
    "gaps",
    "maps",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Schedules live in the database (django-celery-beat) so coordinators can change them
# in the admin; the entries below are installed there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "directory-flag-verification-due": {
        "task": "directory.tasks.services_flag_verification_due_task",
        "schedule": crontab(hour=2, minute=15),
    },
    "directory-refresh-search-words": {
        "task": "directory.tasks.search_words_refresh_task",
        "schedule": crontab(minute=40),  # hourly: new services' words become correctable
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
    "matching-anonymise-closed-cases": {
        "task": "matching.tasks.cases_anonymise_expired_task",
        "schedule": crontab(hour=4, minute=30),
    },
    "matching-train-completion-model": {
        "task": "matching.tasks.completion_model_train_task",
        "schedule": crontab(hour=4, minute=0, day_of_week=1),  # weekly
    },
}

# Closed referrals needed before the completion model becomes a ranking component.
MATCHING_COMPLETION_MIN_REFERRALS = int(os.environ.get("MATCHING_COMPLETION_MIN_REFERRALS", "200"))
# Closed cases are anonymised this many days after closing (identity removed, aggregates kept).
CASE_RETENTION_DAYS = int(os.environ.get("CASE_RETENTION_DAYS", str(5 * 365)))
# How long a family has to answer the offer of a freed slot before it goes to the next.
WAITLIST_OFFER_HOURS = int(os.environ.get("WAITLIST_OFFER_HOURS", "72"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading the public map needs no login; writing always does.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
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
}

# The official Open Referral schemas the importer validates against (CC BY-SA 4.0).
HSDS_SCHEMA_DIR = os.environ.get("HSDS_SCHEMA_DIR", str(BASE_DIR.parent / "shared" / "hsds"))

DIRECTORY_VERIFICATION_MAX_AGE_DAYS = int(
    os.environ.get("DIRECTORY_VERIFICATION_MAX_AGE_DAYS", "365")
)

# Map: the tile URL is a setting so offline installs and tests fetch nothing.
MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = os.environ.get("MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors")
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
