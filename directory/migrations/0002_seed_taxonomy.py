"""Seed the categories of the design brief; the same terms describe needs and services."""

from django.db import migrations

TAXONOMY = "Puente: necesidades y prestaciones"

# (code, name in Spanish, parent code)
TERMS = [
    ("social", "Servicios sociales", None),
    ("social.education", "Educación", "social"),
    ("social.health", "Salud", "social"),
    ("social.food", "Alimentación", "social"),
    ("specialized", "Servicios especializados", None),
    ("specialized.psychological_care", "Atención psicológica", "specialized"),
    ("specialized.parenting_school", "Escuela para padres", "specialized"),
    ("specialized.family_strengthening", "Fortalecimiento familiar", "specialized"),
    ("specialized.family_guidance", "Orientación familiar", "specialized"),
    ("specialized.positive_parenting", "Parentalidad positiva", "specialized"),
    ("specialized.entrepreneurship", "Emprendimiento", "specialized"),
    ("specialized.legal_aid", "Asesoría legal", "specialized"),
    ("protection", "Medidas de protección", None),
]


def seed(apps, schema_editor):
    Taxonomy = apps.get_model("directory", "Taxonomy")
    Term = apps.get_model("directory", "TaxonomyTerm")
    taxonomy, _ = Taxonomy.objects.get_or_create(
        name=TAXONOMY,
        defaults={
            "description": "Categorías de necesidades y de oferta del sistema local de protección",
            "version": "1",
        },
    )
    by_code = {}
    for code, name, parent in TERMS:
        term, _ = Term.objects.get_or_create(
            code=code,
            defaults={"taxonomy": taxonomy, "name": name, "parent": by_code.get(parent)},
        )
        by_code[code] = term


def unseed(apps, schema_editor):
    Term = apps.get_model("directory", "TaxonomyTerm")
    for code, _name, _parent in reversed(TERMS):
        Term.objects.filter(code=code, services__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
