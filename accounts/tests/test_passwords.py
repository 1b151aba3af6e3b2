from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_argon2_hashes_every_new_password_outside_tests(settings):
    # Tests keep a fast hasher; here the real list is put back.
    settings.PASSWORD_HASHERS = importlib.import_module("config.settings.base").PASSWORD_HASHERS
    encoded = make_password("una clave larga y rara")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("una clave larga y rara", encoded)


def test_an_older_pbkdf2_hash_still_verifies_and_is_upgraded_to_argon2(settings):
    settings.PASSWORD_HASHERS = importlib.import_module("config.settings.base").PASSWORD_HASHERS
    user = User.objects.create(
        username="antigua", password=make_password("una clave larga y rara", hasher="pbkdf2_sha256")
    )
    assert user.check_password("una clave larga y rara")
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("corta-9x", "12"),  # too short
        ("123456789012345", "numérica"),  # only digits
        ("rioclaro-11", "12"),  # eleven characters
        ("password1234", "común"),  # a common password
    ],
)
def test_a_weak_password_is_refused_with_a_message_saying_why(password, reason):
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password)
    assert any(reason in message for message in refused.value.messages)


def test_a_long_uncommon_password_is_accepted():
    password_validation.validate_password("puente cruza el río claro")


def test_the_administrator_cannot_give_a_user_a_short_password(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nueva-gestora",
            "usable_password": "true",
            "password1": "rioclaro-1",
            "password2": "rioclaro-1",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert (
        "La contraseña es demasiado corta. Debe contener por lo menos 12 caracteres."
        in response.content.decode()
    )
    assert not User.objects.filter(username="nueva-gestora").exists()
