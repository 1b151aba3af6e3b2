"""The casework around the bulk cases: reports, identities, follow-ups, notes, partners.

``CasesBulk.load`` calls ``casework_bulk_load`` once per chunk, after the cases, with
the chunk's rows in the temporary table ``bulk_case``. Plain SQL (INSERT … SELECT),
except identities and their duplicate keys: the key is the app's own HMAC over its own
normalisation (``duplicate_key_compute``), computed in Python for the chunk and
written as arrays in one statement, so the key index is as big as a real one.

Like the rest of the bulk load it bypasses the services (no events, no
notifications). Names are invented syllables: no person's name appears.
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from cases.models import AlertType, FollowUpKind
from cases.selectors_intake import duplicate_key_compute

# Written here, per chunk; added to ``cases.demo.bulk.BULK_TABLES`` so their secondary
# indexes and foreign keys are dropped for the load and rebuilt after it.
CASEWORK_TABLES = (
    "cases_report",
    "matching_caseidentity",
    "cases_caseduplicatekey",
    "cases_followup",
    "cases_casenote",
    "cases_casepartner",
)


class _Run(Protocol):
    def __call__(self, cursor: Any, label: str, sql: str, params: Any = None) -> int: ...


# One report per case: what the team was told, the day the case was asked for. The
# modality is the case's access route; a share arrived at another organization's desk.
_REPORTS_SQL = """
INSERT INTO cases_report (
    id, modality, reporter_anonymous, reporter_institution, reporter_role, reported_at,
    observed, concern_types, urgency, child_full_name, child_national_id, child_birth_date,
    child_age_years, child_sex, child_home, child_description, receiving_attends, document,
    document_reference, document_date, status, dismissal_reason, decided_at, anonymised_at,
    created, addressed_to_id, case_id, decided_by_id, received_by_id,
    receiving_organization_id, reporter_organization_id
)
SELECT gen_random_uuid(), x.access_route,
    x.access_route = 'self_referral' AND x.r_reporter < 0.15,
    '',
    CASE WHEN x.access_route = 'self_referral' AND x.r_reporter >= 0.15
         THEN (%(relatives)s::varchar[])[1 + floor(x.r_role * %(n_relatives)s)::int]
         WHEN x.access_route = 'referral'
         THEN (%(roles)s::varchar[])[1 + floor(x.r_role * %(n_roles)s)::int]
         ELSE '' END,
    x.requested_at,
    (%(observed)s::text[])[1 + floor(x.r_observed * %(n_observed)s)::int],
    ARRAY[(%(alert_types)s::varchar[])[1 + floor(x.r_type * %(n_alert_types)s)::int]]
        ::varchar(30)[],
    x.risk_level, '', '', x.birth_date,
    greatest(0, extract(year FROM age(x.requested_at::date, x.birth_date)))::smallint,
    x.sex, NULL, '', x.received_elsewhere AND x.r_reporter < 0.05, '', '', NULL,
    'converted', '', x.requested_at + interval '2 hours', NULL, x.requested_at,
    x.organization_id, x.id, %(caseworker)s, %(caseworker)s,
    CASE WHEN x.received_elsewhere THEN x.receiver ELSE x.organization_id END,
    CASE WHEN x.access_route = 'referral' THEN x.receiver END
FROM (
    SELECT b.*, random() < 0.3 AS received_elsewhere, random() AS r_reporter,
           random() AS r_role, random() AS r_observed, random() AS r_type,
           (%(receivers)s::uuid[])[1 + floor(random() * %(n_receivers)s)::int] AS receiver
    FROM bulk_case b
    WHERE b.g > %(lo)s AND b.g <= %(hi)s
    OFFSET 0
) x
"""

# Follow-up contacts, a month apart: every closed case whose plan ran (most of them),
# all made before it closed; a tenth of the open cases, in their watch period: those
# due by now made (but a few overdue), the rest planned.
_FOLLOW_UPS_SQL = """
INSERT INTO cases_followup (
    id, kind, due_on, done_on, result, note, created, case_id, need_id, recorded_by_id,
    scheduled_by_id
)
SELECT gen_random_uuid(), y.kind, y.due_on,
    CASE WHEN y.done THEN least(y.due_on + y.late, y.last_day) END,
    CASE WHEN NOT y.done THEN ''
         WHEN y.r_result < 0.45 THEN 'better' WHEN y.r_result < 0.75 THEN 'same'
         WHEN y.r_result < 0.85 THEN 'worse' ELSE 'no_contact' END,
    CASE WHEN y.done THEN (%(contact_notes)s::text[])[1 + floor(y.r_note * %(n_notes)s)::int]
         ELSE '' END,
    y.start, y.case_id, NULL, CASE WHEN y.done THEN %(caseworker)s END, %(caseworker)s
