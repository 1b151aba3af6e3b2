"""The case file's move to ``cases`` on a database migrated by the previous main.

The models changed app but kept their tables, so the migrations are state-only: this
migrates a database holding cases, needs, consents, alerts, notifications and referrals
back to the schema before the move, reads the rows there through the old models, then
applies the new migrations and reads the same rows through the new ones.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.models import Role
from cases.models import Alert, AlertType, Case, CaseNeed, Consent, ConsentScope
from cases.services import alert_raise, case_need_add, consent_record
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import Referral
from matching.services import referral_create
from notifications.models import Notification
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, user_with_role

BEFORE_THE_MOVE = [
    ("matching", "0005_case_code_no_like_index"),
    ("waitlists", "0001_initial"),
    ("cases", None),
    ("notifications", None),
]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rows_read_back_the_same_after_the_state_only_move():
    TerritoryFactory()
    caseworker = user_with_role(Role.CASEWORKER)
    case = case_of(caseworker)
    need = case_need_add(
        actor=caseworker,
        case=case,
        term=TaxonomyTerm.objects.get(code="specialized.psychological_care"),
        note="Pide apoyo",
    )
    consent = consent_record(
        actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL]
    )
    alert_raise(
        actor=caseworker,
        organization=case.organization,
        case=case,
        alert_type=AlertType.SCHOOL_ABSENCE,
        severity=RiskLevel.MODERATE,
        note="Faltas",
    )
    offer = ServiceAtSiteFactory()
    referral = referral_create(
        actor=caseworker, case=case, service=offer.service, service_at_site=offer, need=need
    )
    Notification.objects.create(user=caseworker, text="Aviso")
    case_type = ContentType.objects.get_for_model(Case)
    schedule = CrontabSchedule.objects.create(minute="30", hour="4")
    PeriodicTask.objects.create(
        name="matching-anonymise-closed-cases",
        task="matching.tasks.cases_anonymise_expired_task",
        crontab=schedule,
    )
    latest = _latest()
    try:
        executor = _migrate(BEFORE_THE_MOVE)
        old = executor.loader.project_state([t for t in BEFORE_THE_MOVE if t[1]]).apps
        OldCase = old.get_model("matching", "Case")
        assert OldCase.objects.get(pk=case.pk).code == case.code
        assert old.get_model("matching", "CaseNeed").objects.get(pk=need.pk).note == "Pide apoyo"
        assert old.get_model("matching", "Consent").objects.get(pk=consent.pk).given_by == "madre"
        assert old.get_model("matching", "Alert").objects.filter(case_id=case.pk).count() == 1
        assert old.get_model("matching", "Notification").objects.filter(text="Aviso").exists()
        assert old.get_model("matching", "Referral").objects.get(pk=referral.pk).case_id == case.pk
        assert ContentType.objects.get(pk=case_type.pk).app_label == "matching"
    finally:
        _migrate(latest)

    assert Case.objects.get(pk=case.pk).code == case.code
    assert CaseNeed.objects.get(pk=need.pk).note == "Pide apoyo"
    assert Consent.objects.get(pk=consent.pk).given_by == "madre"
    assert Alert.objects.get(case=case).note == "Faltas"
    assert Notification.objects.get(text="Aviso").user_id == caseworker.pk
    moved = Referral.objects.select_related("case", "need").get(pk=referral.pk)
    assert (moved.case, moved.need) == (case, need)
    assert moved.case.consents.get() == consent
    # Permissions and the admin's history hang on the content type: it moved, same row.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=case_type.pk).app_label == "cases"
    task = PeriodicTask.objects.get(task="cases.tasks.cases_anonymise_expired_task")
    assert task.name == "cases-anonymise-closed-cases"
