#!/usr/bin/env bash
# The whole suite: lint, format, types, migrations, then pytest on real PostGIS and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/puente}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DJANGO_SETTINGS_MODULE=config.settings.test
V=.venv/bin

echo "==> ruff check";  $V/ruff check .
echo "==> ruff format"; $V/ruff format --check .
echo "==> mypy";        $V/mypy .
echo "==> import-linter (apps are layers)"; $V/lint-imports
echo "==> makemigrations --check"; $V/python manage.py makemigrations --check --dry-run
echo "==> pytest";      $V/pytest "$@"
