"""A database default for the alert's kinds: the demo's bulk generator writes alerts
with raw SQL (COPY-speed inserts of a million cases) and names only the columns it
knows; Django's own default applies only to rows written through the ORM."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_route_decisions")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE matching_alert ALTER COLUMN kinds SET DEFAULT '{}'",
            "ALTER TABLE matching_alert ALTER COLUMN kinds DROP DEFAULT",
        )
    ]
