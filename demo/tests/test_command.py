"""The ``demo_municipality`` command: its refusals (its full runs are in test_demo.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from directory.models import Service

pytestmark = pytest.mark.django_db


def test_the_command_refuses_to_load_over_an_existing_map():
    call_command("demo_municipality", "--services", "10", "--no-users", verbosity=0)
    # The ten asked for, and the two services at the demo's confidential sites.
    assert Service.objects.count() == 12
    with pytest.raises(CommandError, match="already holds"):
        call_command("demo_municipality", "--services", "10", verbosity=0)
    call_command("demo_municipality", "--if-empty", verbosity=0)  # no error, no change
    assert Service.objects.count() == 12


def test_the_command_rejects_impossible_sizes_with_a_clear_message():
    with pytest.raises(CommandError, match="territories"):
        call_command("demo_municipality", "--territories", "2", verbosity=0)
