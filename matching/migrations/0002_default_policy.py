"""Publish version 1 of the prioritization policy with the model's defaults."""

from django.db import migrations


def publish_v1(apps, schema_editor):
    PriorityPolicy = apps.get_model("matching", "PriorityPolicy")
    if not PriorityPolicy.objects.exists():
        PriorityPolicy.objects.create(
            version=1, change_note="Política inicial de la red (valores por defecto)."
        )


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]
    operations = [migrations.RunPython(publish_v1, migrations.RunPython.noop)]
