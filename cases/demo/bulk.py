"""Cases in bulk for the benchmarks: plain SQL, a million in about a minute.

``CasesBulk`` writes the cases, their needs, consents and alerts, and per chunk their
casework (reports, identities with duplicate keys, follow-ups, notes, partners:
``cases.demo.bulk_casework``) with INSERT … SELECT over the leaf territories (homes
from ``ST_GeneratePoints``, in proportion to their child population). It bypasses
``cases.services`` on purpose: no events, no notifications, no priorities.
``demo.bulk.cases_bulk_generate`` runs it in the one transaction where the tables'
secondary indexes are dropped and rebuilt, then lets ``matching.demo.bulk`` add the
referrals, which read the temporary tables left here (``bulk_case``: the cases just
written; ``bulk_term``: the needs drawn).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from accounts.models import Role, User
from cases.demo.bulk_casework import CASEWORK_TABLES, casework_bulk_load
from cases.demo.records import CONSENT_GIVERS, MAX_AGE_DAYS, NEED_WEIGHTS, demo_username
from cases.models import CODE_ALPHABET, AlertType, CaseCloseReason, VulnerabilityFactor
from directory.demo import Progress
from directory.models import Organization, TaxonomyTerm, Territory

# Written here; their secondary indexes and foreign keys are dropped for the load
# (see ``demo.bulk``).
BULK_TABLES = (
    "matching_case",
    "matching_caseneed",
    "matching_consent",
    "matching_alert",
    *CASEWORK_TABLES,
)
# The one secondary index the load reads: each referral looks up its case's consent.
# (Unique indexes stay anyway: ON CONFLICT needs the code's, and a case's needs are
# found through the (case, term) one.)
BULK_KEEP_INDEXES = {("matching_consent", "case_id")}


class BulkRun(Protocol):
    """Runs one statement and returns its row count (``demo.bulk`` times each label)."""

    def __call__(self, cursor: Any, label: str, sql: str, params: Any = None) -> int: ...


# Leaf territories, each with how many homes go there and a seed for ST_GeneratePoints.
_HOMES_SQL = """
INSERT INTO bulk_home (g, territory_id, home)
SELECT %(base)s + row_number() OVER (ORDER BY a.ord, d.path[1]), a.territory_id, d.geom
FROM unnest(%(territories)s::uuid[], %(counts)s::int[], %(seeds)s::int[])
     WITH ORDINALITY AS a(territory_id, k, s, ord)
