"""A year of the whole network's history, so every chart and list shows its shape on day one.

The demo caseworkers' cases (``demo.cases``) are two teams' work. The coordinator's
waitlists, the referral network and the planners' trends are the whole network's:
``demo_history_load`` draws what the network's other teams referred over the past
``days`` (and a warm-up before, so the first day already has queues), simulating
each service's slots day by day the way the product moves them:

* a referral is sent, answered by the provider within a time typical of its
  organization (some late, some rejected, some withdrawn or expired);
* an accepted one is placed: enrolled at its site if a slot is free, else on the
  service's waitlist (``waitlists.services.referral_place``);
* a slot freed (an enrolment ended, capacity added) is offered to the first of the
  queue by risk and waiting time; the family accepts, declines or lets it expire
  after ``WAITLIST_OFFER_HOURS`` (``slot_offer_next``, ``slot_offer_answer``);
* children on a queue sometimes leave it; enrolments end completed, dropped out or
  moved.

A few services are under pressure (more demand than slots: their queues of 5-40
children are what the coordinator works on), the others are not; a quarter of the
sites grew their capacity during the year. What is still happening today stays so:
children waiting, offers awaiting an answer, referrals awaiting one.

Each app writes its own part with ``bulk_create`` (``cases.demo.network``,
``matching.demo.network``, ``waitlists.demo``), then the nightly figures of every
past day are computed from those records (``waitlists.demo.demo_waitlists_history``,
``gaps.demo.demo_gaps_history``). Deterministic for a seed and a demo map.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.demo.network import network_account, network_cases_write
from demo.history.model import WARM_UP_DAYS, DemoHistorySummary, _Network
from demo.history.simulation import _Simulation
from directory.demo import Progress
from matching.demo.network import network_referrals_write
from matching.services import priority_recompute
from waitlists.demo import demo_waitlists_history, network_placements_write
from waitlists.models import EntryStatus, OfferStatus, WaitlistEntry


@transaction.atomic
def demo_history_load(
    *, seed: int, days: int = 365, now: datetime | None = None, progress: Progress | None = None
) -> DemoHistorySummary:
    """The network's past ``days`` (see the module), then the nightly figures of each day.

    Needs the demo municipality; run after ``demo_cases_load`` (it leaves the slots the
    demo's own children hold to them) and before today's nightly figures
    (``demo_waitlists_snapshot``, ``demo_gaps_load``), then ``demo_gaps_history``.
    """
    summary = DemoHistorySummary()
    if days <= 0:
        return summary
    now = now or timezone.now()
    rng = random.Random(f"{seed}-history")
    start = -float(days + WARM_UP_DAYS)
    network = _Network(rng=rng, now=now, start=start)
    if not network.teams or not network.services:
        return summary
    simulation = _Simulation(rng=rng, network=network, now=now, start=start)
    simulation.choose()
    simulation.run(progress)
    # A case whose every referral was drawn away (its child too old by now) is not kept.
    referred = sorted({r.case for r in simulation.referrals})
    keep = {old: new for new, old in enumerate(referred)}
    cases = [simulation.cases[i] for i in referred]
    for referral in simulation.referrals:
        referral.case = keep[referral.case]
    providers = sorted({s.organization_id for s in network.services}, key=str)
    actor = network_account(teams=network.teams, providers=providers)
    written = network_cases_write(cases=cases, actor=actor)
    if progress:
        progress("history", 1)
    referral_ids = network_referrals_write(
        referrals=simulation.referrals,
        case_ids=[c.id for c in written],
        need_ids=[c.need_ids for c in written],
        consent_ids=[c.consent_id for c in written],
        actor=actor,
    )
    order = sorted(simulation.placements)
    network_placements_write(
        placements=[simulation.placements[i] for i in order],
        referral_ids=referral_ids,
        case_ids=[written[r.case].id for r in simulation.referrals],
        service_ids=[r.service_id for r in simulation.referrals],
        actor=actor,
    )
    priority_recompute(case_ids=[c.id for c in written])
    summary.cases = len(written)
    summary.referrals = len(referral_ids)
    summary.waiting = WaitlistEntry.objects.filter(
        status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
    ).count()
    summary.pending_offers = sum(
        1
        for p in simulation.placements.values()
        for o in p.offers
        if o.status == OfferStatus.PENDING
    )
    summary.waitlist_snapshots = demo_waitlists_history(
        today=timezone.localdate(now), days=days, capacity_before=simulation.capacity_before
    )
    summary.capacity_before = dict(simulation.capacity_before)
    return summary


__all__ = ["DemoHistorySummary", "demo_history_load"]
