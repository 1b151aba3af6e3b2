"""Headless Debian Chromium driven by Playwright; nothing leaves localhost."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, Route, sync_playwright

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
