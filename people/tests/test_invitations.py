"""Invitations: mailed through Django's SMTP backend to a real SMTP server, the link read
from the message and used; expired, used, revoked and resent links refused; who may
invite whom; the audit log names invitations, never addresses or tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role, TwoFactorRequirement, User
from audit.models import AuditAction, AuditEntry, AuditRecordType
from people.models import Invitation
from people.tests.conftest import INVITATION_LINK, NEW_PASSWORD
from tests.factories import OrganizationFactory, signed_in

pytestmark = pytest.mark.django_db

ADDRESS = "nueva.gestora@example.org"


def _invite(client: Client, organization: Any, *, role: str = Role.CASEWORKER, capture: Any):
    with capture(execute=True):
        return client.post(
            "/usuarios/invitaciones/",
            {"email": ADDRESS, "organization": organization.pk, "role": role},
        )


def _link(mailbox: Any, index: int = -1) -> str:
    message = mailbox.to(ADDRESS)[index]
    match = INVITATION_LINK.search(mailbox.text(message))
    assert match, mailbox.text(message)
    return match.group(1)


def _accept(client: Client, path: str, username: str = "nueva.gestora"):
    return client.post(
        path,
        {"username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def test_the_administrator_invites_and_the_person_sets_a_password_from_the_mail(
    administrator, team, mailbox, django_capture_on_commit_callbacks
):
    response = _invite(signed_in(administrator), team, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302

    (message,) = mailbox.to(ADDRESS)
    assert "Equipo Norte" in message["Subject"]
    body = mailbox.text(message)
    assert f"{settings.SITE_URL}/invitacion/" in body
    path = _link(mailbox)
    invitation = Invitation.objects.get()
    assert path.split("/")[2] not in invitation.token_digest  # only the digest is kept

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Equipo Norte" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    accepted = _accept(visitor, path)
    assert accepted.status_code == 302
    user = User.objects.get(username="nueva.gestora")
    assert user.email == ADDRESS and user.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(user=user, organization=team, role=Role.CASEWORKER).exists()
    # Signed in: the first page is the caseworker's.
    assert visitor.get(accepted.url, follow=True).status_code == 200
    assert visitor.session.get("_auth_user_id") == str(user.pk)

    # One time only.
    used = visitor.get(path)
    assert used.status_code == 410 and 'data-reason="used"' in used.content.decode()


def test_a_role_that_requires_two_factor_is_sent_to_enrol_after_choosing_the_password(
    administrator, team, mailbox, django_capture_on_commit_callbacks
):
    TwoFactorRequirement.objects.create(role=Role.CASEWORKER)
    _invite(signed_in(administrator), team, capture=django_capture_on_commit_callbacks)
    visitor = Client()
    accepted = _accept(visitor, _link(mailbox))
    assert accepted.status_code == 302 and accepted.url.startswith("/cuenta/doble-factor/")
    assert visitor.get(accepted.url).status_code == 200


def test_an_expired_link_is_refused_with_a_page_that_says_so(
    administrator, team, mailbox, django_capture_on_commit_callbacks
):
    _invite(signed_in(administrator), team, capture=django_capture_on_commit_callbacks)
    path = _link(mailbox)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    for response in (Client().get(path), _accept(Client(), path)):
        assert response.status_code == 410
        assert 'data-reason="expired"' in response.content.decode()
    assert not User.objects.filter(email=ADDRESS).exists()


def test_a_revoked_link_is_refused_and_a_resent_one_replaces_the_old(
    administrator, team, mailbox, django_capture_on_commit_callbacks
):
    admin_client = signed_in(administrator)
    _invite(admin_client, team, capture=django_capture_on_commit_callbacks)
    first = _link(mailbox)
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        resent = admin_client.post(f"/usuarios/invitaciones/{invitation.pk}/", {"action": "resend"})
    assert resent.status_code == 302
    second = _link(mailbox)
    assert second != first
    assert Client().get(first).status_code == 404  # replaced: unknown now
    assert Client().get(second).status_code == 200

    admin_client.post(f"/usuarios/invitaciones/{invitation.pk}/", {"action": "revoke"})
    refused = Client().get(second)
    assert refused.status_code == 410 and 'data-reason="revoked"' in refused.content.decode()
    assert Client().get("/invitacion/made-up-token/").status_code == 404


def test_the_invitations_page_lists_the_state_of_each(administrator, team, caseworker):
    client = signed_in(administrator)
    client.post(
        "/usuarios/invitaciones/",
        {"email": ADDRESS, "organization": team.pk, "role": Role.PROVIDER},
    )
    invitation = Invitation.objects.get()
    page = client.get("/usuarios/invitaciones/")
    assert page.status_code == 200
    assert f'id="invitation-{invitation.pk}" data-status="pending"' in page.content.decode()


def test_a_supervisor_invites_caseworkers_into_their_own_organization_only(
    supervisor, team, mailbox, django_capture_on_commit_callbacks
):
    client = signed_in(supervisor)
    assert _invite(client, team, capture=django_capture_on_commit_callbacks).status_code == 302
    assert len(mailbox.to(ADDRESS)) == 1

    other = OrganizationFactory(name="Otro Equipo")
    into_other = _invite(client, other, capture=django_capture_on_commit_callbacks)
    assert into_other.status_code == 400  # not among the organizations offered
    as_admin = client.post(
        "/usuarios/invitaciones/",
        {"email": "otra@example.org", "organization": team.pk, "role": Role.ADMINISTRATOR},
    )
    assert as_admin.status_code == 400
    assert Invitation.objects.count() == 1 and len(mailbox.messages) == 1


def test_a_supervisor_cannot_manage_another_organizations_invitation(
    administrator, supervisor, team
):
    other = OrganizationFactory(name="Otro Equipo")
    signed_in(administrator).post(
        "/usuarios/invitaciones/",
        {"email": ADDRESS, "organization": other.pk, "role": Role.CASEWORKER},
    )
    invitation = Invitation.objects.get()
    response = signed_in(supervisor).post(
        f"/usuarios/invitaciones/{invitation.pk}/", {"action": "revoke"}
    )
    assert response.status_code == 404
    assert Invitation.objects.get().revoked_at is None


@pytest.mark.parametrize("role", ["caseworker", "provider", "coordinator", "planner"])
def test_other_roles_may_not_invite(role, team, request):
    client = signed_in(request.getfixturevalue(role))
    assert client.get("/usuarios/invitaciones/").status_code == 403
    response = client.post(
        "/usuarios/invitaciones/",
        {"email": ADDRESS, "organization": team.pk, "role": Role.CASEWORKER},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_address_that_already_has_an_account_is_told_to_use_the_admin(
    administrator, team, caseworker
):
    User.objects.filter(pk=caseworker.pk).update(email=ADDRESS)
    response = signed_in(administrator).post(
        "/usuarios/invitaciones/",
        {"email": ADDRESS.upper(), "organization": team.pk, "role": Role.CASEWORKER},
    )
    assert response.status_code == 400
    assert "already has an account" in response.content.decode() or "ya tiene" in (
        response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_a_bad_password_or_taken_user_name_is_named_on_the_form(
    administrator, team, caseworker, mailbox, django_capture_on_commit_callbacks
):
    _invite(signed_in(administrator), team, capture=django_capture_on_commit_callbacks)
    path = _link(mailbox)
    short = Client().post(path, {"username": "otra", "password1": "abc", "password2": "abc"})
    assert short.status_code == 400 and "id_password1_errors" in short.content.decode()
    taken = _accept(Client(), path, username=caseworker.username)
    assert taken.status_code == 400 and "id_username_errors" in taken.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_sending_accepting_and_revoking_are_audited_without_address_or_token(
    administrator, team, mailbox, django_capture_on_commit_callbacks
):
    admin_client = signed_in(administrator)
    _invite(admin_client, team, capture=django_capture_on_commit_callbacks)
    path = _link(mailbox)
    _accept(Client(), path)
    invitation = Invitation.objects.get()
    second = OrganizationFactory()
    admin_client.post(
        "/usuarios/invitaciones/",
        {"email": "otra@example.org", "organization": second.pk, "role": Role.PROVIDER},
    )
    other = Invitation.objects.exclude(pk=invitation.pk).get()
    admin_client.post(f"/usuarios/invitaciones/{other.pk}/", {"action": "revoke"})
    Client().get(path)  # used: refused, and logged

    entries = AuditEntry.objects.filter(record_type=AuditRecordType.INVITATION)
    actions = sorted(entries.values_list("action", flat=True))
    assert actions == sorted(
        [AuditAction.SEND, AuditAction.SEND, AuditAction.ACCEPT, AuditAction.REVOKE,
         AuditAction.REFUSED]
    )  # fmt: skip
    token = path.split("/")[2]
    for entry in entries:
        text = f"{entry.detail} {entry.path} {entry.record_id}"
        assert "@" not in text and token not in text
