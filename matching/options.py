"""The matching engine: eligible services for a child, ranked, each with its reasons.

Hard filters (a service failing one is listed as excluded, with the rule it fails):
every eligibility rule of the directory, the service's status (only active services
are candidates) and its service area (through the eligibility rules).

Ranking: a weighted sum of components in [0, 1], each shown as a sentence with its
points, so a caseworker can see why one option comes before another.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import RISK_BANDS, Case, CaseNeed, NeedStatus
from directory.capacity import CapacityStatus
from directory.eligibility import (
    EligibilityCandidate,
    eligibility_age_sentence,
    eligibility_failures,
)
from directory.models import ServiceAtSite
from directory.selectors import (
    eligibility_service_areas,
    format_distance,
    service_at_site_nearest,
    territory_lineage_ids,
    territory_lineage_ids_many,
)
from directory.selectors.capacity import CapacityState, service_at_site_capacity_states
from matching.hooks import free_slots_of
from matching.models import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from matching.responsiveness import service_responsiveness

# Points each component can contribute at most; they sum to 100 without the model.
WEIGHTS = {
    "needs": 30.0,
    "distance": 25.0,
    "availability": 20.0,
    "responsiveness": 15.0,
    "continuity": 10.0,
    "completion": 20.0,
}
# Distance at which the distance component is worth half: a 20-minute walk.
DISTANCE_HALF_M = 1600.0
WALK_M_PER_MIN = 80.0  # 4.8 km/h
# Nearest service-at-sites looked at; enough for a full page of eligible and excluded
# options even where most nearby services fail some rule.
CANDIDATES = 60


@dataclass(frozen=True)
class Reason:
    code: str
    points: float
    sentence: str


@dataclass
class ReferralOption:
    service_at_site: ServiceAtSite
    distance_m: float
    score: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    excluded_because: list[str] = field(default_factory=list)
    free_slots: int = 0
    completion_probability: float | None = None
    capacity: CapacityState | None = None

    @property
    def service_id(self) -> UUID:
        return self.service_at_site.service_id


@dataclass(frozen=True)
class ReferralOptions:
    case: Case
    need: CaseNeed | None
    eligible: list[ReferralOption]
    excluded: list[ReferralOption]


def _candidate(*, case: Case, territory_ids: frozenset[UUID]) -> EligibilityCandidate:
    return EligibilityCandidate(
        age_years=case.age_years(),
        sex=case.sex,
        risk_level=case.risk_level,
        territory_ids=territory_ids,
        has_judicial_order=case.has_judicial_order,
    )


def case_eligibility_candidate(*, case: Case) -> EligibilityCandidate:
    """What the directory's eligibility rules need to know about the case's child."""
    return _candidate(
        case=case, territory_ids=territory_lineage_ids(territory_id=case.territory_id)
    )


def case_eligibility_candidates(*, cases: Iterable[Case]) -> dict[UUID, EligibilityCandidate]:
    """``case_eligibility_candidate`` for many cases, by case id, in one query."""
    rows = list(cases)
    lineage = territory_lineage_ids_many(territory_ids={c.territory_id for c in rows})
    return {c.pk: _candidate(case=c, territory_ids=lineage[c.territory_id]) for c in rows}


def free_slots_for(*, service_at_sites: Iterable[ServiceAtSite]) -> dict[UUID, int]:
    """Free slots per service-at-site: capacity less enrolments and slots held by offers.

    The taken part is counted by ``waitlists`` through ``matching.hooks``.
    """
    rows = list(service_at_sites)
    free = free_slots_of(service_at_site_ids=[row.pk for row in rows])
    return free if free is not None else {row.pk: max(row.capacity, 0) for row in rows}


def _availability(option: ReferralOption) -> Reason:
    """Availability by the capacity status (``directory.capacity``), said in a sentence."""
    state = option.capacity
    status = state.status if state is not None else ""
    wait = state.wait_sentence if state is not None else ""
    weight = WEIGHTS["availability"]
    if status == CapacityStatus.ASSESSMENT_REQUIRED:
        return Reason(
            "availability",
            weight * 0.5,
            " ".join(filter(None, [_("The service assesses the child first."), wait])),
        )
    if status == CapacityStatus.WAITLIST:
        return Reason(
            "availability",
            weight * 0.3,
            " ".join(filter(None, [_("No free slots: the child would join its waitlist."), wait])),
        )
    if option.free_slots > 0:
        return Reason(
            "availability",
            weight,
            ngettext("%(n)s free slot.", "%(n)s free slots.", option.free_slots)
            % {"n": option.free_slots},
        )
    if status == CapacityStatus.HAS_CAPACITY:  # the provider's word: Puente holds no slots
        return Reason("availability", weight, _("Has capacity, as its provider declares."))
    return Reason("availability", weight * 0.2, _("No free slots now: the child would wait."))


def referral_options(
    *, case: Case, need: CaseNeed | None = None, limit: int = 10
) -> ReferralOptions:
    """Eligible services near the child for ``need`` (or any open need), best first.

    Also returns the nearby services that were excluded, each with its reasons.
    """
    open_needs = list(
        case.needs.filter(status__in=[NeedStatus.OPEN, NeedStatus.ADDRESSED]).select_related("term")
    )
    need_codes = {n.term.code for n in open_needs}
    if need is not None:
        need_codes.add(need.term.code)
    category = need.term.code if need is not None else None
    nearest: dict[UUID, tuple[ServiceAtSite, float]] = {}
    for sas, distance in service_at_site_nearest(
        point=case.home, category_code=category, limit=CANDIDATES
    ):
        nearest.setdefault(sas.service_id, (sas, distance))  # nearest site of each service
    if category is None and need_codes:
        nearest = {
            k: v for k, v in nearest.items() if need_codes & set(v[0].service.category_codes)
        }
    service_ids = list(nearest)
    areas = eligibility_service_areas(service_ids=service_ids)
    candidate = case_eligibility_candidate(case=case)
    # The case's referrals once (a handful): which services it already has a live
    # referral to, and which providers already work with the child.
    pending = {ReferralStatus.DRAFT, *ACTIVE_REFERRAL_STATUSES}
    continuing = {
        ReferralStatus.IN_SERVICE,
        ReferralStatus.COMPLETED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
    }
    already: dict[UUID, str] = {}
    continuing_orgs: set[UUID] = set()
    wanted = set(service_ids)
    for referred_id, status, organization_id in case.referrals.filter(
        status__in=pending | continuing
    ).values_list("service_id", "status", "service__organization_id"):
        if status in pending and referred_id in wanted:
            already[referred_id] = status
        if status in continuing:
            continuing_orgs.add(organization_id)
    free = free_slots_for(service_at_sites=[sas for sas, _d in nearest.values()])
    capacities = service_at_site_capacity_states(
        service_at_sites=[sas for sas, _d in nearest.values()]
    )
    rates = service_responsiveness(service_ids=service_ids)
    from matching.completion import completion_model_active, completion_probability

    model = completion_model_active()

    eligible: list[ReferralOption] = []
    excluded: list[ReferralOption] = []
    for service_id, (sas, distance) in nearest.items():
        service = sas.service
        option = ReferralOption(service_at_site=sas, distance_m=distance)
        eligibility = getattr(service, "eligibility", None)
        if eligibility is not None:
            failures = eligibility_failures(
                eligibility=eligibility,
                candidate=candidate,
                service_area_ids=areas.get(eligibility.pk, set()),
            )
            option.excluded_because = [f.reason for f in failures]
        if service_id in already:
            option.excluded_because.append(
                _("The case already has a referral to this service (%(status)s).")
                % {"status": ReferralStatus(already[service_id]).label}
            )
        if option.excluded_because:
            excluded.append(option)
            continue
        option.free_slots = free.get(sas.pk, 0)
        option.capacity = capacities.get(sas.pk)
        covered = need_codes & set(service.category_codes)
        rate = rates[service_id]
        reasons = [
            Reason(
                "needs",
                WEIGHTS["needs"] * (len(covered) / max(len(need_codes), 1)),
                ngettext(
                    "Covers %(n)s of the child's %(total)s need.",
                    "Covers %(n)s of the child's %(total)s needs.",
                    max(len(need_codes), 1),
                )
                % {"n": len(covered), "total": max(len(need_codes), 1)},
            ),
            Reason(
                "distance",
                WEIGHTS["distance"] * DISTANCE_HALF_M / (DISTANCE_HALF_M + distance),
                _("%(minutes)s min walk / %(distance)s.")
                % {
                    "minutes": max(1, math.ceil(distance / WALK_M_PER_MIN)),
                    "distance": format_distance(distance),
                },
            ),
            _availability(option),
            Reason(
                "responsiveness",
                WEIGHTS["responsiveness"] * (rate.acceptance + rate.completion) / 2,
                (
                    _("Answers referrals in %(days)s days on average; accepts %(pct)s%%.")
                    % {
                        "days": max(1, round(rate.mean_answer_days)),
                        "pct": round(100 * rate.acceptance),
                    }
                )
                if rate.mean_answer_days is not None
                else _("New to referrals: assumed to answer like the network's average."),
            ),
        ]
        age_sentence = eligibility_age_sentence(eligibility=eligibility)
        if age_sentence:
            reasons.append(Reason("eligibility", 0.0, age_sentence))
        if service.organization_id in continuing_orgs:
            reasons.append(
                Reason(
                    "continuity",
                    WEIGHTS["continuity"],
                    _("The provider already works with this child."),
                )
            )
        if model is not None:
            probability, sentence = completion_probability(
                model=model,
                features={
                    "distance_km": distance / 1000.0,
                    "free_slots": float(option.free_slots > 0),
                    "acceptance": rate.acceptance,
                    "completion": rate.completion,
                    "needs_covered": len(covered) / max(len(need_codes), 1),
                    "continuity": float(service.organization_id in continuing_orgs),
                    "risk_band": float(RISK_BANDS.index(case.risk_level)),
                    "age": float(case.age_years()),
                },
            )
            option.completion_probability = probability
            reasons.append(Reason("completion", WEIGHTS["completion"] * probability, sentence))
        option.reasons = sorted(reasons, key=lambda r: -r.points)
        option.score = round(sum(r.points for r in reasons), 1)
        eligible.append(option)
    # Ties (same score) go to the nearer service, then by name, so the list is stable.
    eligible.sort(key=lambda o: (-o.score, o.distance_m, o.service_at_site.service.name))
    excluded.sort(key=lambda o: o.distance_m)
    return ReferralOptions(
        case=case, need=need, eligible=eligible[:limit], excluded=excluded[:limit]
    )
