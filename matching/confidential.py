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
