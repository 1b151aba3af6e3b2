"""The lead team of a case, copied onto the rows that a team's task list counts.

A team's lists and badges (open alerts, pending follow-ups, referrals past their answer
deadline) filter by the case's lead organization. At a million cases, joining each row
to its case to read that organization costs tens of milliseconds per count; a copy of
it on the row lets one partial index answer. The copy is kept by PostgreSQL triggers,
not by the services, so nothing that writes a row or moves a case (a transfer, the
admin, a bulk load, a data migration) can leave it stale:

* before a row is inserted or updated, its ``case_team_id`` is read from its case;
* after a case's ``organization_id`` changes, its rows follow.

Follow-ups carry the team only while their case is open (``open_only``): a contact
still to make is on a team's list only then, and the list needs no join to know it.
"""

from __future__ import annotations

CASE_TEAM_TABLES = ("matching_alert", "cases_followup", "matching_referral")


def case_team_trigger_sql(*, table: str, open_only: bool = False) -> tuple[str, str]:
    """(forward, reverse) SQL that keeps ``table.case_team_id`` equal to its case's team."""
    # Only the three tables named by the migrations, never input: no identifier escaping.
    if table not in CASE_TEAM_TABLES:
        raise ValueError(table)
    fill, follow = f"{table}_case_team_fill", f"{table}_case_team_follow"

    def team_of(row: str) -> str:
        if open_only:
            return f"CASE WHEN {row}status = 'open' THEN {row}organization_id END"
        return f"{row}organization_id"

    team, new_team, old_team = team_of(""), team_of("NEW."), team_of("OLD.")
    columns = "organization_id, status" if open_only else "organization_id"
    forward = f"""
CREATE OR REPLACE FUNCTION {fill}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.case_team_id := (SELECT {team} FROM matching_case WHERE id = NEW.case_id);
    RETURN NEW;
END $$;
CREATE TRIGGER {fill} BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {fill}();
CREATE OR REPLACE FUNCTION {follow}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET case_team_id = {new_team} WHERE case_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER {follow} AFTER UPDATE OF {columns} ON matching_case
    FOR EACH ROW WHEN (({old_team}) IS DISTINCT FROM ({new_team}))
    EXECUTE FUNCTION {follow}();
UPDATE {table} AS row SET case_team_id = (SELECT {team} FROM matching_case WHERE id = row.case_id);
"""  # noqa: S608
    reverse = f"""
DROP TRIGGER IF EXISTS {follow} ON matching_case;
DROP FUNCTION IF EXISTS {follow}();
DROP TRIGGER IF EXISTS {fill} ON {table};
DROP FUNCTION IF EXISTS {fill}();
"""
    return forward, reverse
