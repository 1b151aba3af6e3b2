"""Headless Debian Chromium driven by Playwright; nothing leaves localhost."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, Route, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
# run in a thread with a loop unless told the test knows what it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PUENTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def block_outside_requests(page: Page, *, allowed_host: str = "localhost") -> list[str]:
    """Abort any request that is not to the local server; return what was blocked."""
    blocked: list[str] = []

    def handle(route: Route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in {allowed_host, "127.0.0.1", "localhost"} or route.request.url.startswith(
            "data:"
        ):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return blocked


# tests.factories.UserFactory's password.
PASSWORD = "clave-de-prueba"
DESKTOP = {"width": 1280, "height": 900}


def sign_in(
    browser: Browser,
    live_server: Any,
    user: Any,
    next_path: str,
    *,
    viewport: dict[str, int] | None = None,
    **page_options: Any,
) -> tuple[Page, list[str]]:
    """A new page signed in as ``user`` through the sign-in form, landed on ``next_path``.

    Returns the page and the list of outside requests it blocked (to assert it stays empty).
    """
    page = browser.new_page(viewport=viewport or DESKTOP, **page_options)
    blocked = block_outside_requests(page)
    page.goto(f"{live_server.url}/entrar/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-submit")
    return page, blocked


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot into $PUENTE_SCREENSHOTS when it is set (for the README)."""
    shots = os.environ.get("PUENTE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / name), full_page=True)


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# Violations that keep someone from using the page; "minor" and "moderate" are reported
# by axe too but do not fail the suite.
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    The script comes from node_modules (``make setup`` installs it from
    package-lock.json) and runs through the DevTools protocol, so the page's
    Content-Security-Policy neither blocks it nor has to allow it.
    """
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make setup` (npm ci installs axe-core)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in violations
    )
