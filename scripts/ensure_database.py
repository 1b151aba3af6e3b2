"""Create the database named by DATABASE_URL and its PostGIS extensions, if missing."""

from __future__ import annotations

import os
import sys
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql

EXTENSIONS = ("postgis", "pg_trgm", "unaccent")


def main() -> int:
    url = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/puente")
    cfg = dj_database_url.parse(url)
    params: dict[str, Any] = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "password": cfg.get("PASSWORD") or None,
    }
    name = cfg["NAME"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"==> Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        for ext in EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
    print(f"==> Database {name} ready with {', '.join(EXTENSIONS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
