"""Refresh the README screenshots from a running Puente (started with MAP_TILES_URL='').

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import block_outside_requests, chromium

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main(base_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        block_outside_requests(page)
        page.goto(base_url + "/")
        page.wait_for_selector(".service-item")
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "service-map.png"))
        print(f"wrote {OUT / 'service-map.png'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
