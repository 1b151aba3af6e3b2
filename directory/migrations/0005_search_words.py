"""A vocabulary of the words in service names and descriptions, for typo correction.

pg_trgm's documented way to suggest spellings: trigram similarity against a small
table of distinct words is fast, while word similarity against every service name
cannot use its index well and scans the whole table.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW directory_search_word AS
SELECT word, ndoc
FROM ts_stat($$
    SELECT to_tsvector('simple', puente_unaccent(lower(
        coalesce(name, '') || ' ' || coalesce(alternate_name, '') || ' ' ||
        coalesce(description, ''))))
    FROM directory_service
$$)
WHERE length(word) >= 3;
CREATE UNIQUE INDEX directory_search_word_word ON directory_search_word (word);
CREATE INDEX directory_search_word_trgm ON directory_search_word USING gist (word gist_trgm_ops);
"""

DROP = "DROP MATERIALIZED VIEW IF EXISTS directory_search_word;"


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_site_mercator")]
    operations = [migrations.RunSQL(CREATE, DROP)]
