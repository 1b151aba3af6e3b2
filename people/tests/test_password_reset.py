"""Password reset by email through Django's own views: the mail arrives through a real
SMTP server, its link sets a new password once; the answer is the same for an address
without an account; rate-limited per address and per client address; audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import AuditAction, AuditEntry, AuditRecordType
from people.tests.conftest import NEW_PASSWORD, RESET_LINK
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "gestora@example.org"


@pytest.fixture
def person(db):
    return UserFactory(username="gestora", email=ADDRESS)


def _ask(client: Client, address: str, capture: Any):
    with capture(execute=True):
        return client.post("/entrar/olvide-clave/", {"email": address})


def test_the_login_page_links_to_the_password_reset():
    html = Client().get("/entrar/").content.decode()
    assert 'href="/entrar/olvide-clave/"' in html


def test_a_person_resets_the_password_from_the_mail_and_the_link_works_once(
    person, mailbox, django_capture_on_commit_callbacks
):
    response = _ask(Client(), ADDRESS.upper(), django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == "/entrar/olvide-clave/enviado/"
    (message,) = mailbox.to(ADDRESS)
    body = mailbox.text(message)
    assert "gestora" in body
    path = RESET_LINK.search(body).group(1)

    visitor = Client()
    form = visitor.get(path, follow=True)
    assert form.status_code == 200 and b"password-reset-confirm-form" in form.content
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done.url == "/entrar/nueva-clave/listo/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)

    again = Client().get(path, follow=True)
    assert again.status_code == 400 and b'data-reason="invalid"' in again.content
    assert Client().get("/entrar/nueva-clave/MQ/made-up/").status_code == 400


def test_the_answer_never_tells_whether_an_address_has_an_account(
    person, mailbox, django_capture_on_commit_callbacks
):
    known = _ask(Client(), ADDRESS, django_capture_on_commit_callbacks)
    unknown = _ask(Client(), "nadie@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mailbox.messages) == 1 and mailbox.to("nadie@example.org") == []


def test_requests_are_rate_limited_per_address_and_per_client(
    person, mailbox, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/hour"
    settings.PASSWORD_RESET_IP_RATE_LIMIT = "4/hour"
    for _ in range(2):
        assert _ask(Client(), ADDRESS, django_capture_on_commit_callbacks).status_code == 302
    limited = _ask(Client(), ADDRESS, django_capture_on_commit_callbacks)
    assert limited.status_code == 429 and b"reset-rate-limited" in limited.content
    assert len(mailbox.to(ADDRESS)) == 2
    # Another address from the same client: its own count, until the client's is spent.
    assert _ask(Client(), "otra@example.org", django_capture_on_commit_callbacks).status_code == 302
    assert (
        _ask(Client(), "tercera@example.org", django_capture_on_commit_callbacks).status_code == 429
    )


def test_requests_and_completed_resets_are_audited_without_the_address(
    person, mailbox, django_capture_on_commit_callbacks
):
    _ask(Client(), ADDRESS, django_capture_on_commit_callbacks)
    _ask(Client(), "nadie@example.org", django_capture_on_commit_callbacks)
    path = RESET_LINK.search(mailbox.text(mailbox.to(ADDRESS)[0])).group(1)
    visitor = Client()
    form = visitor.get(path, follow=True)
    visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    entries = AuditEntry.objects.filter(record_type=AuditRecordType.PASSWORD_RESET)
    requested = entries.filter(action=AuditAction.REQUEST)
    assert sorted(requested.values_list("record_id", flat=True)) == ["", str(person.pk)]
    completed = entries.get(action=AuditAction.COMPLETE)
    assert completed.record_id == str(person.pk) and completed.user_id == person.pk
    token = path.rstrip("/").split("/")[-1]
    for entry in entries:
        text = f"{entry.detail} {entry.path}"
        assert "@" not in text and token not in text
    assert User.objects.get(pk=person.pk).check_password(NEW_PASSWORD)
