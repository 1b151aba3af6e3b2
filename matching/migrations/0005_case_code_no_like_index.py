"""Drop the pattern-ops (LIKE) index Django adds beside the case code's unique index.

Cases are only ever looked up by their exact code (the unique index serves that) or
by a search with a leading wildcard (no index serves that); meanwhile the nightly
priority job pays one more random index insertion per rewritten case. A later
AlterField of ``code`` would recreate it: harmless, only slower rescoring.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_case_fewer_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS matching_case_code_b51f3dec_like;",
            "CREATE INDEX IF NOT EXISTS matching_case_code_b51f3dec_like "
            "ON matching_case (code varchar_pattern_ops);",
        ),
    ]
