"""Retention blanks a dismissed report's or finding's reason with the rest of its text:
the report's constraint admits an anonymised row; the finding's reason is the service's
to ask for (as in 0009 for the case file's reasons). Status labels that read apart from
the referrals' in Spanish."""

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
        migrations.AlterField(
            model_name="caselinkrequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Link requested"),
                    ("accepted", "Link accepted"),
                    ("refused", "Link refused"),
                ],
                default="requested",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="report",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "To decide"),
                    ("converted", "Converted into a case"),
                    ("linked", "Linked to an existing case"),
                    ("dismissed", "Dismissed"),
                ],
                default="received",
                max_length=12,
                verbose_name="status",
            ),
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
