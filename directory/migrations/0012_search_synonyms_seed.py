"""A first Spanish synonym list for the search, for the coordinator to extend.

Words of the local network (VIF, CESFAM, reforzamiento), each tied to the category it
names when there is one. Gender and number need no entry; the search folds them. Only
entries not already present are added, and going back removes only these, unchanged
or not."""

from django.db import migrations

# (phrase, synonyms, category code or None)
SYNONYMS = [
    (
        "psicólogo",
        [
            "psicología",
            "atención psicológica",
            "apoyo psicológico",
            "psicoterapia",
            "terapia psicológica",
        ],
        "specialized.psychological_care",
    ),
    (
        "violencia intrafamiliar",
        [
            "VIF",
            "violencia familiar",
            "violencia doméstica",
            "maltrato",
            "maltrato infantil",
            "vulneración de derechos",
        ],
        "protection",
    ),
    ("abuso sexual", ["agresión sexual", "ASI", "violencia sexual"], "protection"),
    (
        "reforzamiento escolar",
        [
            "apoyo escolar",
            "nivelación escolar",
            "apoyo pedagógico",
            "reforzamiento educativo",
            "tutoría escolar",
        ],
        None,
    ),
    (
        "deserción escolar",
        ["reinserción educativa", "reinserción escolar", "abandono escolar", "exclusión escolar"],
        None,
    ),
    ("infantil", ["niño", "niña", "niñez", "infancia", "infanto-juvenil"], None),
    ("adolescente", ["joven", "juvenil", "infanto-juvenil"], None),
    ("jardín infantil", ["sala cuna", "educación parvularia", "párvulo", "kínder"], None),
    ("colegio", ["escuela", "liceo", "educación"], "social.education"),
    (
        "salud",
        ["médico", "consultorio", "CESFAM", "atención primaria", "control sano"],
        "social.health",
    ),
    ("salud mental", ["psiquiatría", "salud mental infanto-juvenil"], None),
    (
        "alimentación",
        ["alimentos", "comida", "canasta", "comedor", "almuerzo"],
        "social.food",
    ),
    (
        "abogado",
        [
            "asesoría legal",
            "asesoría jurídica",
            "orientación legal",
            "defensa jurídica",
            "representación jurídica",
            "curador ad litem",
        ],
        "specialized.legal_aid",
    ),
    (
        "escuela para padres",
        [
            "taller para padres",
            "taller de padres",
            "habilidades parentales",
            "competencias parentales",
        ],
        "specialized.parenting_school",
    ),
    (
        "crianza",
        ["crianza respetuosa", "parentalidad positiva", "buen trato"],
        "specialized.positive_parenting",
    ),
    (
        "fortalecimiento familiar",
        ["acompañamiento familiar", "apoyo familiar", "intervención familiar"],
        "specialized.family_strengthening",
    ),
    (
        "orientación familiar",
        ["consejería familiar", "consejería a familias", "orientación a familias"],
        "specialized.family_guidance",
    ),
    (
        "emprendimiento",
        ["trabajo", "empleo", "capacitación laboral", "oficios", "microemprendimiento"],
        "specialized.entrepreneurship",
    ),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("directory", "SearchSynonym")
    Term = apps.get_model("directory", "TaxonomyTerm")
    terms = {t.code: t for t in Term.objects.all()}
    for phrase, synonyms, code in SYNONYMS:
        Synonym.objects.get_or_create(
            phrase=phrase, defaults={"synonyms": synonyms, "term": terms.get(code)}
        )


def unseed(apps, schema_editor):
    Synonym = apps.get_model("directory", "SearchSynonym")
    Synonym.objects.filter(phrase__in=[phrase for phrase, _s, _c in SYNONYMS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0011_search_categories"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
