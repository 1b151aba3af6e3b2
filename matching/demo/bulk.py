"""Referrals in bulk for the benchmarks: plain SQL over the cases ``cases.demo.bulk`` wrote.

Each referral picks a case, one of its needs, and a service offering that need near
the child; outcomes depend on distance and on a hidden "quality" of the service, so
the completion model has a signal to learn. No events, no notifications. Runs inside
``demo.bulk.cases_bulk_generate``'s transaction, after the cases: it reads the
temporary tables they left (``bulk_case``, ``bulk_term``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cases.demo import BulkRun
from directory.demo import Progress
from matching.demo.referrals import FEEDBACK, REJECTION_WEIGHTS
from matching.selectors import policy_current

# Written here; their secondary indexes and foreign keys are dropped for the load
# (see ``demo.bulk``).
BULK_TABLES = ("matching_referral",)

# Where each need can be referred: per (territory, category), the services at sites
# in that territory; per category, any in the municipality as a fallback.
_OFFERS_SQL = """
CREATE TEMP TABLE bulk_offer ON COMMIT DROP AS
SELECT site.territory_id, w.term_id,
       array_agg(sas.id ORDER BY sas.id) AS sas_ids, count(*)::int AS n
FROM directory_serviceatsite sas
JOIN directory_service s ON s.id = sas.service_id AND s.status = 'active'
JOIN directory_site site ON site.id = sas.site_id
JOIN bulk_term w ON w.code = ANY(s.category_codes)
GROUP BY site.territory_id, w.term_id;
CREATE INDEX ON bulk_offer (territory_id, term_id);
CREATE TEMP TABLE bulk_offer_any ON COMMIT DROP AS
SELECT term_id, array_agg(sas_id ORDER BY sas_id) AS sas_ids, count(*)::int AS n
FROM bulk_offer, unnest(sas_ids) sas_id GROUP BY term_id;
CREATE INDEX ON bulk_offer_any (term_id);
"""

# Past referrals: each picks a case, one of its needs, and a service offering that need
# near the child (same territory). Outcomes depend on distance and on a hidden
# "quality" of the service, so acceptance and completion rates differ between
# services and the completion model has a signal to learn.
_REFERRALS_SQL = """
WITH picked AS (
    SELECT b.id AS case_id, b.home, b.risk_level, b.requested_at, b.status = 'open' AS is_open,
           coalesce(b.closed_at, %(now)s) AS until, n.id AS need_id, sas.id AS sas_id,
           sas.service_id, ST_Distance(b.home::geography, site.point) / 1000.0 AS km,
           (hashtext(sas.service_id::text) & 1023) / 1023.0 AS quality,
           array_position(ARRAY['low', 'moderate', 'high', 'very_high'], b.risk_level::text) - 1
               AS band,
           date_part('year', age(%(today)s::date, b.birth_date)) AS age,
           random() AS r_when, random() AS r_status, random() AS r_done,
           random() AS r_answer, random() AS r_span, random() AS r_reason
    FROM (
        SELECT r, 1 + floor(random() * %(cases)s)::int AS case_g
        FROM generate_series(%(lo)s + 1, %(hi)s) r
        OFFSET 0
    ) draw
    JOIN bulk_case b ON b.g = draw.case_g
    CROSS JOIN LATERAL (
        SELECT n.id, n.term_id FROM matching_caseneed n
        WHERE n.case_id = b.id ORDER BY random() LIMIT 1
    ) n
    LEFT JOIN bulk_offer o ON o.territory_id = b.territory_id AND o.term_id = n.term_id
    JOIN bulk_offer_any oa ON oa.term_id = n.term_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN o.n IS NOT NULL
                    THEN o.sas_ids[1 + floor(random() * o.n)::int]
                    ELSE oa.sas_ids[1 + floor(random() * oa.n)::int] END AS id
    ) pick
    JOIN directory_serviceatsite sas ON sas.id = pick.id
    JOIN directory_site site ON site.id = sas.site_id
    OFFSET 0
),
timed AS (
    SELECT p.*,
        p.requested_at + (p.until - p.requested_at) * p.r_when AS sent_at,
        CASE p.risk_level WHEN 'very_high' THEN %(h_very_high)s WHEN 'high' THEN %(h_high)s
             WHEN 'moderate' THEN %(h_moderate)s ELSE %(h_low)s END AS hours,
        -- chance the child completes: lower far away, at weaker services, at higher
        -- risk and for adolescents (features the completion model can learn)
        1.0 / (1.0 + exp(-(1.6 - 0.35 * p.km + 2.0 * (p.quality - 0.5) - 0.5 * p.band
                           - 0.08 * p.age))) AS p_complete
    FROM picked p
),
decided AS (
    SELECT t.*,
        CASE
          WHEN t.is_open AND t.sent_at > %(now)s - interval '2 days'
            THEN (CASE WHEN t.r_status < 0.15 THEN 'draft' ELSE 'sent' END)
          WHEN t.is_open AND t.sent_at > %(now)s - interval '90 days' THEN (CASE
            WHEN t.r_status < 0.05 THEN 'sent'
            WHEN t.r_status < 0.12 THEN 'accepted'
            WHEN t.r_status < 0.20 THEN 'waiting'
            WHEN t.r_status < 0.50 THEN 'in_service'
            WHEN t.r_status < 0.50 + 0.25 * (1.1 - t.quality) THEN 'rejected'
            WHEN t.r_status < 0.82 THEN 'withdrawn'
            WHEN t.r_status < 0.86 THEN 'expired'
            WHEN t.r_done < t.p_complete THEN 'completed' ELSE 'no_show' END)
          ELSE (CASE
            WHEN t.r_status < 0.05 THEN 'expired'
            WHEN t.r_status < 0.05 + 0.25 * (1.1 - t.quality) THEN 'rejected'
            WHEN t.r_status < 0.38 THEN 'withdrawn'
            WHEN t.r_done < t.p_complete THEN 'completed' ELSE 'no_show' END)
        END AS status,
        -- responsive services answer fast, weak ones slowly
        make_interval(secs => 86400 * (0.1 + t.r_answer * (0.5 + 8 * (1 - t.quality))))
            AS answer_after
    FROM timed t
)
INSERT INTO matching_referral (
    id, status, shared_note, consent_override_reason, sent_at, response_due, responded_at,
    closed_at, rejection_reason, feedback, overdue_notified, created, last_modified, case_id,
    consent_id, created_by_id, need_id, service_id, service_at_site_id
)
SELECT gen_random_uuid(), d.status, '', '',
    CASE WHEN d.status <> 'draft' THEN d.sent_at END,
    CASE WHEN d.status <> 'draft' THEN d.sent_at + make_interval(hours => d.hours) END,
    CASE WHEN d.status IN ('draft', 'sent', 'expired') THEN NULL
         WHEN d.status = 'withdrawn' AND d.r_reason < 0.5 THEN NULL
         ELSE least(d.sent_at + d.answer_after, %(now)s) END,
    CASE d.status
         WHEN 'expired' THEN least(d.sent_at + make_interval(hours => d.hours)
                                   + interval '14 days', %(now)s)
         WHEN 'rejected' THEN least(d.sent_at + d.answer_after, %(now)s)
         WHEN 'withdrawn' THEN least(d.sent_at + d.answer_after * 2, %(now)s)
         WHEN 'no_show' THEN least(d.sent_at + d.answer_after
                                   + d.r_span * interval '30 days', %(now)s)
         WHEN 'completed' THEN least(d.sent_at + d.answer_after + interval '30 days'
                                     + d.r_span * interval '120 days', %(now)s)
    END,
    CASE WHEN d.status = 'rejected'
         THEN (%(rejections)s::varchar[])[1 + floor(d.r_reason * %(n_rejections)s)::int]
         ELSE '' END,
    CASE WHEN d.status = 'completed' THEN %(feedback)s ELSE '' END,
    d.status = 'sent' AND d.sent_at + make_interval(hours => d.hours) < %(now)s,
    d.sent_at - interval '1 hour',
    %(now)s,
    d.case_id,
    (SELECT c.id FROM matching_consent c WHERE c.case_id = d.case_id LIMIT 1),
    %(caseworker)s, d.need_id, d.service_id, d.sas_id
