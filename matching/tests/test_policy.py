"""The policy in force: reading it never writes; whoever stores its id gets a saved row.

Migration 0002 publishes version 1, so only a table emptied since (as a test's flush
leaves it) has none: these tests empty it first.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from matching.models import PriorityPolicy
from matching.selectors import policy_current
from matching.services import POLICY_FIELDS, policy_ensure_current, policy_publish
from tests.factories import TerritoryFactory, case_of


@pytest.fixture
def emptied(db):
    """No version of the policy saved, as after a flush."""
    PriorityPolicy.objects.all().delete()


@pytest.mark.django_db
def test_reading_the_current_policy_writes_nothing(emptied, django_assert_num_queries):
    with django_assert_num_queries(1):
        policy = policy_current()
    assert policy.pk is None and policy.version == 1
    defaults = PriorityPolicy()
    assert [getattr(policy, name) for name in POLICY_FIELDS] == [
        getattr(defaults, name) for name in POLICY_FIELDS
    ]
    assert not PriorityPolicy.objects.exists()


@pytest.mark.django_db
def test_reading_the_current_policy_gives_the_latest_published_version(coordinator):
    published = policy_publish(
        actor=coordinator, change_note="Más peso a la espera.", waiting_points_per_week=10
    )
    current = policy_current()
    assert current.pk == published.pk and current.version == 2
    assert current.waiting_points_per_week == 10


@pytest.mark.django_db
def test_the_policy_page_and_the_api_read_the_policy_without_saving_it(
    emptied, client, coordinator
):
    client.force_login(coordinator)
    page = client.get(reverse("matching:policy"))
    assert page.status_code == 200 and page.context["current"].version == 1
    api = APIClient()
    api.force_authenticate(coordinator)
    answer = api.get("/api/priority-policy/")
    assert answer.status_code == 200 and answer.json()["version"] == 1
    assert not PriorityPolicy.objects.exists()


@pytest.mark.django_db
def test_ensuring_the_policy_creates_version_one_once(emptied):
    first = policy_ensure_current()
    second = policy_ensure_current()
    assert first.pk is not None and second.pk == first.pk
    assert list(PriorityPolicy.objects.values_list("version", flat=True)) == [1]
    assert policy_current().pk == first.pk


@pytest.mark.django_db
def test_ensuring_the_policy_keeps_the_published_one_and_only_reads(
    coordinator, django_assert_num_queries
):
    published = policy_publish(actor=coordinator, change_note="Prueba.", waiting_cap=300)
    with django_assert_num_queries(1):
        assert policy_ensure_current().pk == published.pk
    assert PriorityPolicy.objects.count() == 2


@pytest.mark.django_db
def test_a_score_stored_on_an_emptied_table_names_a_saved_version_one(emptied, caseworker):
    TerritoryFactory()
    case = case_of(caseworker)  # saving a case scores it
    case.refresh_from_db()
    assert case.priority_policy is not None and case.priority_policy.version == 1
    assert PriorityPolicy.objects.count() == 1


def _waits_for_a_lock(pid: int, *, seconds: float = 10) -> bool:
    """Whether backend ``pid`` comes to wait for a lock within ``seconds``."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_locks is read live, unlike pg_stat_activity within a transaction.
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


# Committed for real, so a second connection can wait on the first one's version 1.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_callers_ensuring_the_policy_at_once_save_one_version_one():
    PriorityPolicy.objects.all().delete()
    started = threading.Event()
    pids: list[int] = []
    found: list[int | None] = []
    errors: list[BaseException] = []

    def other_caller() -> None:
        try:
            connection.ensure_connection()
            pids.append(connection.connection.info.backend_pid)
            started.set()
            found.append(policy_ensure_current().pk)
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            started.set()
            connection.close()

    thread = threading.Thread(target=other_caller)
    with transaction.atomic():
        mine = policy_ensure_current()  # inserted, not yet committed
        thread.start()
        assert started.wait(10) and pids, errors
        # The other insert of version 1 waits for this transaction to end.
        assert _waits_for_a_lock(pids[0]), "the second caller never waited on the first"
    thread.join(10)
    assert not errors and found == [mine.pk]
    assert list(PriorityPolicy.objects.values_list("version", flat=True)) == [1]
