#!/usr/bin/env bash
# Installs what Puente needs and skips what is already there:
# Debian packages, PostgreSQL/Redis running, the venv, pinned Python packages,
# the database with PostGIS, compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if [ -f .env ]; then
  set -a; . ./.env; set +a
fi
export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/puente}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# 1. Debian packages -------------------------------------------------------
PACKAGES=(
  postgresql-15 postgresql-15-postgis-3 postgresql-contrib
  gdal-bin libgdal32 libgeos-c1v5 libproj25 binutils
  redis-server python3-venv python3-dev gettext chromium
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  log "Debian packages already installed"
fi

# 2. Services (only the local ones: a remote DATABASE_URL/REDIS_URL is left alone)
db_host=$(/usr/bin/python3 -c "import os,urllib.parse as u;print(u.urlparse(os.environ['DATABASE_URL']).hostname or '127.0.0.1')")
db_port=$(/usr/bin/python3 -c "import os,urllib.parse as u;print(u.urlparse(os.environ['DATABASE_URL']).port or 5432)")
if [[ "$db_host" == "127.0.0.1" || "$db_host" == "localhost" ]]; then
  if ! pg_isready -q -h "$db_host" -p "$db_port"; then
    log "Starting PostgreSQL 15"
    if ! $SUDO pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
      $SUDO pg_createcluster 15 main
    fi
    $SUDO pg_ctlcluster --skip-systemctl-redirect 15 main start || $SUDO pg_ctlcluster 15 main start
    for _ in $(seq 1 30); do pg_isready -q -h "$db_host" -p "$db_port" && break; sleep 1; done
  fi
fi
redis_host=$(/usr/bin/python3 -c "import os,urllib.parse as u;print(u.urlparse(os.environ['REDIS_URL']).hostname or '127.0.0.1')")
redis_port=$(/usr/bin/python3 -c "import os,urllib.parse as u;print(u.urlparse(os.environ['REDIS_URL']).port or 6379)")
if [[ "$redis_host" == "127.0.0.1" || "$redis_host" == "localhost" ]]; then
  if ! redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; then
    log "Starting Redis"
    $SUDO mkdir -p /var/lib/redis /var/log/redis
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" \
      --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/puente.log
    for _ in $(seq 1 30); do redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 1; done
  fi
fi

# 3. Virtual environment from Debian's Python (not a pyenv build) ----------
if [ ! -x .venv/bin/python ]; then
  log "Creating .venv with /usr/bin/python3"
  /usr/bin/python3 -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  log "Installing pinned Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[dev]"
  touch "$stamp"
else
  log "Python packages up to date"
fi

# 4. Database and its extensions --------------------------------------------
.venv/bin/python scripts/ensure_database.py

# 5. Translations --------------------------------------------------------------
.venv/bin/python manage.py compilemessages --ignore .venv -v 0

# 6. Browser-side test tools (axe-core), pinned in package-lock.json -------------
if ! command -v npm >/dev/null 2>&1; then
  log "Installing Node.js and npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.puente-lock; then
  log "Installing axe-core from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.puente-lock
fi
log "Set-up done"