JOIN directory_territory t ON t.id = a.territory_id
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(t.geometry, a.k, a.s)) d
WHERE a.k > 0
"""

# Random attributes are drawn in an OFFSET 0 subquery (an optimization fence) so each
# random() is evaluated once per row and reused by the CASEs that depend on it.
_CASES_SQL = """
WITH src AS (
    SELECT x.*,
        CASE WHEN x.r_risk < 0.40 THEN 'low' WHEN x.r_risk < 0.75 THEN 'moderate'
             WHEN x.r_risk < 0.93 THEN 'high' ELSE 'very_high' END AS risk_level,
        %(now)s - make_interval(secs => 86400 * 720 * power(x.r_requested, 1.6))
            AS requested_at
    FROM (
        SELECT h.g, h.territory_id, h.home,
               gen_random_uuid() AS id,
               random() AS r_risk, random() AS r_requested, random() AS r_urgent,
               random() AS r_status, random() AS r_closed, random() AS r_route,
               random() AS r_sex, random() AS r_alerts, random() AS r_admit,
               (%(today)s::date - (random() * %(max_age_days)s)::int) AS birth_date,
               ARRAY(SELECT f FROM unnest(%(factors)s::varchar[]) f
                     WHERE random() < 0.12 AND h.g IS NOT NULL)::varchar(30)[] AS factors
        FROM bulk_home h
        WHERE h.g > %(lo)s AND h.g <= %(hi)s
        ORDER BY h.g
        OFFSET 0
    ) x
),
ins AS (
    INSERT INTO matching_case (
        id, code, birth_date, sex, home, territory_id, risk_level, urgent_safety,
        vulnerability_factors, has_judicial_order, access_route, admissibility,
        admissibility_reason, status, close_reason, closed_at, requested_at, created,
        last_modified, priority_score, priority_components, priority_computed_at,
        multiple_alerts, caseworker_id, organization_id, priority_policy_id
    )
    SELECT s.id,
        'C-' || (SELECT string_agg(substr(%(alphabet)s,
                    (((((%(code_base)s + s.g) * %(code_mult)s) %% 1099511627776)
                      >> (5 * i)) & 31)::int + 1, 1), '' ORDER BY i DESC)
                 FROM generate_series(0, 7) i),
        s.birth_date,
        CASE WHEN s.r_sex < 0.49 THEN 'female' WHEN s.r_sex < 0.98 THEN 'male' ELSE 'other' END,
        s.home::geography,
        s.territory_id,
        s.risk_level,
        s.r_urgent < CASE s.risk_level WHEN 'very_high' THEN 0.3 WHEN 'high' THEN 0.05
                                       ELSE 0.004 END,
        s.factors,
        s.r_urgent > 0.96,
        CASE WHEN s.r_route < 0.8 THEN 'referral' WHEN s.r_route < 0.9 THEN 'self_referral'
             ELSE 'outreach' END,
        CASE WHEN s.r_admit < 0.93 OR s.r_status < 0.12 THEN 'admitted' ELSE 'pending' END,
        '',
        CASE WHEN s.r_status < 0.12 THEN 'closed' ELSE 'open' END,
        CASE WHEN s.r_status >= 0.12 THEN ''
             ELSE (%(close_reasons)s::varchar[])[1 + floor(s.r_closed * %(n_close)s)::int] END,
        CASE WHEN s.r_status < 0.12
             THEN s.requested_at + (%(now)s - s.requested_at) * s.r_closed END,
        s.requested_at, s.requested_at, %(now)s,
        0, '{}'::jsonb, NULL, false,
        %(caseworker)s,
        (%(teams)s::uuid[])[1 + s.g %% %(n_teams)s],
        NULL
    FROM src s
    ON CONFLICT (code) DO NOTHING
    RETURNING id, territory_id, risk_level, requested_at, status, closed_at, birth_date,
              sex, access_route, organization_id
)
INSERT INTO bulk_case (id, g, territory_id, home, risk_level, requested_at, status, closed_at,
                       birth_date, sex, access_route, organization_id, n_alerts)
SELECT ins.id, s.g, ins.territory_id, s.home, ins.risk_level, ins.requested_at, ins.status,
       ins.closed_at, ins.birth_date, ins.sex, ins.access_route, ins.organization_id,
       CASE WHEN s.r_alerts < 0.70 THEN 0 WHEN s.r_alerts < 0.92 THEN 1
            WHEN s.r_alerts < 0.98 THEN 2 ELSE 3 END
FROM ins JOIN src s ON s.id = ins.id
"""

# One to three needs per case, weighted sampling without replacement (Efraimidis & Spirakis,
# "Weighted random sampling with a reservoir", IPL 97(5), 2006): the k smallest
# -ln(u)/w. The lateral subquery refers to the case so it is drawn again per case.
_NEEDS_SQL = """
INSERT INTO matching_caseneed (id, status, note, created, case_id, term_id)
SELECT gen_random_uuid(), 'open', '', b.requested_at, b.id, t.term_id
FROM bulk_case b
CROSS JOIN LATERAL (
    SELECT w.term_id FROM bulk_term w
    WHERE b.id IS NOT NULL
    ORDER BY -ln(1.0 - random()) / w.weight
    LIMIT 1 + floor(random() * random() * 3)::int
) t
WHERE b.g > %(lo)s AND b.g <= %(hi)s
"""

_CONSENTS_SQL = """
INSERT INTO matching_consent (given_by, given_at, scopes, withdrawn_at, case_id, recorded_by_id)
SELECT (%(givers)s::varchar[])[1 + floor(random() * %(n_givers)s)::int],
       b.requested_at + interval '6 hours',
       ARRAY['referral', 'information_sharing']::varchar(30)[],
       NULL, b.id, %(caseworker)s
