"""The public map at 50,000 services: its data endpoints per viewport, and first render.

Usage: .venv/bin/python benchmarks/maps.py [--services N] [--sites N] [--requests N]
Targets: map data p95 <= 100 ms per viewport request. Last line: one JSON object.

Viewports are a 1280x800 browser window at zooms 11-18 centred at random over the
comuna, with a mix of filters. Requests go through Django's test client (the whole
view: form validation, clustering, JSON), after one request that builds the
in-memory index (reported apart: it happens once per process and directory change).
First render is measured in headless Chromium against ``runserver`` with tiles off:
from navigation start until the first clusters are drawn.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, bench_database_url, ensure_demo, percentile, setup_django

WIDTH_PX, HEIGHT_PX = 1280, 800
FILTER_MIX: list[dict[str, object]] = [
    {},
    {},
    {},
    {"category": "social"},
    {"category": "specialized.psychological_care"},
    {"age": 8},
    {"open_slots": "on"},
    {"category": "social.education", "age": 12, "open_slots": "on"},
    {"modality": "individual"},
]


def viewports(n: int, seed: int = 5) -> list[dict[str, object]]:
    from directory.demo import CENTER, SPAN
    from directory.tiles import WORLD_WIDTH_M, lonlat_to_mercator, mercator_to_lonlat

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        zoom = rng.choice([11, 12, 12, 13, 13, 14, 14, 15, 16, 17, 18])
        lon = CENTER[0] + rng.uniform(-SPAN[0] / 2, SPAN[0] / 2)
        lat = CENTER[1] + rng.uniform(-SPAN[1] / 2, SPAN[1] / 2)
        metres_per_px = WORLD_WIDTH_M / (256 * 2**zoom)
        x, y = lonlat_to_mercator(lon, lat)
        west, south = mercator_to_lonlat(
            x - WIDTH_PX / 2 * metres_per_px, y - HEIGHT_PX / 2 * metres_per_px
        )
        east, north = mercator_to_lonlat(
            x + WIDTH_PX / 2 * metres_per_px, y + HEIGHT_PX / 2 * metres_per_px
        )
        params: dict[str, object] = {
            "bbox": f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}",
            "zoom": zoom,
            **rng.choice(FILTER_MIX),
        }
        out.append(params)
    return out


def timed_requests(path: str, queries: list[dict[str, Any]]) -> tuple[list[float], int]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    timings, largest = [], 0
    for params in queries:
        started = time.perf_counter()
        response = client.get(path, params)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(
                f"HTTP {response.status_code} for {params}: {response.content[:300]!r}"
            )
        largest = max(largest, len(response.content))
    return timings, largest


@contextmanager
def live_server(database_url: str, port: int) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "MAP_TILES_URL": "",
    }
    # --insecure: runserver serves the static files with DEBUG off, as WhiteNoise would.
    process = subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--insecure",
            "--skip-checks",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import http.client

        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/mapa/servicios.geojson?zoom=12")  # also builds the index
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def first_render(base_url: str, loads: int) -> list[float]:
    from tests.browser import block_outside_requests, chromium

    timings = []
    with chromium() as browser:
        for _ in range(loads):
            page = browser.new_page(viewport={"width": WIDTH_PX, "height": HEIGHT_PX})
            block_outside_requests(page)
            page.goto(base_url + "/")
            page.wait_for_selector("#servicemap[data-loaded=true] .cluster-marker", timeout=60_000)
            timings.append(page.evaluate("performance.now()"))
            page.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=40_000)
    parser.add_argument("--territories", type=int, default=300)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--port", type=int, default=8781)
    args = parser.parse_args()

    url = bench_database_url("puente_bench_maps")
    setup_django(url)
    ensure_demo(services=args.services, sites=args.sites, territories=args.territories)
    from directory.models import ServiceAtSite, ServiceStatus

    rows = ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE).count()
    queries = viewports(args.requests)

    started = time.perf_counter()
    timed_requests("/mapa/servicios.geojson", queries[:1])
    first_ms = (time.perf_counter() - started) * 1000
    from directory.tiles import service_map_index_build

    started = time.perf_counter()
    service_map_index_build()
    build_ms = (time.perf_counter() - started) * 1000
    print(
        f"first request of a process (Django start-up and index build): {first_ms:.0f} ms; "
        f"index rebuild after a directory change: {build_ms:.0f} ms for {rows} rows",
        flush=True,
    )

    timed_requests("/mapa/servicios.geojson", queries[:30])  # warm
    data, largest = timed_requests("/mapa/servicios.geojson", queries)
    print(
        f"map data: p50 {percentile(data, 50):.1f} ms, p95 {percentile(data, 95):.1f} ms, "
        f"max {max(data):.1f} ms over {len(data)} viewports at zoom 11-18 "
        f"(largest answer {largest / 1024:.0f} KiB; target p95 <= 100 ms)",
        flush=True,
    )
    listing, _largest = timed_requests(
        "/mapa/lista.json", [{k: v for k, v in q.items() if k != "zoom"} for q in queries]
    )
    print(
        f"list beside the map (20 per page): p50 {percentile(listing, 50):.1f} ms, "
        f"p95 {percentile(listing, 95):.1f} ms",
        flush=True,
    )
    whole = [q for q in queries if q["zoom"] in (11, 12)]
    print(f"  of which zoom 11-12 (whole comuna in view): {len(whole)} requests", flush=True)

    with live_server(url, args.port) as base_url:
        renders = first_render(base_url, args.loads)
    render_ms = percentile(renders, 50)
    print(
        f"first render in Chromium (navigation to first clusters drawn): "
        f"median {render_ms:.0f} ms, "
        f"max {max(renders):.0f} ms over {len(renders)} loads",
        flush=True,
    )
    print(
        json.dumps(
            {
                "services": args.services,
                "services_at_sites": rows,
                "map_data_p95_ms": round(percentile(data, 95), 1),
                "map_list_p95_ms": round(percentile(listing, 95), 1),
                "index_rebuild_ms": round(build_ms),
                "first_request_ms": round(first_ms),
                "first_render_ms": round(render_ms),
            }
        )
    )


if __name__ == "__main__":
    main()
