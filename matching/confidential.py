"""Who in a case may see a confidential site's exact point: its case team, once the
provider has accepted the child's referral there (``directory.confidential``)."""

from __future__ import annotations

from typing import Any

from cases.selectors import case_team_organization_ids
from directory.models import Site
from matching.models import Referral, ReferralStatus

# From acceptance on: the family has to be told where to go.
ACCEPTED_STATUSES = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITING,
    ReferralStatus.IN_SERVICE,
    ReferralStatus.COMPLETED,
)


def referral_grants_exact_location(user: Any, site: Site) -> bool:
    teams = case_team_organization_ids(user=user)
    if not teams:
        return False
    return Referral.objects.filter(
        service_at_site__site=site,
        status__in=ACCEPTED_STATUSES,
        case__organization_id__in=teams,
    ).exists()


def options_redact_for(*, user: Any, options: Any, home: Any) -> None:
    """Referral options as ``user`` may see them: a confidential site they may not see
    exactly (no accepted referral there yet) shows its published area, a coarse
    distance from the child's home and no walking time to the metre."""
    from django.utils.translation import gettext as _

    from directory.confidential import (
        AREA_RADIUS_M,
        public_distance_m,
        site_exact_location_allowed,
        site_redact,
    )
    from directory.selectors import format_distance
    from matching.options import DISTANCE_HALF_M, WEIGHTS, Reason

    allowed: dict[Any, bool] = {}
    for option in [*options.eligible, *options.excluded]:
        site = option.service_at_site.site
        if not site.confidential:
            continue
        if site.pk not in allowed:
            allowed[site.pk] = site_exact_location_allowed(user=user, site=site)
        if allowed[site.pk]:
            continue
        option.distance_m = (
            public_distance_m(site=site, near=home, true_distance_m=option.distance_m)
            if home is not None
            else AREA_RADIUS_M
        )
        site_redact(site)
        # The distance component's points (and so the score) would give the distance
        # back to the metre: shown as the coarse distance's. The order stays the true one.
        coarse_points = (
            WEIGHTS["distance"] * DISTANCE_HALF_M / (DISTANCE_HALF_M + option.distance_m)
        )
        reasons = []
        for reason in option.reasons:
            if reason.code == "distance":
                option.score = round(option.score - reason.points + coarse_points, 1)
                reason = Reason(
                    reason.code,
                    coarse_points,
                    _("About %(distance)s (confidential location).")
                    % {"distance": format_distance(option.distance_m)},
                )
            reasons.append(reason)
        option.reasons = reasons
