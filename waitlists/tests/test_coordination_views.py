# ruff: noqa: F811 -- the fixtures imported below are named again as test arguments
"""The coordinator's pages over HTTP: the network's waitlists, their trend, allocation rounds."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from waitlists.models import (
    AllocationRound,
    Enrolment,
    EnrolmentStatus,
    RoundStatus,
    WaitlistSnapshot,
)
from waitlists.rounds import allocation_round_propose
from waitlists.tests.test_views import (  # noqa: F401 -- fixtures and page helpers
    _as,
    _last_message,
    _messages,
    full_site,
    round_world,
    site,
)

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"


# --- coordination: the network's waitlists and their trend ---------------------------------------


@pytest.fixture
def snapshots(site):
    term_codes = ["specialized", PSY]
    today = timezone.localdate()
    for back, waiting in ((3, 2), (2, 4), (1, 5)):
        WaitlistSnapshot.objects.create(
            day=today - timedelta(days=back),
            service=site.service,
            category_codes=term_codes,
            waiting=waiting,
            slots=1,
            enrolled=1,
            inflow=1,
            outflow=0,
        )
    return site.service


def test_the_network_page_lists_every_waitlist_and_charts_the_total(
    client, coordinator, full_site, snapshots
):
    response = _as(client, coordinator).get(reverse("waitlists:network"))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-service="{snapshots.pk}"' in content
    (row,) = response.context["summary"]
    assert row.waiting == 1
    assert '<svg class="chart-svg"' in content
    assert 'id="chart-network-data"' in content
    assert content.count('class="history-row"') == 3
    assert 'id="chart-service"' not in content and 'id="chart-category"' not in content


def test_a_service_and_a_category_can_be_charted_beside_the_total(client, coordinator, snapshots):
    client.force_login(coordinator)
    response = client.get(
        reverse("waitlists:network"), {"service": str(snapshots.pk), "category": PSY, "days": 30}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="chart-service-data"' in content and 'id="chart-category-data"' in content
    charts = {chart.id: chart for chart in response.context["charts"]}
    assert [r["waiting"] for r in charts["chart-service"].rows] == [2, 4, 5]
    # A category nobody waits in: a chart that says so, not an error.
    response = client.get(reverse("waitlists:network"), {"category": "social.education"})
    assert response.status_code == 200
    assert 'id="chart-category-summary"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"service": "nope"}, {"service": str(uuid.uuid4())}, {"category": "nope"}, {"days": "7"}],
)
def test_a_bad_chart_choice_is_a_form_error_and_the_page_still_shows(
    client, coordinator, snapshots, query
):
    response = _as(client, coordinator).get(reverse("waitlists:network"), query)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'id="chart-network"' in response.content.decode()


def test_an_empty_network_page_says_so(client, coordinator):
    content = _as(client, coordinator).get(reverse("waitlists:network")).content.decode()
    assert 'id="no-waitlists"' in content and 'id="chart-network-summary"' in content


# --- coordination: allocation rounds --------------------------------------------------------


def test_proposing_a_round_needs_a_territory_and_a_category(client, coordinator, round_world):
    client.force_login(coordinator)
    response = client.post(reverse("waitlists:rounds"), {"territory": "x", "category": "nope"})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_territory_errors"' in content and 'id="id_category_errors"' in content
    assert not AllocationRound.objects.exists()


def test_a_round_is_proposed_compared_and_confirmed(client, coordinator, round_world):
    territory, term, _near, _far, cases = round_world
    client.force_login(coordinator)
    response = client.post(
        reverse("waitlists:rounds"), {"territory": str(territory.pk), "category": term.code}
    )
    round = AllocationRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("waitlists:round_detail", args=[round.pk])

    response = client.get(response["Location"])
    content = response.content.decode()
    assert response.status_code == 200
    for case in cases:
        assert f'data-code="{case.code}"' in content
    assert content.count('data-placed="yes"') == 2 and content.count('data-placed="no"') == 1
    methods = [row["method"] for row in response.context["comparison"]]
    assert methods == ["allocate", "fcfs", "greedy"]
    assert response.context["comparison"][0]["served"] == 2
    assert 'id="confirm-form"' in content and 'id="discard-form"' in content
    assert f'data-round="{round.pk}"' in client.get(reverse("waitlists:rounds")).content.decode()

    response = client.post(reverse("waitlists:round_confirm", args=[round.pk]))
    assert response.status_code == 302
    assert [tag for tag, _text in _messages(response)] == ["success"]
    round.refresh_from_db()
    assert round.status == RoundStatus.CONFIRMED
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 2

    # Read-only now: no buttons, and a second decision is a 409 on the round as it is now.
    already = gettext("This round was already confirmed or discarded.")
    content = client.get(reverse("waitlists:round_detail", args=[round.pk])).content.decode()
    assert 'id="confirm-form"' not in content and 'id="read-only"' in content
    response = client.post(reverse("waitlists:round_confirm", args=[round.pk]))
    assert response.status_code == 409
    assert [tag for tag, _text in _messages(response)] == ["error"]
    assert already in response.content.decode() and 'id="read-only"' in response.content.decode()
    response = client.post(reverse("waitlists:round_discard", args=[round.pk]))
    assert response.status_code == 409 and _last_message(response)[0] == "error"
    round.refresh_from_db()
    assert round.status == RoundStatus.CONFIRMED
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 2


def test_a_slot_taken_since_the_proposal_answers_409_naming_the_site_and_nothing_changes(
    client, coordinator, round_world
):
    territory, term, _near, far, _cases = round_world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    far.capacity = 0
    far.save()
    response = _as(client, coordinator).post(reverse("waitlists:round_confirm", args=[round.pk]))
    assert response.status_code == 409
    ((tag, text),) = _messages(response)
    assert tag == "error" and far.site.name in text
    assert 'id="confirm-form"' in response.content.decode()
    round.refresh_from_db()
    assert round.status == RoundStatus.PROPOSED
    assert not Enrolment.objects.exists()


def test_discarding_a_round_places_nobody(client, coordinator, round_world):
    territory, term, *_ = round_world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    response = _as(client, coordinator).post(reverse("waitlists:round_discard", args=[round.pk]))
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.status == RoundStatus.DISCARDED
    assert not Enrolment.objects.exists()
    content = client.get(reverse("waitlists:round_detail", args=[round.pk])).content.decode()
    assert 'id="confirm-form"' not in content
