"""SQL that recomputes ``Service.category_codes`` from the category links.

One statement for any number of services, so bulk loads (demo, imports) refresh in
one pass; the migration that added the column runs the same SQL to fill it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db import connection

# The taxonomy is at most three levels deep (root, category, sub-category).
REFRESH_SQL = """
UPDATE directory_service AS s
SET category_codes = coalesce((
    SELECT array_agg(DISTINCT code ORDER BY code) FROM (
        SELECT t.code FROM directory_service_categories l
            JOIN directory_taxonomyterm t ON t.id = l.taxonomyterm_id
            WHERE l.service_id = s.id
        UNION SELECT p.code FROM directory_service_categories l
            JOIN directory_taxonomyterm t ON t.id = l.taxonomyterm_id
            JOIN directory_taxonomyterm p ON p.id = t.parent_id
            WHERE l.service_id = s.id
        UNION SELECT g.code FROM directory_service_categories l
            JOIN directory_taxonomyterm t ON t.id = l.taxonomyterm_id
            JOIN directory_taxonomyterm p ON p.id = t.parent_id
            JOIN directory_taxonomyterm g ON g.id = p.parent_id
            WHERE l.service_id = s.id
    ) AS codes
), '{}')
"""


def service_category_codes_refresh(*, service_ids: Iterable[UUID] | None = None) -> None:
    with connection.cursor() as cursor:
        if service_ids is None:
            cursor.execute(REFRESH_SQL)
        else:
            cursor.execute(REFRESH_SQL + " WHERE s.id = ANY(%s)", [list(service_ids)])
