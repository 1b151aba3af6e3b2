"""The audit search page and its CSV export: for coordinators and administrators only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry, AuditRecordType
from audit.services import audit_record

pytestmark = pytest.mark.django_db

SEARCH = "/auditoria/"
EXPORT = "/auditoria/exportar.csv"


def _entry(user, *, action=AuditAction.READ, record_type=AuditRecordType.CASE, code="", **kw):
    return audit_record(
        user=user, action=action, record_type=record_type, case_code=code, record_id="r", **kw
    )


def _old_entry(user, *, code, days):
    # The log refuses UPDATE, so an old entry is inserted old.
    AuditEntry.objects.create(
        at=timezone.now() - timedelta(days=days),
        user=user,
        username=user.username,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE,
        case_code=code,
    )


def test_the_urls_are_named():
    assert reverse("audit:search") == SEARCH
    assert reverse("audit:export") == EXPORT


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for url in (SEARCH, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_only_coordinators_and_administrators_search_the_log(
    client, caseworker, provider, planner, coordinator, administrator
):
    for user, expected in (
        (caseworker, 403),
        (provider, 403),
        (planner, 403),
        (coordinator, 200),
        (administrator, 200),
    ):
        client.force_login(user)
        assert client.get(SEARCH).status_code == expected, user.username
        assert client.get(EXPORT).status_code == expected, user.username


def test_each_filter_narrows_the_search(client, coordinator, caseworker, provider):
    _entry(caseworker, code="C-AAAA2222")
    _entry(caseworker, code="C-BBBB3333", action=AuditAction.SEND, record_type="referral")
    _entry(provider, code="C-AAAA2222", action=AuditAction.REFUSED)
    _old_entry(provider, code="C-OLD22222", days=40)
    client.force_login(coordinator)

    def codes(**params):
        response = client.get(SEARCH, {**params})
        assert response.status_code == 200
        return sorted(e.case_code for e in response.context["page"].object_list if e.case_code)

    assert codes(username=caseworker.username) == ["C-AAAA2222", "C-BBBB3333"]
    assert codes(case_code="c-aaaa2222") == ["C-AAAA2222", "C-AAAA2222"]
    assert codes(record_type="referral") == ["C-BBBB3333"]
    assert codes(action="refused") == ["C-AAAA2222"]
    today = timezone.localdate()
    assert codes(until=(today - timedelta(days=30)).isoformat()) == ["C-OLD22222"]
    assert "C-OLD22222" not in codes(since=(today - timedelta(days=1)).isoformat())


def test_bad_filters_are_a_400_naming_the_field(client, coordinator):
    client.force_login(coordinator)
    response = client.get(SEARCH, {"since": "yesterday", "action": "hack"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"since", "action"}
    response = client.get(SEARCH, {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert "until" in response.context["form"].errors
    response = client.get(EXPORT, {"since": "nope"})
    assert response.status_code == 400
    assert b"since" in response.content


def test_a_date_at_the_end_of_the_calendar_is_a_400_naming_it_on_the_search_and_the_export(
    client, coordinator
):
    client.force_login(coordinator)
    response = client.get(SEARCH, {"until": "9999-12-31"})
    assert response.status_code == 400
    assert "until" in response.context["form"].errors
    response = client.get(EXPORT, {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 400
    assert b"until" in response.content and b"since" in response.content


def test_the_search_is_paginated(client, coordinator, caseworker):
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(username=caseworker.username, action="read", record_type="case")
            for _ in range(120)
        ]
    )
    client.force_login(coordinator)
    first = client.get(SEARCH, {"username": caseworker.username})
    assert first.context["page"].paginator.num_pages == 3
    assert len(first.context["page"].object_list) == 50
    last = client.get(SEARCH, {"username": caseworker.username, "page": 3})
    assert len(last.context["page"].object_list) == 20
    assert f"username={caseworker.username}&amp;page=2" in last.content.decode()


def test_the_csv_export_holds_the_search_and_defuses_formulas(client, administrator, caseworker):
    _entry(caseworker, code="C-AAAA2222", detail='=HYPERLINK("http://x")')
    _entry(caseworker, code="C-BBBB3333")
    client.force_login(administrator)
    response = client.get(EXPORT, {"case_code": "C-AAAA2222"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Fecha y hora", "Nombre de usuario", "Acción", "Tipo de registro"]
    assert len(rows) == 2
    assert rows[1][5] == "C-AAAA2222"
    assert rows[1][8].startswith("'=")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_speaks_spanish_headers_and_labels_not_codes(
    client, administrator, caseworker
):
    _entry(
        caseworker,
        action=AuditAction.CONSENT_OVERRIDE,
        record_type=AuditRecordType.REFERRAL,
        code="C-AAAA2222",
    )
    _entry(
        caseworker, action=AuditAction.READ, record_type=AuditRecordType.OFFER, code="C-AAAA2222"
    )
    client.force_login(administrator)
    rows = _csv(client.get(EXPORT, {"case_code": "C-AAAA2222"}))
    assert rows[0] == [
        "Fecha y hora",
        "Nombre de usuario",
        "Acción",
        "Tipo de registro",
        "Registro",
        "Código del caso",
        "Desde (IP)",
        "Página o endpoint",
        "Detalle",
    ]
    labels = {(row[2], row[3]) for row in rows[1:]}
    assert labels == {("Enviada sin consentimiento", "Derivación"), ("Leído", "Oferta de cupo")}
    codes = {c for row in rows[1:] for c in row[2:4]} & {"consent_override", "referral", "read"}
    assert codes == set()


def test_the_csv_export_follows_the_users_language(client, administrator, caseworker, settings):
    _entry(caseworker, action=AuditAction.READ, record_type=AuditRecordType.CASE, code="C-AAAA2222")
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _csv(client.get(EXPORT, {"case_code": "C-AAAA2222"}))
    assert rows[0][:4] == ["When", "Username", "Action", "Record type"]
    assert rows[1][2:4] == ["Read", "Case"]


def test_the_csv_export_defuses_formulas_in_every_column_it_writes(
    client, administrator, caseworker
):
    """Translated labels change nothing for the cells that come from people or requests."""
    AuditEntry.objects.create(
        user=caseworker,
        username="=cmd|' /C calc'!A0",
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE,
        case_code="C-AAAA2222",
        path="@import",
        detail="+SUM(A1)",
    )
    client.force_login(administrator)
    rows = _csv(client.get(EXPORT, {"case_code": "C-AAAA2222"}))
    ((_at, username, action, record_type, _id, _code, _ip, path, detail),) = rows[1:]
    assert (action, record_type) == ("Leído", "Caso")
    assert username == "'=cmd|' /C calc'!A0"
    assert path == "'@import" and detail == "'+SUM(A1)"


def test_searching_and_exporting_are_themselves_audited(client, coordinator):
    client.force_login(coordinator)
    client.get(SEARCH, {"case_code": "C-AAAA2222"})
    b"".join(client.get(EXPORT).streaming_content)
    entries = AuditEntry.objects.filter(user=coordinator, record_type=AuditRecordType.AUDIT)
    assert sorted(entries.values_list("action", flat=True)) == ["export", "list"]
    assert "case_code=C-AAAA2222" in entries.get(action="list").detail
