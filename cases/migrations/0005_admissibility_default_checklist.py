"""A starting checklist for admissibility, in Spanish; the coordinator edits it."""

from django.db import migrations

DEFAULT_CHECKLIST = [
    (
        "El NNA vive o se encuentra en el territorio de la red.",
        "Domicilio o lugar donde se encuentra; si es de otra comuna, se orienta a su red.",
    ),
    ("Es menor de 18 años.", ""),
    (
        "Hay una vulneración de derechos, o un riesgo de ella, que la red puede abordar.",
        "Según lo reportado o derivado; no es aún el diagnóstico.",
    ),
    (
        "Ningún otro programa de la red lleva ya el caso con el mismo objetivo.",
        "Si lo hay, se coordina con ese programa en vez de abrir otro caso.",
    ),
    (
        "La familia o el NNA fueron informados del ingreso.",
        "Salvo que informar ponga en riesgo al NNA: anótelo en el motivo.",
    ),
]


def checklist_create(apps, schema_editor):
    Criterion = apps.get_model("cases", "AdmissibilityCriterion")
    if Criterion.objects.exists():
        return
    Criterion.objects.bulk_create(
        Criterion(text=text, help_text=help_text, position=10 * (index + 1))
        for index, (text, help_text) in enumerate(DEFAULT_CHECKLIST)
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_admissibility_decisions")]

    operations = [migrations.RunPython(checklist_create, migrations.RunPython.noop)]
