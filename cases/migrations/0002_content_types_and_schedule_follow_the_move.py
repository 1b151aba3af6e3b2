"""Rows that name the moved models by app keep pointing at them.

Content types (and through them permissions and the admin's history) and the stored
beat schedule of the nightly anonymisation named ``matching``; after the move they
would point at nothing, and the schedule would send a task no worker knows.
"""

from django.db import migrations

MOVED = {
    "case": "cases",
    "caseidentity": "cases",
    "consent": "cases",
    "caseneed": "cases",
    "alert": "cases",
    "notification": "notifications",
}
OLD_TASK = "matching.tasks.cases_anonymise_expired_task"
NEW_TASK = "cases.tasks.cases_anonymise_expired_task"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        # A content type already made under the new label (a post_migrate that ran
        # first) wins; the old one is then left for `remove_stale_contenttypes`.
        if not ContentType.objects.filter(app_label=app_label, model=model).exists():
            ContentType.objects.filter(app_label="matching", model=model).update(
                app_label=app_label
            )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=OLD_TASK).update(task=NEW_TASK)
    old = PeriodicTask.objects.filter(name="matching-anonymise-closed-cases")
    if PeriodicTask.objects.filter(name="cases-anonymise-closed-cases").exists():
        old.delete()  # both would run the same task each night
    else:
        old.update(name="cases-anonymise-closed-cases")


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="matching")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=NEW_TASK).update(task=OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
