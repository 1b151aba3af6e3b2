"""Optional TOTP two-factor sign-in, required for the roles the administrator lists."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, TwoFactorRequirement
from accounts.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(value).zfill(device.digits)


def wrong_code_for(device: TOTPDevice) -> str:
    return str((int(code_for(device)) + 500_000) % 1_000_000).zfill(6)


@pytest.fixture
def no_wait(settings):
    """django-otp makes a second try wait a second after a wrong code; not here."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled(caseworker):
    return TOTPDevice.objects.create(user=caseworker, name="Puente", confirmed=True)


def test_a_user_without_a_device_signs_in_with_the_password_alone(client, caseworker):
    response = sign_in(client, caseworker.username)
    assert response.status_code == 302 and response.url == "/casos/"
    assert client.get("/casos/").status_code == 200


def test_a_user_enrols_by_scanning_an_inline_qr_code_and_confirming_a_code(
    client, caseworker, no_wait
):
    client.force_login(caseworker)
    page = client.get("/cuenta/doble-factor/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<div class="qr" id="otp-qr"><svg' in html  # drawn here, no outside service
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    assert 'id="otp-secret"' in html

    refused = client.post("/cuenta/doble-factor/", {"token": wrong_code_for(device)})
    assert refused.status_code == 200
    assert "30" in refused.content.decode()  # "codes change every 30 seconds"
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()

    device.refresh_from_db()
    confirmed = client.post("/cuenta/doble-factor/", {"token": code_for(device)})
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # This session gave the code, so pages open without asking again.
    assert client.get("/casos/").status_code == 200


def test_a_user_with_a_device_is_asked_for_the_code_after_the_password(
    client, caseworker, enrolled, no_wait
):
    response = sign_in(client, caseworker.username)
    assert response.status_code == 302
    assert response.url.startswith("/entrar/codigo/")
    # Password alone opens nothing: every page sends to the code.
    blocked = client.get("/casos/")
    assert blocked.status_code == 302 and blocked.url.startswith("/entrar/codigo/")
    assert client.get("/api/cases/").status_code == 403

    wrong = client.post("/entrar/codigo/", {"token": wrong_code_for(enrolled), "next": "/casos/"})
    assert wrong.status_code == 200
    assert 'role="alert"' in wrong.content.decode()
    assert client.get("/casos/").status_code == 302

    right = client.post("/entrar/codigo/", {"token": code_for(enrolled), "next": "/casos/"})
    assert right.status_code == 302 and right.url == "/casos/"
    assert client.get("/casos/").status_code == 200


def test_after_a_wrong_code_even_the_right_one_must_wait(client, caseworker, enrolled):
    sign_in(client, caseworker.username)
    client.post("/entrar/codigo/", {"token": wrong_code_for(enrolled)})
    hurried = client.post("/entrar/codigo/", {"token": code_for(enrolled)})
    assert "Wait a moment" in hurried.content.decode() or "Espere" in hurried.content.decode()
    assert client.get("/casos/").status_code == 302


def test_a_code_cannot_be_used_twice(client, caseworker, enrolled):
    sign_in(client, caseworker.username)
    code = code_for(enrolled)
    client.post("/entrar/codigo/", {"token": code})
    client.post("/salir/")
    sign_in(client, caseworker.username)
    again = client.post("/entrar/codigo/", {"token": code, "next": "/casos/"})
    assert again.status_code == 200
    assert client.get("/casos/").status_code == 302


def test_the_code_step_does_not_follow_a_next_to_another_site(client, caseworker, enrolled):
    sign_in(client, caseworker.username)
    response = client.post(
        "/entrar/codigo/", {"token": code_for(enrolled), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_the_password_alone_cannot_replace_the_device(client, caseworker, enrolled):
    sign_in(client, caseworker.username)
    response = client.get("/cuenta/doble-factor/")
    assert response.status_code == 302 and response.url.startswith("/entrar/codigo/")
    client.post("/cuenta/doble-factor/", {"token": "123456"})
    assert list(TOTPDevice.objects.filter(user=caseworker)) == [enrolled]


def test_a_role_listed_by_the_administrator_must_enrol_before_any_page(client, caseworker):
    TwoFactorRequirement.objects.create(role=Role.CASEWORKER)
    sign_in(client, caseworker.username)
    for path in ("/casos/", "/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/cuenta/doble-factor/"), path
    setup = client.get("/cuenta/doble-factor/")
    assert 'id="otp-required"' in setup.content.decode()
    device = TOTPDevice.objects.get(user=caseworker)
    client.post("/cuenta/doble-factor/", {"token": code_for(device)})
    assert client.get("/casos/").status_code == 200
    # A required second factor cannot be switched off.
    client.post("/cuenta/doble-factor/", {"action": "remove"})
    assert TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()


def test_roles_not_listed_stay_optional(client, caseworker, planner):
    TwoFactorRequirement.objects.create(role=Role.CASEWORKER)
    sign_in(client, planner.username)
    assert client.get("/").status_code == 200


def test_the_environment_can_require_it_too(client, caseworker, settings):
    settings.OTP_REQUIRED_ROLES = [Role.CASEWORKER]
    sign_in(client, caseworker.username)
    assert client.get("/casos/").url.startswith("/cuenta/doble-factor/")


def test_a_user_may_turn_off_an_optional_second_factor(client, caseworker, enrolled):
    sign_in(client, caseworker.username)
    client.post("/entrar/codigo/", {"token": code_for(enrolled)})
    client.post("/cuenta/doble-factor/", {"action": "remove"})
    assert not TOTPDevice.objects.filter(user=caseworker).exists()


def test_an_administrator_removes_a_lost_device_in_the_admin(
    client, caseworker, enrolled, administrator
):
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [caseworker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()


def test_only_administrators_list_the_roles_that_require_it(client, coordinator, administrator):
    client.force_login(coordinator)
    assert client.get("/admin/accounts/twofactorrequirement/add/").status_code == 403
    client.force_login(administrator)
    client.post("/admin/accounts/twofactorrequirement/add/", {"role": Role.PROVIDER})
    assert TwoFactorRequirement.objects.filter(role=Role.PROVIDER).exists()
