"""The audit log is append-only in the model, its queryset, the database and the admin."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts.models import Role, User
from audit.models import AppendOnlyError, AuditAction, AuditEntry, AuditRecordType
from audit.services import audit_client_ip, audit_record
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(caseworker):
    return audit_record(
        user=caseworker, action=AuditAction.READ, record_type=AuditRecordType.CASE, record_id="x"
    )


def test_an_entry_records_who_and_copies_the_username(entry, caseworker):
    assert entry.user == caseworker
    assert entry.username == caseworker.username
    assert entry.at is not None


def test_the_model_refuses_to_save_an_entry_again_or_delete_it(entry):
    entry.detail = "edited"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""


def test_the_queryset_refuses_bulk_updates_and_deletes(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="edited")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk, detail="").exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET detail = 'edited' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete_whatever_sends_them(entry, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, detail="").exists()


def test_a_user_who_appears_in_the_log_cannot_be_deleted(entry, caseworker):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        User.objects.filter(pk=caseworker.pk).delete()


def test_the_path_is_kept_without_its_query_string(caseworker):
    request = RequestFactory().get("/casos/?q=secret", REMOTE_ADDR="192.0.2.7")
    request.user = caseworker
    entry = audit_record(request=request, action=AuditAction.LIST, record_type="case")
    assert (entry.path, entry.ip, entry.username) == ("/casos/", "192.0.2.7", caseworker.username)


def test_a_forwarded_for_header_is_ignored_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    assert audit_client_ip(request=request) == "192.0.2.7"


def test_behind_one_trusted_proxy_the_address_it_saw_is_kept_not_a_forged_one(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.4"
    )
    # The client wrote 203.0.113.66 itself; our proxy appended what it saw.
    assert audit_client_ip(request=request) == "198.51.100.4"
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense")
    assert audit_client_ip(request=garbage) == "10.0.0.2"


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("raiz", password="clave-de-prueba-larga-123")


def test_the_admin_is_read_only_even_for_a_superuser(client, superuser, entry):
    client.force_login(superuser)
    base = "/admin/audit/auditentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/change/", {"detail": "edited"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert AuditEntry.objects.filter(pk=entry.pk, detail="").exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_coordinators_and_administrators_read_the_log_in_the_admin(client, role, entry):
    client.force_login(user_with_role(role))
    assert client.get("/admin/audit/auditentry/").status_code == 200


def test_provider_staff_do_not_see_the_log_in_the_admin(client, provider, entry):
    client.force_login(provider)
    assert client.get("/admin/audit/auditentry/").status_code == 403
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 403
