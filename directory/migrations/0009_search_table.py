"""The per-category table becomes the search table: it also holds a row per active
service at a site under ``*`` (any category) and copies of the columns a search filters
on, so a search near a point walks one index and reads no other table per row.

The triggers of migration 0008 now also follow the service's text, modality and access
routes, and its eligibility (ages and sexes). ``ages`` lists the ages admitted up to 25
(MAX_AGE_YEARS when this was written), so the GIN index answers "admits this age"
together with the code and the text."""

import importlib

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

# Going back restores 0008's functions, which do not know the new columns.
PREVIOUS = importlib.import_module("directory.migrations.0008_service_at_site_category")

REBUILD_FUNCTION = """
CREATE OR REPLACE FUNCTION directory_sas_category_rebuild(sas_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM directory_serviceatsitecategory WHERE service_at_site_id = ANY(sas_ids);
    INSERT INTO directory_serviceatsitecategory (
        service_at_site_id, service_id, code, point_mercator, search_vector, modality,
        access_routes, min_age, max_age, ages, sexes)
    SELECT sas.id, sv.id, code, s.point_mercator, sv.search_vector, sv.modality,
        sv.access_routes, e.min_age, e.max_age,
        ARRAY(SELECT generate_series(COALESCE(e.min_age, 0), LEAST(COALESCE(e.max_age, 25), 25))),
        COALESCE(e.sexes, '{}')
    FROM directory_serviceatsite sas
    JOIN directory_service sv ON sv.id = sas.service_id
    JOIN directory_site s ON s.id = sas.site_id
    LEFT JOIN directory_eligibility e ON e.service_id = sv.id
    CROSS JOIN LATERAL unnest(array_append(sv.category_codes, '*')) AS code
    WHERE sas.id = ANY(sas_ids) AND sv.status = 'active';
$$;
"""

# As in 0008, plus the copied columns of the service and the eligibility branch.
SYNC_FUNCTION = """
CREATE OR REPLACE FUNCTION directory_sas_category_sync() RETURNS trigger
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
            WHERE (n.status, n.category_codes, n.search_vector, n.modality, n.access_routes)
                IS DISTINCT FROM
                (o.status, o.category_codes, o.search_vector, o.modality, o.access_routes)));
    ELSIF TG_TABLE_NAME = 'directory_eligibility' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM directory_sas_category_rebuild(ARRAY(
                SELECT sas.id FROM new_rows n
                JOIN directory_serviceatsite sas ON sas.service_id = n.service_id));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM directory_sas_category_rebuild(ARRAY(
                SELECT sas.id FROM old_rows o
                JOIN directory_serviceatsite sas ON sas.service_id = o.service_id));
        ELSE
            PERFORM directory_sas_category_rebuild(ARRAY(
                SELECT sas.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                JOIN directory_serviceatsite sas
                    ON sas.service_id = n.service_id OR sas.service_id = o.service_id
                WHERE (n.service_id, n.min_age, n.max_age, n.sexes)
                    IS DISTINCT FROM (o.service_id, o.min_age, o.max_age, o.sexes)));
        END IF;
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
CREATE TRIGGER sas_category_on_eligibility_insert AFTER INSERT ON directory_eligibility
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_eligibility_update AFTER UPDATE ON directory_eligibility
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
CREATE TRIGGER sas_category_on_eligibility_delete AFTER DELETE ON directory_eligibility
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS sas_category_on_eligibility_insert ON directory_eligibility;
DROP TRIGGER IF EXISTS sas_category_on_eligibility_update ON directory_eligibility;
DROP TRIGGER IF EXISTS sas_category_on_eligibility_delete ON directory_eligibility;
"""

# Foreign keys checked at once: pending (deferred) checks would make PostgreSQL refuse
# the index Django creates at the end of the migration.
REFILL = """
SET CONSTRAINTS ALL IMMEDIATE;
SELECT directory_sas_category_rebuild(ARRAY(SELECT id FROM directory_serviceatsite));
SET CONSTRAINTS ALL DEFERRED;
ANALYZE directory_serviceatsitecategory;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_service_at_site_category"),
    ]

    operations = [
        # Emptied first so the new NOT NULL columns need no default; refilled at the end.
        # TRUNCATE, not DELETE: deleted rows leave deferred foreign-key checks pending,
        # and PostgreSQL then refuses to alter the table in the same transaction.
        migrations.RunSQL(
            "TRUNCATE directory_serviceatsitecategory;",
            "TRUNCATE directory_serviceatsitecategory;" + PREVIOUS.FILL,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="service",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="directory.service",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="modality",
            field=models.CharField(editable=False, max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="access_routes",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=20), editable=False, size=None
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="min_age",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="max_age",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="ages",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.SmallIntegerField(), editable=False, size=None
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceatsitecategory",
            name="sexes",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=10), editable=False, size=None
            ),
            preserve_default=False,
        ),
        BtreeGinExtension(),
        migrations.AddIndex(
            model_name="serviceatsitecategory",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["code", "search_vector", "ages"], name="sas_category_code_text_gin"
            ),
        ),
        # A search reads a few thousand rows at most: starting parallel workers for it
        # costs more (about 30 ms) than they save.
        migrations.RunSQL(
            "ALTER TABLE directory_serviceatsitecategory SET (parallel_workers = 0);",
            "ALTER TABLE directory_serviceatsitecategory RESET (parallel_workers);",
        ),
        migrations.RunSQL(
            REBUILD_FUNCTION,
            PREVIOUS.REBUILD_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        ),
        migrations.RunSQL(
            SYNC_FUNCTION,
            PREVIOUS.SYNC_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RunSQL(REFILL, migrations.RunSQL.noop),
    ]
