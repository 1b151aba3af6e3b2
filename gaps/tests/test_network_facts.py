"""The database reader of the referral network: the facts of a period, read in one statement."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from gaps.network import (
    ACCEPTED_STATUSES,
    COMPLETED_STATUS,
    IN_SERVICE_STATUS,
    network_facts,
    network_indicators_for_period,
)
from gaps.network.binary_copy import decode_binary_copy


def test_the_status_names_are_referral_statuses():
    from matching.models import ReferralStatus

    assert {*ACCEPTED_STATUSES, COMPLETED_STATUS, IN_SERVICE_STATUS} <= set(ReferralStatus.values)
    assert ReferralStatus.REJECTED not in ACCEPTED_STATUSES


START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def referral_world(db):
    """One sending team, two providers, a bystander, and referrals covering every flag."""
    from accounts.models import Role
    from matching.models import Referral, ReferralEvent, ReferralStatus
    from tests.factories import (
        CaseFactory,
        OrganizationFactory,
        ServiceAtSiteFactory,
        user_with_role,
    )

    team, provider_1, provider_2, bystander = (OrganizationFactory() for _ in range(4))
    author = user_with_role(Role.CASEWORKER, organization=team)
    case = CaseFactory(organization=team)
    service_1 = ServiceAtSiteFactory(service__organization=provider_1).service
    service_2 = ServiceAtSiteFactory(service__organization=provider_2).service
    own_service = ServiceAtSiteFactory(service__organization=team).service
    t0 = START + timedelta(days=10)

    def referral(service, status, *, sent, due=None, answered=None, events=()):
        row = Referral.objects.create(
            case=case,
            service=service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=due,
            responded_at=answered,
        )
        for to_status, at in events:
            ReferralEvent.objects.create(referral=row, to_status=to_status, at=at)
        return row

    s = ReferralStatus
    rows = {
        # answered on time, first in service 2.5 days after sending (a later repeat is ignored)
        "completed": referral(
            service_1,
            s.COMPLETED,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(days=1),
            events=[
                (s.SENT, t0),
                (s.ACCEPTED, t0 + timedelta(days=1)),
                (s.IN_SERVICE, t0 + timedelta(days=4)),
                (s.IN_SERVICE, t0 + timedelta(days=2, hours=12)),
                (s.COMPLETED, t0 + timedelta(days=30)),
            ],
        ),
        # rejected two days after its deadline: overdue, not accepted
        "late_rejection": referral(
            service_1,
            s.REJECTED,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(days=5),
        ),
        # still unanswered, deadline before the period end: overdue
        "unanswered_due": referral(service_2, s.SENT, sent=t0, due=END - timedelta(days=1)),
        # still unanswered, deadline after the period end: not (yet) overdue
        "unanswered_not_due": referral(
            service_2, s.SENT, sent=END - timedelta(hours=2), due=END + timedelta(days=2)
        ),
        # accepted, then withdrawn by the team: the provider did accept it
        "withdrawn_after_yes": referral(
            service_2,
            s.WITHDRAWN,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(hours=5),
            events=[(s.ACCEPTED, t0 + timedelta(hours=5)), (s.WITHDRAWN, t0 + timedelta(days=6))],
        ),
        # a referral to the team's own service
        "self": referral(own_service, s.ACCEPTED, sent=t0, answered=t0),
    }
    # outside the period: before it, exactly at its (excluded) end, and never sent
    referral(service_1, s.SENT, sent=START - timedelta(seconds=1))
    referral(service_1, s.SENT, sent=END)
    referral(service_1, s.DRAFT, sent=None)
    return {
        "team": team.pk,
        "provider_1": provider_1.pk,
        "provider_2": provider_2.pk,
        "bystander": bystander.pk,
        "rows": rows,
    }


@pytest.mark.django_db
def test_network_facts_reads_senders_receivers_and_flags_of_the_period(referral_world):
    from directory.models import Organization

    facts = network_facts(start=START, end=END)
    organizations = facts["organizations"]
    assert organizations == sorted(Organization.objects.values_list("pk", flat=True))
    assert referral_world["bystander"] in organizations

    rows = {
        (organizations[s], organizations[r], a, c, o, None if math.isnan(d) else d)
        for s, r, a, c, o, d in zip(
            facts["sender_index"].tolist(),
            facts["receiver_index"].tolist(),
            facts["accepted"].tolist(),
            facts["completed"].tolist(),
            facts["overdue"].tolist(),
            facts["days_to_attention"].tolist(),
            strict=True,
        )
    }
    team, p1, p2 = (referral_world[k] for k in ("team", "provider_1", "provider_2"))
    assert len(facts["sender_index"]) == 6  # the three outside [START, END) are left out
    assert rows == {
        # (sender, receiver, accepted, completed, overdue, days to first in_service)
        (team, p1, True, True, False, 2.5),
        (team, p1, False, False, True, None),
        (team, p2, False, False, True, None),
        (team, p2, False, False, False, None),
        (team, p2, True, False, False, None),
        (team, team, True, False, False, None),
    }


@pytest.mark.django_db
def test_network_indicators_for_a_period_combine_the_reader_and_the_core(referral_world):
    result = network_indicators_for_period(start=START, end=END)
    team, p1, p2, bystander = (
        referral_world[k] for k in ("team", "provider_1", "provider_2", "bystander")
    )
    # ties team->p1 and team->p2; the self-referral is no tie
    assert result.edges == 2
    assert result.self_referrals == 1
    assert result.referrals == 6
    assert bystander in result.isolated
    assert team not in result.isolated
    by_org = {o.organization: o for o in result.per_organization}
    # p2 received 3: 1 accepted (then withdrawn), 1 overdue -> 1/3 and 1/3
    assert by_org[p2].acceptance_rate == pytest.approx(1 / 3)
    assert by_org[p2].overdue_share == pytest.approx(1 / 3)
    assert by_org[team].sent == 6
    assert by_org[p1].median_days_to_attention == pytest.approx(2.5)
    # 2 of 6 overdue
    assert result.overdue_share == pytest.approx(2 / 6)
    assert result.median_days_to_attention == pytest.approx(2.5)
    json.dumps(result.as_dict(), allow_nan=False)


def test_network_facts_refuses_naive_or_empty_ranges():
    with pytest.raises(ValueError, match="timezone-aware"):
        network_facts(start=datetime(2026, 1, 1), end=END)
    with pytest.raises(ValueError, match="must be before"):
        network_facts(start=END, end=START)


@pytest.mark.django_db
def test_an_attention_stamped_before_sending_counts_as_immediate_not_negative():
    # Imported history with skewed clocks: in service an hour before sent_at -> 0 days, and a
    # referral never in service stays NaN (greatest() alone would have turned it into 0 too).
    from accounts.models import Role
    from matching.models import Referral, ReferralEvent, ReferralStatus
    from tests.factories import CaseFactory, ServiceAtSiteFactory, user_with_role

    case = CaseFactory()
    service = ServiceAtSiteFactory().service
    author = user_with_role(Role.CASEWORKER, organization=case.organization)
    sent = START + timedelta(days=1)
    skewed, _never_attended = (
        Referral.objects.create(
            case=case, service=service, status=status, created_by=author, sent_at=sent
        )
        for status in (ReferralStatus.IN_SERVICE, ReferralStatus.SENT)
    )
    ReferralEvent.objects.create(
        referral=skewed, to_status=ReferralStatus.IN_SERVICE, at=sent - timedelta(hours=1)
    )
    facts = network_facts(start=START, end=END)
    days = sorted(facts["days_to_attention"].tolist(), key=math.isnan)  # NaN last
    assert days[0] == 0.0
    assert math.isnan(days[1])
    assert sorted(facts["accepted"].tolist()) == [False, True]


def test_a_binary_copy_stream_of_another_shape_is_refused():
    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    with pytest.raises(RuntimeError, match="not a PostgreSQL binary COPY"):
        decode_binary_copy(b"COPY" + bytes(30))
    with pytest.raises(RuntimeError, match="fixed width"):
        decode_binary_copy(header + b"\x00\x06" + bytes(10) + b"\xff\xff")
    # a NULL (-1) where a length of 8 is expected, in a row of the right width
    row = bytearray(45)
    row[0:2] = (6).to_bytes(2, "big")
    for offset, length in ((2, 4), (10, 4), (18, 1), (23, 1), (28, 1)):
        row[offset : offset + 4] = length.to_bytes(4, "big")
    row[33:37] = (-1).to_bytes(4, "big", signed=True)
    with pytest.raises(RuntimeError, match="days_len"):
        decode_binary_copy(header + bytes(row) + b"\xff\xff")
    row[33:37] = (8).to_bytes(4, "big")
    assert len(decode_binary_copy(header + bytes(row) + b"\xff\xff")) == 1
