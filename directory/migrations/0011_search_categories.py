"""The search table's text also holds each service's categories: their Spanish names
(weight C, below the service's own name and description) and a lexeme ``@<code>`` per
category code, ancestors included. A search for "psicólogo" then finds every service
of "Atención psicológica", whatever its own name says, and a synonym tied to a
category finds exactly that category and the ones below it
(``directory.selectors.search_text``).

The GIN index on (code, text, ages) is unchanged: the column it reads is the same.
Renaming a category rebuilds the rows of its services (a trigger on the taxonomy)."""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("directory.migrations.0009_search_table")

REBUILD_FUNCTION = """
CREATE OR REPLACE FUNCTION directory_sas_category_rebuild(sas_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM directory_serviceatsitecategory WHERE service_at_site_id = ANY(sas_ids);
    INSERT INTO directory_serviceatsitecategory (
        service_at_site_id, service_id, code, point_mercator, search_vector, modality,
        access_routes, min_age, max_age, ages, sexes)
    SELECT sas.id, sv.id, code, s.point_mercator, sv.search_vector || categories.vector,
        sv.modality, sv.access_routes, e.min_age, e.max_age,
        ARRAY(SELECT generate_series(COALESCE(e.min_age, 0), LEAST(COALESCE(e.max_age, 25), 25))),
        COALESCE(e.sexes, '{}')
    FROM directory_serviceatsite sas
    JOIN directory_service sv ON sv.id = sas.service_id
    JOIN directory_site s ON s.id = sas.site_id
    LEFT JOIN directory_eligibility e ON e.service_id = sv.id
    CROSS JOIN LATERAL (
        SELECT setweight(to_tsvector('spanish_unaccent', COALESCE((
                SELECT string_agg(t.name, ' ' ORDER BY t.code) FROM directory_taxonomyterm t
                WHERE t.code = ANY(sv.category_codes)), '')), 'C')
            || array_to_tsvector(ARRAY(SELECT '@' || c FROM unnest(sv.category_codes) c))
            AS vector
    ) categories
    CROSS JOIN LATERAL unnest(array_append(sv.category_codes, '*')) AS code
    WHERE sas.id = ANY(sas_ids) AND sv.status = 'active';
$$;
"""

# As in 0009, plus the taxonomy branch: a renamed category rebuilds its services' rows.
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
    ELSIF TG_TABLE_NAME = 'directory_taxonomyterm' THEN
        PERFORM directory_sas_category_rebuild(ARRAY(
            SELECT sas.id FROM directory_service sv
            JOIN directory_serviceatsite sas ON sas.service_id = sv.id
            WHERE sv.category_codes && ARRAY(
                SELECT o.code FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE n.name IS DISTINCT FROM o.name)));
    ELSE
        PERFORM directory_sas_category_rebuild(ARRAY(
            SELECT sas.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN directory_serviceatsite sas ON sas.site_id = n.id
            WHERE ST_AsEWKB(n.point_mercator) IS DISTINCT FROM ST_AsEWKB(o.point_mercator)));
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGER = """
CREATE TRIGGER sas_category_on_taxonomyterm_update AFTER UPDATE ON directory_taxonomyterm
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory_sas_category_sync();
"""

DROP_TRIGGER = (
    "DROP TRIGGER IF EXISTS sas_category_on_taxonomyterm_update ON directory_taxonomyterm;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_search_synonym"),
    ]

    operations = [
        # Going back, this runs last: the old function refills the table without them.
        migrations.RunSQL(migrations.RunSQL.noop, PREVIOUS.REFILL),
        migrations.RunSQL(REBUILD_FUNCTION, PREVIOUS.REBUILD_FUNCTION),
        migrations.RunSQL(SYNC_FUNCTION, PREVIOUS.SYNC_FUNCTION),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
        migrations.RunSQL(PREVIOUS.REFILL, migrations.RunSQL.noop),
    ]
