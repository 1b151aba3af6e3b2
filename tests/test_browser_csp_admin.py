"""The admin's periodic-task form runs its script under the site's CSP, with no violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from accounts.models import Role
from tests.browser import sign_in
from tests.factories import user_with_role
from web.beat_admin import crontab_in_words

pytestmark = pytest.mark.browser

# Playwright's init scripts run outside the page's CSP, so this listener sees every
# violation the page causes; console errors are kept too (a refused script says so there).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    nightly = CrontabSchedule.objects.create(minute="30", hour="2")
    weekly = CrontabSchedule.objects.create(minute="0", hour="6", day_of_week="1")
    hourly = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    return {
        "administrator": user_with_role(Role.ADMINISTRATOR, username="admin-red"),
        "crontab_task": PeriodicTask.objects.create(
            name="Inventario nocturno", task="gaps.tasks.gap_snapshot_nightly", crontab=nightly
        ),
        "interval_task": PeriodicTask.objects.create(
            name="Avisos", task="notifications.tasks.overdue_notify", interval=hourly
        ),
        "weekly": weekly,
    }


def _open(page: Any, live_server: Any, task: PeriodicTask) -> list[str]:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/{task.pk}/change/")
    page.wait_for_load_state("networkidle")
    return console


def test_the_periodic_task_form_runs_its_script_without_a_csp_violation(
    live_server, browser, world
):
    page, blocked = sign_in(browser, live_server, world["administrator"], "/inicio/")
    page.add_init_script(RECORD_VIOLATIONS)
    console = _open(page, live_server, world["crontab_task"])
    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in console if "Content Security Policy" in m] == []
    # The script ran: the read-only row is folded into the crontab's help, which says the
    # chosen schedule in words (as text, in Spanish) and follows the choice.
    assert page.locator(".field-crontab_translation").is_hidden()
    words = page.locator(".field-crontab .crontab-in-words")
    with translation.override("es"):
        first = crontab_in_words(world["crontab_task"].crontab)
        weekly = crontab_in_words(world["weekly"])
    assert words.inner_text() == f"En palabras: {first}"
    page.select_option("#id_crontab", str(world["weekly"].pk))
    assert words.inner_text() == f"En palabras: {weekly}"
    assert blocked == []


def test_a_task_on_an_interval_opens_without_a_csp_violation(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["administrator"], "/inicio/")
    page.add_init_script(RECORD_VIOLATIONS)
    console = _open(page, live_server, world["interval_task"])
    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert blocked == []
