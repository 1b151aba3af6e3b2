"""Retention blanks a dismissed report's or finding's reason with the rest of its text:
the report's constraint admits an anonymised row; the finding's reason is the service's
to ask for (as in 0009 for the case file's reasons)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_case_team"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="outreachfinding",
            name="finding_dismissed_has_reason",
        ),
        migrations.RemoveConstraint(
            model_name="report",
            name="report_dismissed_has_reason",
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "dismissed"), _negated=True),
                    models.Q(("dismissal_reason", ""), _negated=True),
                    ("anonymised_at__isnull", False),
                    _connector="OR",
                ),
                name="report_dismissed_has_reason",
                violation_error_message="A dismissed report needs a reason.",
            ),
        ),
    ]
