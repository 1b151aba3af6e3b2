"""How a service answers its referrals: smoothed acceptance and completion rates.

Both the matching engine (``matching.options``) and the completion model
(``matching.completion``) read these rates, so they live apart from both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import connection

from matching.models import ReferralStatus

# Bayesian smoothing of a provider's rates: as if it had this many answered
# referrals at the network's prior rate, so a new provider is not punished.
PRIOR_WEIGHT = 5.0
PRIOR_ACCEPTANCE = 0.7
PRIOR_COMPLETION = 0.6

ACCEPTED_STATUSES = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITING,
    ReferralStatus.IN_SERVICE,
    ReferralStatus.COMPLETED,
    ReferralStatus.NO_SHOW,
)


@dataclass(frozen=True)
class Responsiveness:
    acceptance: float
    completion: float
    answered: int
    mean_answer_days: float | None


# Counts and the mean answer time in one pass over the services' answered referrals.
_RESPONSIVENESS_SQL = """
SELECT service_id,
       count(*),
       count(*) FILTER (WHERE status = ANY(%(accepted)s)),
       count(*) FILTER (WHERE status = %(completed)s),
       count(*) FILTER (WHERE status = ANY(%(finished)s)),
       avg(EXTRACT(EPOCH FROM (responded_at - sent_at))) FILTER (WHERE sent_at IS NOT NULL)
           / 86400.0
FROM matching_referral
WHERE service_id = ANY(%(ids)s) AND responded_at IS NOT NULL
GROUP BY service_id
"""


def service_responsiveness(*, service_ids: Iterable[UUID]) -> dict[UUID, Responsiveness]:
    """Smoothed acceptance and completion rates from the services' past referrals."""
    ids = list(service_ids)
    found: dict[UUID, Responsiveness] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _RESPONSIVENESS_SQL,
            {
                "ids": ids,
                "accepted": [str(s) for s in ACCEPTED_STATUSES],
                "completed": str(ReferralStatus.COMPLETED),
                # Accepted referrals that have ended, well or not.
                "finished": [str(ReferralStatus.COMPLETED), str(ReferralStatus.NO_SHOW)],
            },
        )
        for service_id, answered, accepted, completed, finished, days in cursor.fetchall():
            found[service_id] = Responsiveness(
                acceptance=(accepted + PRIOR_WEIGHT * PRIOR_ACCEPTANCE) / (answered + PRIOR_WEIGHT),
                completion=(completed + PRIOR_WEIGHT * PRIOR_COMPLETION)
                / (finished + PRIOR_WEIGHT),
                answered=answered,
                mean_answer_days=float(days) if days is not None else None,
            )
    for service_id in ids:
        found.setdefault(
            service_id,
            Responsiveness(
                acceptance=PRIOR_ACCEPTANCE,
                completion=PRIOR_COMPLETION,
                answered=0,
                mean_answer_days=None,
            ),
        )
    return found