FROM (
    SELECT z.case_id, z.start, z.last_day,
           (%(kinds)s::varchar[])[1 + floor(random() * %(n_kinds)s)::int] AS kind,
           z.due_on,
           CASE WHEN z.closed THEN true
                ELSE z.due_on <= %(today)s::date AND random() >= 0.05 END AS done,
           floor(random() * 4)::int AS late,
           random() AS r_result, random() AS r_note
    FROM (
        SELECT w.case_id, w.start, w.closed,
               CASE WHEN w.closed THEN w.end_day ELSE %(today)s::date END AS last_day,
               CASE WHEN w.closed
                    THEN greatest(w.first_day, w.end_day - 30 * (w.n - k + 1))
                    ELSE w.start::date + 30 * k END AS due_on
        FROM (
            SELECT b.id AS case_id, b.status = 'closed' AS closed,
                   b.requested_at::date AS first_day, b.closed_at::date AS end_day,
                   CASE WHEN b.status = 'closed' THEN b.requested_at
                        ELSE b.requested_at
                             + (%(now)s - b.requested_at) * (0.3 + 0.6 * random()) END
                       AS start,
                   2 + floor(random() * 3)::int AS n
            FROM bulk_case b
            WHERE b.g > %(lo)s AND b.g <= %(hi)s
              AND random() < CASE WHEN b.status = 'closed' THEN 0.7 ELSE 0.1 END
            OFFSET 0
        ) w CROSS JOIN LATERAL generate_series(1, w.n) k
        OFFSET 0
    ) z
    OFFSET 0
) y
"""

# Zero to four notes per case (two on average), written while the case was open.
_NOTES_SQL = """
INSERT INTO cases_casenote (id, written_at, text, visibility, author_id, case_id,
                            organization_id)
SELECT gen_random_uuid(),
       x.requested_at + (coalesce(x.closed_at, %(now)s) - x.requested_at) * random(),
       (%(notes)s::text[])[1 + floor(random() * %(n_notes)s)::int],
       CASE WHEN random() < 0.7 THEN 'team' ELSE 'case_team' END,
       %(caseworker)s, x.id, x.organization_id
FROM (
    SELECT b.id, b.requested_at, b.closed_at, b.organization_id,
           floor(random() * 5)::int AS n
    FROM bulk_case b
    WHERE b.g > %(lo)s AND b.g <= %(hi)s
    OFFSET 0
) x CROSS JOIN LATERAL generate_series(1, x.n) k
"""

# A quarter of the cases have a partner on their team, a few a second one (a
# provider); a closed case's partners left when it closed.
_PARTNERS_SQL = """
INSERT INTO cases_casepartner (id, role, added_at, ended_at, added_by_id, case_id,
                               ended_by_id, organization_id)
SELECT gen_random_uuid(), p.role,
       x.requested_at + (coalesce(x.closed_at, %(now)s) - x.requested_at) * 0.2 * p.i,
       x.closed_at, %(caseworker)s, x.id,
       CASE WHEN x.closed_at IS NOT NULL THEN %(caseworker)s END,
       (%(receivers)s::uuid[])[1 + (x.k + p.i) %% %(n_receivers)s]