FROM decided d
"""

_NEEDS_STATUS_SQL = """
UPDATE matching_caseneed n SET status = v.status
FROM (
    SELECT r.need_id,
           CASE WHEN bool_or(r.status = 'completed') THEN 'met' ELSE 'addressed' END AS status
    FROM matching_referral r JOIN bulk_case b ON b.id = r.case_id
    WHERE r.status IN ('completed', 'sent', 'accepted', 'waiting', 'in_service')
    GROUP BY r.need_id
) v
WHERE n.id = v.need_id
"""


@dataclass
class ReferralsBulk:
    """``total`` past referrals, with the response deadlines of the policy in force."""

    total: int
    hours: dict[str, int]

    @classmethod
    def prepare(cls, *, total: int) -> ReferralsBulk:
        policy = policy_current()
        return cls(
            total=total,
            hours={
                "h_very_high": policy.response_hours_very_high,
                "h_high": policy.response_hours_high,
                "h_moderate": policy.response_hours_moderate,
                "h_low": policy.response_hours_low,
            },
        )

    def load(
        self,
        *,
        cursor: Any,
        run: BulkRun,
        report: Progress,
        common: dict[str, Any],
        chunk_size: int,
    ) -> None:
        """Write the referrals, then the needs they met or addressed."""
        # ``g`` is dense unless a code collided; referrals pick cases by g.
        cursor.execute("SELECT max(g) FROM bulk_case")
        cases_top = int(cursor.fetchone()[0] or 0)
        run(cursor, "referrals", _OFFERS_SQL)
        referral_total, hours = self.total, self.hours
        rejections = [str(r) for r in REJECTION_WEIGHTS]
        step = max(chunk_size // 2, 1)
        for lo in range(0, referral_total, step):
            hi = min(lo + step, referral_total)
            run(
                cursor,
                "referrals",
                _REFERRALS_SQL,
                {
                    **common,
                    **hours,
                    "lo": lo,
                    "hi": hi,
                    "cases": cases_top,
                    "rejections": rejections,
                    "n_rejections": len(rejections),
                    "feedback": FEEDBACK[0],
                },
            )
            report("referrals", hi - lo)
        run(cursor, "needs", _NEEDS_STATUS_SQL)
