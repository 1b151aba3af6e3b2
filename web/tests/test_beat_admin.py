"""The admin says each crontab schedule in the user's language (web/beat_admin.py)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tests.factories import signed_in
from web.beat_admin import cron_expression_in_words, crontab_in_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_minute() -> CrontabSchedule:
    return CrontabSchedule.objects.create(minute="*", hour="*", timezone="America/Santiago")


@pytest.fixture
def quarterly() -> CrontabSchedule:
    return CrontabSchedule.objects.create(
        minute="0", hour="5", day_of_month="1", month_of_year="1,4,7,10", timezone="UTC"
    )


def test_a_cron_expression_is_said_in_spanish_with_spanish_day_and_month_names():
    with translation.override("es"):
        assert cron_expression_in_words("* * * * *") == "Cada minuto"
        assert cron_expression_in_words("15 2 * * *") == "A las 02:15"
        assert cron_expression_in_words("0 3 * * 1-5") == "A las 03:00, de lunes a viernes"
        assert cron_expression_in_words("0 5 1 1,4,7,10 *") == (
            "A las 05:00, el día 1 del mes, sólo en enero, abril, julio, y octubre"
        )


def test_a_cron_expression_is_said_in_english_when_the_user_chose_english():
    with translation.override("en"):
        assert cron_expression_in_words("0 4 * * 1") == "At 04:00, only on Monday"


def test_an_expression_cron_cannot_read_is_shown_as_it_is():
    with translation.override("es"):
        assert cron_expression_in_words("* * *") == "* * *"


def test_the_crontab_list_and_form_say_the_schedule_in_spanish(administrator, every_minute):
    client = signed_in(administrator)
    listing = client.get("/admin/django_celery_beat/crontabschedule/").content.decode()
    assert "Cada minuto (America/Santiago)" in listing
    assert "Every minute" not in listing
    form = client.get(
        f"/admin/django_celery_beat/crontabschedule/{every_minute.pk}/change/"
    ).content.decode()
    assert re.search(r'class="readonly">\s*Cada minuto \(America/Santiago\)\s*<', form)
    assert "Every minute" not in form


def test_the_crontab_pages_follow_the_language_switch(administrator, every_minute):
    client = signed_in(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listing = client.get("/admin/django_celery_beat/crontabschedule/").content.decode()
    assert "Every minute (America/Santiago)" in listing


def test_the_periodic_task_form_names_its_crontabs_in_spanish(
    administrator, every_minute, quarterly
):
    task = PeriodicTask.objects.create(
        name="Informe trimestral", task="gaps.tasks.snapshot", crontab=quarterly
    )
    page = signed_in(administrator).get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    select = re.search(r'<select name="crontab"[^>]*>(.*?)</select>', html, re.S)
    assert select
    options = [unescape(o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", select[1])]
    assert "Cada minuto (America/Santiago) · * * * * *" in options
    quarterly_words = "A las 05:00, el día 1 del mes, sólo en enero, abril, julio, y octubre"
    assert f"{quarterly_words} (UTC) · 0 5 1 1,4,7,10 *" in options
    readable = re.search(
        r'<script id="readable-crontabs" type="application/json">(.*?)</script>', html, re.S
    )
    assert readable
    with translation.override("es"):
        assert json.loads(readable[1]) == {
            str(every_minute.pk): crontab_in_words(every_minute),
            str(quarterly.pk): crontab_in_words(quarterly),
        }
    assert "Every minute" not in html and "January" not in html
