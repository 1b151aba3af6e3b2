"""The demo caseworker's cases, along a case's path through the apps.

One case at a time, each app's loader doing its own part before the next case is
drawn: ``cases.demo`` draws the case (its needs, consent and alerts),
``matching.demo`` refers its needs, taking slots through ``waitlists.demo``'s moves,
and ``cases.demo`` closes it if its plan is done; ``demo.stages`` then brings a few to
every stage of a case's path. All of them draw from one
``random.Random(seed)`` in this order, so a seed gives the same cases, codes
included; and a referral's options depend on the slots the earlier ones took.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from cases.demo import CaseDrawer, case_maybe_close, demo_actors
from demo.stages import demo_stages_load
from directory.demo import Progress
from matching.demo import DemoReferrals
from notifications.models import Notification
from waitlists.demo import DemoSlotMoves

SECOND_TEAM_EVERY = 4


@dataclass
class DemoCasesSummary:
    cases: int = 0
    alerts: int = 0
    referrals: dict[str, int] = field(default_factory=dict)
    #: stage of a case's path → the case code that shows it (``demo.stages``)
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def referral_count(self) -> int:
        return sum(self.referrals.values())


@transaction.atomic
def demo_cases_load(*, count: int, seed: int, progress: Progress | None = None) -> DemoCasesSummary:
    """``count`` fictional cases of the demo caseworkers' teams, with their history.

    Needs the demo municipality and its users (``directory.demo``). Everything goes
    through the apps' services; timestamps are then moved to the past (see each
    loader). Ends with a full ``priority_recompute``.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    summary = DemoCasesSummary()
    if count == 0:
        return summary
    actors = demo_actors()
    rng = random.Random(seed)
    now = timezone.now()
    referrals = DemoReferrals(rng=rng, actors=actors, now=now, moves=DemoSlotMoves())
    drawer = CaseDrawer(rng=rng, actors=actors, now=now)
    started = timezone.now()
    case_ids: list[UUID] = []
    for i in range(count):
        # Every fourth case is the second team's (when there is one): few enough that
        # the first caseworker's pages stay full, enough that the second one's are not
        # empty. Chosen by position, not drawn, so a seed still gives the same cases.
        actors.team_choose(index=1 if i % SECOND_TEAM_EVERY == SECOND_TEAM_EVERY - 1 else 0)
        drawn = drawer.draw()
        case = drawn.case
        case_ids.append(case.pk)
        summary.alerts += drawn.alerts
        if drawn.workable:
            referrals.refer(case=case, always=drawn.target_code)
            ended = referrals.ended(case=case)
            if ended is not None:
                case_maybe_close(
                    rng=rng,
                    actors=actors,
                    case=case,
                    now=now,
                    plan_completed=ended.plan_completed,
                    last_ended=ended.last_ended,
                )
        if progress:
            progress("cases", 1)
    # The generator's own notifications are history: only what still needs acting on
    # (new referrals awaiting an answer, and the overdue flags below) stays unread.
    Notification.objects.filter(created__gte=started).exclude(
        link__in=referrals.links_awaiting_answer(case_ids=case_ids)
    ).update(read_at=now)
    summary.referrals = referrals.finish(case_ids=case_ids)
    summary.cases = len(case_ids)
    summary.stages = demo_stages_load().stages
    return summary
