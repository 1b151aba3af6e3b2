"""A stamp of when the service map last changed, kept by PostgreSQL itself.

Statement triggers catch every write, including bulk loads, imports and raw SQL that
bypass Django's signals; a rolled-back write rolls its stamp back too. The map's
in-memory index (maps.selectors.service_map_index) is rebuilt when the stamp moves.
clock_timestamp() rather than a counter: a stamp never repeats, so an index built for
one state of the map (or one test database) is never taken for another.
"""

from django.db import migrations

# The tables whose rows the public map reads (directory/tiles.py); constants, not input.
TABLES = [
    "directory_service",
    "directory_serviceatsite",
    "directory_site",
    "directory_eligibility",
]

FUNCTION = """
CREATE TABLE maps_map_version (id smallint PRIMARY KEY, changed timestamptz NOT NULL);
INSERT INTO maps_map_version VALUES (1, clock_timestamp());
CREATE FUNCTION maps_map_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO maps_map_version (id, changed) VALUES (1, clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET changed = EXCLUDED.changed;
    RETURN NULL;
END
$$;
"""
TRIGGER = (
    "CREATE TRIGGER maps_map_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    "ON {table} FOR EACH STATEMENT EXECUTE FUNCTION maps_map_version_bump();"
)
CREATE = [FUNCTION, *(TRIGGER.format(table=table) for table in TABLES)]
DROP = [
    *(f"DROP TRIGGER IF EXISTS maps_map_version_bump ON {table};" for table in TABLES),
    "DROP FUNCTION IF EXISTS maps_map_version_bump();",
    "DROP TABLE IF EXISTS maps_map_version;",
]


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_category_codes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
