"""The nearest sites of one category: a table of (code, point) per active service at a
site, kept by triggers, and its GiST index (btree_gist, for the code)."""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

# Rebuilds the rows of the given services at sites from the current state of their
# service (active? which codes?) and site (where?). Every trigger below calls it.
REBUILD_FUNCTION = """
CREATE FUNCTION directory_sas_category_rebuild(sas_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM directory_serviceatsitecategory WHERE service_at_site_id = ANY(sas_ids);
    INSERT INTO directory_serviceatsitecategory (service_at_site_id, code, point_mercator)
    SELECT sas.id, code, s.point_mercator
    FROM directory_serviceatsite sas
    JOIN directory_service sv ON sv.id = sas.service_id
    JOIN directory_site s ON s.id = sas.site_id
    CROSS JOIN LATERAL unnest(sv.category_codes) AS code
    WHERE sas.id = ANY(sas_ids) AND sv.status = 'active';
$$;
"""

# Statement-level triggers with transition tables: a bulk load or a nightly UPDATE of
# every service runs one set-based rebuild, not one per row; and only rows whose
# service, site, status, categories or point changed are rebuilt.
SYNC_FUNCTION = """
CREATE FUNCTION directory_sas_category_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'directory_serviceatsite' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM directory_sas_category_rebuild(ARRAY(SELECT id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM directory_sas_category_rebuild(ARRAY(SELECT id FROM old_rows));
        ELSE
            PERFORM directory_sas_category_rebuild(ARRAY(
                SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE (n.service_id, n.site_id) IS DISTINCT FROM (o.service_id, o.site_id)));
        END IF;
    ELSIF TG_TABLE_NAME = 'directory_service' THEN
        PERFORM directory_sas_category_rebuild(ARRAY(
            SELECT sas.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN directory_serviceatsite sas ON sas.service_id = n.id
            WHERE (n.status, n.category_codes) IS DISTINCT FROM (o.status, o.category_codes)));
    ELSE
        PERFORM directory_sas_category_rebuild(ARRAY(
            SELECT sas.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN directory_serviceatsite sas ON sas.site_id = n.id
            WHERE ST_AsEWKB(n.point_mercator) IS DISTINCT FROM ST_AsEWKB(o.point_mercator)));
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER sas_category_on_sas_insert AFTER INSERT ON directory_serviceatsite
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_sas_update AFTER UPDATE ON directory_serviceatsite
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_sas_delete AFTER DELETE ON directory_serviceatsite
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_service_update AFTER UPDATE ON directory_service
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_site_update AFTER UPDATE ON directory_site
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS sas_category_on_sas_insert ON directory_serviceatsite;
DROP TRIGGER IF EXISTS sas_category_on_sas_update ON directory_serviceatsite;
DROP TRIGGER IF EXISTS sas_category_on_sas_delete ON directory_serviceatsite;
DROP TRIGGER IF EXISTS sas_category_on_service_update ON directory_service;
DROP TRIGGER IF EXISTS sas_category_on_site_update ON directory_site;
"""

FILL = """
INSERT INTO directory_serviceatsitecategory (service_at_site_id, code, point_mercator)
SELECT sas.id, code, s.point_mercator
FROM directory_serviceatsite sas
JOIN directory_service sv ON sv.id = sas.service_id
JOIN directory_site s ON s.id = sas.site_id
CROSS JOIN LATERAL unnest(sv.category_codes) AS code
WHERE sv.status = 'active';
ANALYZE directory_serviceatsitecategory;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_category_codes"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.CreateModel(
            name="ServiceAtSiteCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(editable=False, max_length=50)),
                (
                    "point_mercator",
                    django.contrib.gis.db.models.fields.PointField(
                        editable=False, spatial_index=False, srid=3857
                    ),
                ),
                (
                    "service_at_site",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="directory.serviceatsite",
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GistIndex(
                        fields=["code", "point_mercator"], name="sas_category_code_point_gist"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            REBUILD_FUNCTION,
            "DROP FUNCTION IF EXISTS directory_sas_category_rebuild(uuid[]);",
        ),
        migrations.RunSQL(
            SYNC_FUNCTION,
            "DROP FUNCTION IF EXISTS directory_sas_category_sync();",
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
