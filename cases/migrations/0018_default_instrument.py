"""Ship the common assessment instrument (in Spanish), published as version 1.

Read from ``cases/assessment_default.json``, the same JSON the coordinator imports and
exports; the need codes are the taxonomy seeded by directory 0002.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DEFAULT = Path(__file__).resolve().parent.parent / "assessment_default.json"


def seed(apps, schema_editor):
    Instrument = apps.get_model("cases", "AssessmentInstrument")
    Domain = apps.get_model("cases", "AssessmentDomain")
    Item = apps.get_model("cases", "AssessmentItem")
    Term = apps.get_model("directory", "TaxonomyTerm")
    data = json.loads(DEFAULT.read_text(encoding="utf-8"))
    if Instrument.objects.filter(code=data["code"]).exists():
        return
    instrument = Instrument.objects.create(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        description=data["description"],
        thresholds=data["thresholds"],
        published_at=timezone.now(),
    )
    terms = {term.code: term for term in Term.objects.all()}
    for d_pos, d in enumerate(data["domains"]):
        domain = Domain.objects.create(
            instrument=instrument, code=d["code"], name=d["name"], position=d_pos
        )
        for i_pos, i in enumerate(d["items"]):
            item = Item.objects.create(
                domain=domain,
                code=i["code"],
                question=i["question"],
                definition=i["definition"],
                scale=i["scale"],
                factor=i["factor"],
                weight=i["weight"],
                position=i_pos,
            )
            item.needs.set([terms[code] for code in i["needs"] if code in terms])


def unseed(apps, schema_editor):
    Instrument = apps.get_model("cases", "AssessmentInstrument")
    Instrument.objects.filter(code="valoracion-comun", version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_assessment"), ("directory", "0002_seed_taxonomy")]
    operations = [migrations.RunPython(seed, unseed)]
