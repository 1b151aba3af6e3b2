from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.selectors import user_organization_ids, user_roles
from accounts.services import membership_grant, membership_revoke
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PROVIDER, Role.ADMINISTRATOR])
def test_roles_that_work_in_the_admin_open_it(role):
    user = UserFactory()
    membership_grant(user=user, organization=OrganizationFactory(), role=role)
    assert user.is_staff


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PLANNER])
def test_caseworkers_and_planners_do_not_get_the_admin(role):
    user = UserFactory()
    membership_grant(user=user, organization=OrganizationFactory(), role=role)
    assert not user.is_staff


def test_revoking_the_last_staff_role_closes_the_admin():
    user = UserFactory()
    membership = membership_grant(user=user, organization=OrganizationFactory(), role=Role.PROVIDER)
    membership_revoke(membership=membership)
    user.refresh_from_db()
    assert not user.is_staff


def test_a_user_can_hold_roles_in_several_organizations():
    user = UserFactory()
    first, second = OrganizationFactory(), OrganizationFactory()
    membership_grant(user=user, organization=first, role=Role.PROVIDER)
    membership_grant(user=user, organization=second, role=Role.PROVIDER)
    membership_grant(user=user, organization=second, role=Role.CASEWORKER)
    assert user_roles(user=user) == {Role.PROVIDER, Role.CASEWORKER}
    assert user_organization_ids(user=user, role=Role.PROVIDER) == {first.pk, second.pk}
    assert user_organization_ids(user=user, role=Role.CASEWORKER) == {second.pk}


def test_granting_the_same_role_twice_keeps_one_membership():
    user, org = UserFactory(), OrganizationFactory()
    membership_grant(user=user, organization=org, role=Role.PLANNER)
    membership_grant(user=user, organization=org, role=Role.PLANNER)
    assert user.memberships.count() == 1
