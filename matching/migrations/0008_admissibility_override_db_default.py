"""A database default for the new referral column: the demo's bulk generator inserts
referrals with raw SQL naming the columns it knows (see cases 0011 for the alerts)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("matching", "0007_referral_admissibility_override_reason")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE matching_referral ALTER COLUMN admissibility_override_reason "
            "SET DEFAULT ''",
            "ALTER TABLE matching_referral ALTER COLUMN admissibility_override_reason "
            "DROP DEFAULT",
        )
    ]