FROM bulk_case b
WHERE b.g > %(lo)s AND b.g <= %(hi)s AND random() < 0.9
"""

_ALERTS_SQL = """
INSERT INTO matching_alert (
    id, alert_type, severity, note, status, kinds, started_intake, created, acknowledged_at,
    acknowledged_by_id, raised_by_id, raised_by_organization_id, case_id
)
SELECT gen_random_uuid(), a.alert_type, a.severity, '', a.status, '{}', false, a.created,
       CASE WHEN a.status <> 'open' THEN a.created + interval '1 day' END,
       CASE WHEN a.status <> 'open' THEN %(caseworker)s END,
       %(caseworker)s, a.raised_by_organization_id, a.case_id
FROM (
    SELECT b.id AS case_id, k,
           (%(alert_types)s::varchar[])[1 + floor(random() * %(n_alert_types)s)::int]
               AS alert_type,
           b.risk_level AS severity,
           (%(raisers)s::uuid[])[1 + floor(random() * %(n_raisers)s)::int]
               AS raised_by_organization_id,
           CASE WHEN b.status = 'open'
                THEN greatest(b.requested_at, %(now)s - random() * interval '180 days')
                ELSE b.requested_at + (b.closed_at - b.requested_at) * random() END AS created,
           random() AS r_status
    FROM bulk_case b CROSS JOIN LATERAL generate_series(1, b.n_alerts) k
    WHERE b.g > %(lo)s AND b.g <= %(hi)s AND b.n_alerts > 0
    OFFSET 0
) x
CROSS JOIN LATERAL (
    SELECT x.case_id, x.alert_type, x.severity, x.raised_by_organization_id, x.created,
           CASE WHEN x.created > %(now)s - interval '30 days'
                THEN (CASE WHEN x.r_status < 0.5 THEN 'open' WHEN x.r_status < 0.9
                           THEN 'acknowledged' ELSE 'closed' END)
                ELSE (CASE WHEN x.r_status < 0.05 THEN 'open' WHEN x.r_status < 0.5
                           THEN 'acknowledged' ELSE 'closed' END) END AS status
) a
"""


# Multiplier for case codes: odd, so g ↦ g·M mod 2⁴⁰ is a bijection and the codes of
# one run are all different (40 bits = 8 characters of the 32-letter alphabet).
_CODE_MULTIPLIER = 0x5DEECE66D
_BULK_CLOSE_REASONS = [
    CaseCloseReason.PLAN_COMPLETED,
    CaseCloseReason.PLAN_COMPLETED,
    CaseCloseReason.MOVED_AWAY,
    CaseCloseReason.TRANSFERRED,
    CaseCloseReason.AGED_OUT,
    CaseCloseReason.FAMILY_DECLINED,
]
BULK_USERNAME = "gestora-generada"


def _bulk_actor(*, teams: Sequence[Organization]) -> User:
    """The caseworker the bulk cases and referrals are recorded by.

    The demo's caseworker if there is one; otherwise an account that cannot sign in.
    """
    from accounts.services import membership_grant

    user = User.objects.filter(username=demo_username(Role.CASEWORKER)).first()
    if user is None:
        user, created = User.objects.get_or_create(username=BULK_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    for team in teams:
        membership_grant(user=user, organization=team, role=Role.CASEWORKER)
    return user


def _allocate(*, total: int, weights: Sequence[int], rng: random.Random) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder, ties at random)."""
    weight_sum = sum(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), rng.random()))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass
