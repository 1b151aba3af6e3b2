"""A fresh install's charts show a year: the network's history the demo draws (demo/history.py)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.demo.network import NETWORK_USERNAME
from cases.models import Case
from demo.history import demo_history_load
from directory.models import ServiceAtSite
from gaps.demo import demo_gaps_history
from gaps.models import GapCell, GapSnapshot, ManagementReport
from matching.models import Referral, ReferralEvent, ReferralStatus
from waitlists.models import (
    ACTIVE_ENTRY_STATUSES,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistSnapshot,
)
from waitlists.selectors import waitlist_history

pytestmark = pytest.mark.django_db


def _network(model, field="case"):
    return model.objects.filter(**{f"{field}__caseworker__username": NETWORK_USERNAME})


def test_a_fresh_demo_charts_a_year_of_gaps_waitlists_and_referrals(client):
    out = StringIO()
    call_command("demo_municipality", "--seed", "2026", verbosity=0, stdout=out)
    assert "Network history, 365 days" in out.getvalue()
    today = timezone.localdate()

    # Trends: a gap inventory for (nearly) every day of the year, each with its cells.
    days = set(GapSnapshot.objects.values_list("day", flat=True))
    assert len(days) >= 300
    assert min(days) <= today - timedelta(days=300) and max(days) == today
    assert not GapSnapshot.objects.annotate(n=Count("cells")).filter(n=0).exists()

    # Waitlists: dozens of children waiting, on several services of 5 to 40 each, some
    # offered a freed slot they have not answered yet.
    waiting = (
        WaitlistEntry.objects.filter(status__in=ACTIVE_ENTRY_STATUSES)
        .values("service_id")
        .annotate(n=Count("id"))
    )
    sizes = sorted((row["n"] for row in waiting), reverse=True)
    assert sum(sizes) > 50
    assert len([n for n in sizes if 5 <= n <= 40]) >= 5 and max(sizes) <= 40
    pending = SlotOffer.objects.filter(status=OfferStatus.PENDING)
    assert pending.exists()
    assert pending.filter(expires_at__gt=timezone.now()).count() == pending.count()
    assert not pending.exclude(entry__status=EntryStatus.OFFERED).exists()
    # Waits differ from one service to another, and so do they over the year.
    medians = WaitlistSnapshot.objects.filter(day=today, waiting__gt=0).values_list(
        "median_wait_days", flat=True
    )
    assert len(set(medians)) >= 5
    totals = [int(str(row["waiting"])) for row in waitlist_history(days=365)]
    assert len(totals) >= 300 and max(totals) > min(totals)

    # The records are the product's: slots never over capacity, every referral with its
    # event log, time running forward.
    taken = Counter(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).values_list(
            "service_at_site_id", flat=True
        )
    )
    taken.update(pending.values_list("service_at_site_id", flat=True))
    capacity = dict(ServiceAtSite.objects.values_list("pk", "capacity"))
    assert all(n <= capacity[site] for site, n in taken.items())
    # A child waits only where its service has no free slot at its site.
    full = {site for site, n in taken.items() if n >= capacity[site]}
    assert (
        set(
            WaitlistEntry.objects.filter(
                status=EntryStatus.WAITING, referral__isnull=False
            ).values_list("referral__service_at_site_id", flat=True)
        )
        <= full
    )
    network = _network(Referral)
    assert network.count() > 1000
    assert not network.annotate(n=Count("events")).filter(n=0).exists()
    assert not network.filter(responded_at__lt=F("sent_at")).exists()
    assert not network.filter(closed_at__lt=F("sent_at")).exists()
    assert not network.filter(status=ReferralStatus.COMPLETED, feedback="").exists()
    assert not network.filter(status=ReferralStatus.REJECTED, rejection_reason="").exists()
    assert (
        not ReferralEvent.objects.filter(referral__in=network, from_status="")
        .exclude(to_status=ReferralStatus.DRAFT)
        .exists()
    )
    # Nothing of the network is left overdue for the coordinator: answered, if late.
    assert not network.filter(status=ReferralStatus.SENT, response_due__lt=timezone.now()).exists()
    assert set(network.values_list("status", flat=True)) >= {
        ReferralStatus.COMPLETED,
        ReferralStatus.IN_SERVICE,
        ReferralStatus.WAITING,
        ReferralStatus.REJECTED,
        ReferralStatus.WITHDRAWN,
    }
    in_service = network.filter(status=ReferralStatus.IN_SERVICE)
    assert (
        in_service.count()
        == Enrolment.objects.filter(referral__in=in_service, status=EnrolmentStatus.ACTIVE).count()
    )
    assert (
        network.filter(status=ReferralStatus.WAITING).count()
        == WaitlistEntry.objects.filter(
            referral__in=network, status__in=ACTIVE_ENTRY_STATUSES
        ).count()
    )
    sent = network.filter(sent_at__isnull=False)
    assert sent.filter(sent_at__lt=timezone.now() - timedelta(days=300)).exists()
    # Every referral's child is a child, living where its case says.
    ages = [c.age_years() for c in Case.objects.all()]
    assert min(ages) >= 0 and max(ages) <= 17
    # The account the history is recorded by cannot sign in.
    account = User.objects.get(username=NETWORK_USERNAME)
    assert not account.is_active and not account.has_usable_password()

    # The pages: the planner's trends and the coordinator's waitlists chart a year.
    planner = User.objects.get(username="planificador")
    client.force_login(planner)
    page = client.get(reverse("gaps:trends"))
    assert page.status_code == 200
    for block in page.context["charts"]:
        assert len({day for day, _values in block["table"]}) >= 300
        assert len(block["chart"].rows) >= 300
    assert len(page.context["equity"]["gini"]["table"]) >= 300
    # The accessibility and the waits moved during the year: not a flat line.
    accessibility = [values[0] for _day, values in page.context["charts"][0]["table"]]
    assert len(set(accessibility)) > 1
    network_page = client.get(reverse("gaps:network"))
    assert network_page.status_code == 200
    block = network_page.context["period_block"]
    assert len(block["organizations"]) >= 10 and len(block["graph"].edges) >= 10
    assert ManagementReport.objects.count() == 4

    coordinator = User.objects.get(username="coordinador")
    client.force_login(coordinator)
    page = client.get(reverse("waitlists:network"), {"days": 365})
    assert page.status_code == 200
    assert len(page.context["charts"][0].rows) >= 300
    summary = page.context["summary"]
    assert sum(row.waiting for row in summary) > 50
    assert len([row for row in summary if row.waiting >= 5]) >= 5
    # Its data endpoint too, page after page.
    url, rows = reverse("waitlists-api:waitlist-history") + "?days=365&page_size=200", []
    while url:
        api = client.get(url)
        assert api.status_code == 200
        rows += api.json()["results"]
        url = api.json()["next"]
    assert len({row["day"] for row in rows}) >= 300


def _wipe_network() -> None:
    account = User.objects.get(username=NETWORK_USERNAME)
    cases = Case.objects.filter(caseworker=account)
    SlotOffer.objects.filter(entry__case__in=cases).delete()
    WaitlistEvent.objects.filter(case__in=cases).delete()
    WaitlistEntry.objects.filter(case__in=cases).delete()
    Enrolment.objects.filter(case__in=cases).delete()
    ReferralEvent.objects.filter(referral__case__in=cases).delete()
    Referral.objects.filter(case__in=cases).delete()
    cases.delete()
    WaitlistSnapshot.objects.all().delete()


def _cells() -> list[tuple]:
    return sorted(
        GapCell.objects.values_list(
            "snapshot__day",
            "territory__code",
            "category__code",
            "slots",
            "accessibility",
            "active_needs",
            "waiting",
            "median_wait_days",
            "rejected_no_capacity",
        )
    )


def _history() -> list[tuple]:
    return sorted(
        Referral.objects.filter(case__caseworker__username=NETWORK_USERNAME).values_list(
            "case__code", "service__name", "status", "sent_at", "closed_at"
        )
    )


def test_the_same_seed_gives_the_same_history_and_its_figures():
    call_command(
        "demo_municipality",
        "--services",
        "40",
        "--cases",
        "20",
        "--seed",
        "3",
        "--history-days",
        "0",
        verbosity=0,
    )
    assert not Case.objects.filter(caseworker__username=NETWORK_USERNAME).exists()
    now = timezone.now()
    first = demo_history_load(seed=3, days=60, now=now)
    assert first.cases and first.waitlist_snapshots
    today = timezone.localdate(now)
    assert (
        demo_gaps_history(today=today, days=60, seed=3, capacity_before=first.capacity_before) == 59
    )
    cells = _cells()
    drawn = _history()
    past = WaitlistSnapshot.objects.filter(day__lt=timezone.localdate(now))
    queues = sorted(past.values_list("day", "service__name", "waiting"))
    _wipe_network()
    again = demo_history_load(seed=3, days=60, now=now)
    assert (again.cases, again.referrals, again.waiting) == (
        first.cases,
        first.referrals,
        first.waiting,
    )
    assert _history() == drawn
    assert sorted(past.values_list("day", "service__name", "waiting")) == queues
    demo_gaps_history(today=today, days=60, seed=3, capacity_before=again.capacity_before)
    assert _cells() == cells
