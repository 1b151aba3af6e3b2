"""The admin names permissions in the user's language, not as Django stored them."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils import translation

from accounts.forms import permission_label
from accounts.models import Membership
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.select_related("content_type").get(
        content_type__app_label="accounts", codename=codename
    )


def _options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {select_name} select on the page"
    return [
        unescape(text).strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select[1])
    ]


def test_a_default_permission_is_named_from_the_pattern_and_the_models_verbose_name():
    with translation.override("en"):
        # In English the label is what Django stores, so nothing is lost in translation.
        permission = _permission("add_membership")
        assert permission_label(permission=permission) == str(permission)
        assert permission_label(permission=permission).endswith(
            " | membership | Can add membership"
        )
    with translation.override("es"):
        label = permission_label(permission=_permission("change_membership"))
    # The model's verbose name is the translated one, whatever the catalog says of the verb.
    assert label.endswith(f" {Membership._meta.verbose_name}") and label.endswith(" membresía")
    assert "Can change membership" not in label


def test_a_permission_of_a_removed_model_keeps_its_stored_name():
    permission = _permission("add_membership")
    permission.content_type.model = "gone"
    assert permission.content_type.model_class() is None
    assert permission_label(permission=permission) == str(permission)


def test_the_user_form_lists_permissions_by_their_translated_names(administrator):
    user = UserFactory(username="persona")
    page = signed_in(administrator).get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    options = _options(page.content.decode(), "user_permissions")
    with translation.override(settings.LANGUAGE_CODE):
        permissions = Permission.objects.select_related("content_type")
        assert sorted(options) == sorted(permission_label(permission=p) for p in permissions)
    # Django's stored names say "membership"; the Spanish page names the model "membresía".
    with translation.override(settings.LANGUAGE_CODE):
        membership_type = f"{_permission('view_membership').content_type} | "
    of_memberships = [text for text in options if text.startswith(membership_type)]
    assert len(of_memberships) == 4 and all(
        text.endswith(" membresía") for text in of_memberships
    ), of_memberships


def test_the_group_form_lists_permissions_by_their_translated_names():
    root = UserFactory(username="raiz", is_staff=True, is_superuser=True)
    group = Group.objects.create(name="Lectores")
    client = signed_in(root)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/admin/auth/group/{group.pk}/change/")
    assert page.status_code == 200
    with translation.override("en"):
        stored = str(_permission("delete_membership"))
    assert stored in _options(page.content.decode(), "permissions")
    page = signed_in(root).get(f"/admin/auth/group/{group.pk}/change/")
    options = _options(page.content.decode(), "permissions")
    with translation.override("es"):
        label = permission_label(permission=_permission("delete_membership"))
    assert label in options and label.endswith(" membresía")