class CasesBulk:
    """What the bulk load of ``count`` cases reads before its transaction, then the load."""

    count: int
    rng: random.Random
    leaves: list[tuple[UUID, int, int, int]]
    teams: list[Organization]
    raisers: list[UUID]
    # Organizations other than the case teams: other desks, partners on a case team.
    receivers: list[UUID]
    actor: User
    terms: list[tuple[UUID, str]]
    counts: list[int]

    @classmethod
    def prepare(cls, *, count: int, rng: random.Random) -> CasesBulk:
        """The leaf territories, teams and raisers, and the caseworker it is recorded by."""
        leaves = list(
            Territory.objects.filter(children__isnull=True)
            .order_by("code")
            .distinct()
            .values_list("pk", "children_0_5", "children_6_11", "children_12_17")
        )
        if not leaves:
            raise ValueError("No territories: generate the municipality first.")
        teams = list(Organization.objects.filter(sector="social_protection").order_by("name")[:20])
        if not teams:
            teams = list(Organization.objects.order_by("name")[:1])
        if not teams:
            raise ValueError("No organizations: generate the municipality first.")
        raisers = list(Organization.objects.order_by("name").values_list("pk", flat=True)[:200])
        team_ids = {t.pk for t in teams}
        receivers = [pk for pk in raisers if pk not in team_ids] or [t.pk for t in teams]
        actor = _bulk_actor(teams=teams)
        terms = list(
            TaxonomyTerm.objects.filter(code__in=list(NEED_WEIGHTS)).values_list("pk", "code")
        )
        counts = _allocate(
            total=count, weights=[max(a + b + c, 1) for _, a, b, c in leaves], rng=rng
        )
        return cls(
            count=count,
            rng=rng,
            leaves=leaves,
            teams=teams,
            raisers=raisers,
            receivers=receivers,
            actor=actor,
            terms=terms,
            counts=counts,
        )

    def load(
        self,
        *,
        cursor: Any,
        run: BulkRun,
        report: Progress,
        common: dict[str, Any],
        chunk_size: int,
    ) -> int:
        """Write the cases and what hangs from them; returns how many were inserted.

        ``common`` holds ``now``, ``today`` and ``caseworker`` (``self.actor``'s id).
        Leaves ``bulk_case`` and ``bulk_term`` for the referrals, dropped at commit.
        """
        count, rng, leaves, terms = self.count, self.rng, self.leaves, self.terms
        cursor.execute("SELECT count(*) FROM matching_case")
        code_base = int(cursor.fetchone()[0])  # codes of earlier runs are not reused
        cursor.execute(
            "CREATE TEMP TABLE bulk_home (g int PRIMARY KEY, territory_id uuid, "
            "home geometry(Point, 4326)) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bulk_case (id uuid PRIMARY KEY, g int UNIQUE, territory_id uuid, "
            "home geometry(Point, 4326), risk_level varchar(10), requested_at timestamptz, "
            "status varchar(10), closed_at timestamptz, birth_date date, sex varchar(10), "
            "access_route varchar(20), organization_id uuid, n_alerts int) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bulk_term (term_id uuid, code varchar(50), weight float) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO bulk_term SELECT * FROM unnest(%s::uuid[], %s::varchar[], %s::float[])",
            [
                [pk for pk, _code in terms],
                [code for _pk, code in terms],
                [float(NEED_WEIGHTS[code]) for _pk, code in terms],
            ],
        )
        run(
            cursor,
            "homes",
            _HOMES_SQL,
            {
                "base": 0,
                "territories": [pk for pk, *_ in leaves],
                "counts": self.counts,
                "seeds": [rng.randint(1, 2**31 - 1) for _ in leaves],
            },
        )
        cursor.execute("ANALYZE bulk_home")
        report("homes", count)
        inserted = 0
        for lo in range(0, count, chunk_size):
            hi = min(lo + chunk_size, count)
            params = {**common, "lo": lo, "hi": hi}
            inserted += run(
                cursor,
                "cases",
                _CASES_SQL,
                {
                    **params,
                    "max_age_days": MAX_AGE_DAYS,
                    "factors": list(VulnerabilityFactor.values),
                    "alphabet": CODE_ALPHABET,
                    "code_base": code_base,
                    "code_mult": _CODE_MULTIPLIER,
                    "close_reasons": [str(r) for r in _BULK_CLOSE_REASONS],
                    "n_close": len(_BULK_CLOSE_REASONS),
                    "teams": [t.pk for t in self.teams],
                    "n_teams": len(self.teams),
                },
            )
            run(cursor, "needs", _NEEDS_SQL, params)
            run(
                cursor,
                "consents",
                _CONSENTS_SQL,
                {**params, "givers": CONSENT_GIVERS, "n_givers": len(CONSENT_GIVERS)},
            )
            run(
                cursor,
                "alerts",
                _ALERTS_SQL,
                {
                    **params,
                    "alert_types": list(AlertType.values),
                    "n_alert_types": len(AlertType.values),
                    "raisers": self.raisers,
                    "n_raisers": len(self.raisers),
                },
            )
            casework_bulk_load(
                cursor=cursor, run=run, params=params, receivers=self.receivers, rng=rng
            )
            report("cases", hi - lo)
        cursor.execute("ANALYZE bulk_case")
        cursor.execute("ANALYZE matching_caseneed")
        cursor.execute("ANALYZE matching_consent")
        return inserted
