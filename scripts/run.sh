#!/usr/bin/env bash
# Starts Puente: migrates, loads the demo municipality into an empty database,
# then runs web, Celery worker and Celery beat under one process manager (Ctrl-C stops all).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/puente}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.base}"
PY=.venv/bin/python

$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
[ "${PUENTE_DEMO:-1}" = 0 ] || $PY manage.py demo_municipality --if-empty --seed 2026
mkdir -p var

cat <<MSG

  Puente is starting at http://127.0.0.1:8000
  Demo logins (password: puente-demo)
    coordinador    local coordinator (edits the whole map, admin at /admin/)
    gestora        caseworker (first team)
    gestor         caseworker (second team)
    prestador      provider staff (edits own organization's services)
    planificador   planner
    administrador  administrator (users and roles)

MSG
exec .venv/bin/honcho start -f Procfile