FROM (
    SELECT b.id, b.requested_at, b.closed_at, random() AS r_partner, random() AS r_role,
           floor(random() * %(n_receivers)s)::int AS k
    FROM bulk_case b
    WHERE b.g > %(lo)s AND b.g <= %(hi)s
    OFFSET 0
) x
CROSS JOIN LATERAL (
    SELECT 0 AS i, CASE WHEN x.r_role < 0.4 THEN 'authority' WHEN x.r_role < 0.7
                        THEN 'provider' WHEN x.r_role < 0.9 THEN 'evaluating'
                        ELSE 'linking' END AS role
    WHERE x.r_partner < 0.25
    UNION ALL
    SELECT 1, 'provider' WHERE x.r_partner < 0.08 AND %(n_receivers)s > 1
) p
"""

_OBSERVED = [
    "Inasistencia reiterada a clases informada por el establecimiento.",
    "Se observan signos de descuido en higiene y alimentación.",
    "Vecinos informan gritos y discusiones frecuentes en el hogar.",
    "Control de salud con atrasos en vacunas y controles.",
    "El niño o niña relata situaciones de maltrato en el hogar.",
    "Permanece solo o sola en el hogar durante largos periodos.",
]
_REPORTER_ROLES = ["Profesora jefe", "Orientador", "Enfermera", "Trabajadora social", "Carabinero"]
_RELATIVES = ["Madre", "Padre", "Abuela", "Tía", "Vecina"]
_CONTACT_NOTES = [
    "Visita realizada; la familia mantiene los acuerdos.",
    "Se conversa con el establecimiento: asistencia regular.",
    "No se logra contacto; se reprograma.",
    "La familia refiere mejoras en la rutina diaria.",
]
_CASE_NOTES = [
    "Entrevista con la madre; se acuerdan próximos pasos del plan.",
    "Coordinación telefónica con el establecimiento educacional.",
    "Se revisan antecedentes del caso con la dupla psicosocial.",
    "Visita domiciliaria: se observa el hogar ordenado.",
    "Se informa a la familia sobre la derivación en curso.",
]
# Invented syllables: names that belong to nobody, normalised like any other.
_SYLLABLES = ["ka", "lo", "mi", "ta", "re", "su", "ne", "vi", "ra", "do", "pe", "lu", "sa"]
# Share of the bulk cases that keep an identity (and so a duplicate key).
IDENTITY_SHARE = 0.8


def _invented_name(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(3)
    ]
    return " ".join(words)


def _invented_national_id(rng: random.Random) -> str:
    number = rng.randint(26_000_000, 29_999_999)
    return f"{number:,}".replace(",", ".") + "-" + rng.choice("0123456789K")


def _identities_load(*, cursor: Any, run: _Run, params: dict[str, Any], rng: random.Random) -> int:
    """Identities and their duplicate keys for the chunk's cases that keep one."""
    cursor.execute(
        "SELECT id, birth_date, sex, territory_id FROM bulk_case "
        "WHERE g > %(lo)s AND g <= %(hi)s ORDER BY g",
        params,
    )
    case_ids, names, national_ids, keys = [], [], [], []
    for case_id, birth_date, sex, territory_id in cursor.fetchall():
        if rng.random() >= IDENTITY_SHARE:
            continue
        name = _invented_name(rng)
        national_id = _invented_national_id(rng) if rng.random() < 0.6 else ""
        key = duplicate_key_compute(
            full_name=name,
            national_id=national_id,
            birth_date=birth_date,
            sex=sex,
            territory_id=territory_id,
        )
        if key is None:
            continue
        case_ids.append(case_id)
        names.append(name)
        national_ids.append(national_id)
        keys.append(key)
    run(
        cursor,
        "identities",
        "INSERT INTO matching_caseidentity (full_name, national_id, contact, case_id) "
        "SELECT n, i, '', c FROM unnest(%s::text[], %s::text[], %s::uuid[]) AS u(n, i, c)",
        [names, national_ids, case_ids],
    )
    return run(
        cursor,
        "duplicate keys",
        "INSERT INTO cases_caseduplicatekey (case_id, key) "
        "SELECT * FROM unnest(%s::uuid[], %s::text[])",
        [case_ids, keys],
    )


def casework_bulk_load(
    *,
    cursor: Any,
    run: _Run,
    params: dict[str, Any],
    receivers: list[Any],
    rng: random.Random,
) -> None:
    """The chunk's reports, identities and keys, follow-ups, notes and partners.

    ``params`` holds ``now``, ``today``, ``caseworker``, ``lo`` and ``hi``;
    ``receivers`` are organizations other than the case teams (other desks, partners).
    """
    with_receivers = {**params, "receivers": receivers, "n_receivers": len(receivers)}
    run(
        cursor,
        "reports",
        _REPORTS_SQL,
        {
            **with_receivers,
            "relatives": _RELATIVES,
            "n_relatives": len(_RELATIVES),
            "roles": _REPORTER_ROLES,
            "n_roles": len(_REPORTER_ROLES),
            "observed": _OBSERVED,
            "n_observed": len(_OBSERVED),
            "alert_types": list(AlertType.values),
            "n_alert_types": len(AlertType.values),
        },
    )
    _identities_load(cursor=cursor, run=run, params=params, rng=rng)
    run(
        cursor,
        "follow-ups",
        _FOLLOW_UPS_SQL,
        {
            **params,
            "kinds": list(FollowUpKind.values),
            "n_kinds": len(FollowUpKind.values),
            "contact_notes": _CONTACT_NOTES,
            "n_notes": len(_CONTACT_NOTES),
        },
    )
    run(cursor, "notes", _NOTES_SQL, {**params, "notes": _CASE_NOTES, "n_notes": len(_CASE_NOTES)})
    run(cursor, "partners", _PARTNERS_SQL, with_receivers)
