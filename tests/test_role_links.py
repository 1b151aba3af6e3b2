"""Every link a role is shown leads somewhere that role may open.

Each identity's pages are crawled from its home, its navigation and (for staff) the
admin (``tests/crawl.py``); a link that answers 403, 404, 405 or a server error, or
that sends a signed-in user to sign in, is a link the page should not have shown to
that identity. The finding names the page the link was on.
"""

from __future__ import annotations

import pytest

from tests.crawl import Crawl, crawl
from tests.test_fuzz_pages import ROLES

__all__ = ["crawl"]
# Asks pytest-django for the test database, where the session's crawl runs.
pytestmark = pytest.mark.django_db

# Links still shown to a role that may not open them, in files another change owns:
# (identity, path) -> where the link is. Each is a test expected to fail, strictly: once
# the link is hidden (or opens), its test passes, fails as XPASS, and the entry goes.
KNOWN_DEAD: dict[tuple[str, str], str] = {}


def _dead(crawl: Crawl, identity: str) -> dict[str, str]:
    return {page.path: page.shown() for page in crawl.pages[identity] if page.dead}


def test_every_role_opens_its_home_and_more_than_the_home(crawl: Crawl) -> None:
    """The crawl reached pages past the start: an empty crawl proves nothing."""
    reached = {identity: len(crawl.pages[identity]) for identity in ROLES}
    assert all(count > 3 for count in reached.values()), reached
    home = {page.identity for pages in crawl.pages.values() for page in pages}
    assert home == set(ROLES)


@pytest.mark.parametrize("identity", ROLES)
def test_no_link_shown_to_the_role_is_refused_or_dead(crawl: Crawl, identity: str) -> None:
    dead = _dead(crawl, identity)
    assert [
        shown for path, shown in sorted(dead.items()) if (identity, path) not in KNOWN_DEAD
    ] == []


@pytest.mark.parametrize(
    ("identity", "path"),
    [
        pytest.param(identity, path, marks=pytest.mark.xfail(strict=True, reason=where))
        for (identity, path), where in KNOWN_DEAD.items()
    ],
)
def test_a_known_dead_link_is_no_longer_shown(crawl: Crawl, identity: str, path: str) -> None:
    assert path not in _dead(crawl, identity)
