"""Dashboard benchmark: callback server time and first map draw, at 10k, 100k and 1M incidents.

    python benchmarks/dashboard_bench.py                     # 10k, 100k, 1M
    python benchmarks/dashboard_bench.py --rows 100000       # one size

For each size it loads N synthetic JSA-style incidents (benchmarks/etl_bench.py
rows, 2010-2024, all states in the sample's proportions) plus the reference
tables through the real ETL into a new SQLite file, then:
  * calls every page callback 50 times as a plain function with varied
    filters (years, crime types, sources, measures, regions), with the query
    cache emptied before each call, so each figure is the cost of the SQL over
    the rollups plus the pandas and plotly work; prints median and p95;
  * starts `jewelcrime serve` on that database and times, in headless
    Chromium, from navigation to /map until all 64 regions are drawn
    (median of 5 loads in a fresh browser context each).
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))
import etl_bench  # noqa: E402

CALLS = 50


def load(n: int, folder: Path) -> str:
    from etl import pipeline
    from etl.config import make_engine

    csv = folder / f"dash_bench_{n}.csv"
    etl_bench.make_rows(n).to_csv(csv, index=False)
    url = f"sqlite:///{folder / f'dash_{n}.sqlite'}"
    engine = make_engine(url)
    results = pipeline.load_paths(engine, [csv])
    assert all(r.ok for r in results), results
    return url


def variations(years: list[int], regions: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(7)
    cats = ["all", "robbery", "burglary", "theft", "off_premises"]
    subtypes = {"robbery": ["all", "smash_and_grab", "armed_robbery"], "theft": ["all", "grab_and_run", "distraction_theft"],
                "burglary": ["all", "safe_attack"], "off_premises": ["all"], "all": ["all"]}
    out = []
    for _ in range(CALLS):
        y0 = rng.choice(years)
        y1 = rng.choice([y for y in years if y >= y0])
        cat = rng.choice(cats)
        out.append({"year_from": y0, "year_to": y1, "category": cat, "subtype": rng.choice(subtypes[cat]),
                    "source": rng.choice(["combined", "JSA", "JM"]),
                    "metric": rng.choice(["incidents", "per_million", "per_100_businesses", "losses"]),
                    "region": rng.choice(regions), "base_year": rng.choice(years), "major_only": rng.random() < 0.5})
    return out


def callbacks() -> list[tuple[str, Callable[[dict], Any]]]:
    """(name, fn(filters)) for every page callback that draws something."""
    found = []
    for module_name in ("map", "overview", "trends", "share", "risk", "guidance_scenario"):
        try:
            module = importlib.import_module(f"dashboard.pages.{module_name}")
        except ImportError:
            continue
        for name in sorted(dir(module)):
            fn = getattr(module, name)
            if name.startswith("update_") and callable(fn):
                found.append((f"{module_name}.{name}", fn))
    return found


def time_callbacks(url: str) -> list[tuple[str, float, float]]:
    from dashboard import queries
    from dashboard.app import create_app

    create_app(url)
    from dashboard import context

    years = queries.years(context.engine())
    regions = list(queries.regions(context.engine())["code"])
    cases = variations(years, regions)
    rows = []
    for name, fn in callbacks():
        times = []
        for case in cases:
            queries._cache.clear()  # noqa: SLF001 - cold: measure the SQL, not the cache
            t = time.perf_counter()
            try:
                fn(case)
            except TypeError:
                fn(case, None)
            times.append((time.perf_counter() - t) * 1000)
        rows.append((name, statistics.median(times), sorted(times)[int(0.95 * len(times)) - 1]))
    return rows


def first_map(url: str, repeats: int = 5) -> float:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--db", url, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"]
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
            for i in itertools.count():
                if i > repeats:
                    break
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                t = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/map")
                page.wait_for_function("document.querySelectorAll('#card-map path.choroplethlocation').length >= 64",
                                       timeout=60_000)
                if i:  # the first load warms the server's imports; not counted
                    times.append(time.perf_counter() - t)
                context.close()
            browser.close()
        return statistics.median(times)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="incidents (repeatable); default 10k, 100k, 1M")
    args = ap.parse_args()
    for n in args.rows or [10_000, 100_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            url = load(n, Path(tmp))
            print(f"\n== {n:,} incidents (loaded in {time.perf_counter() - t:.1f} s)")
            print(f"{'callback':<40} {'median ms':>10} {'p95 ms':>10}")
            for name, med, p95 in time_callbacks(url):
                print(f"{name:<40} {med:>10.1f} {p95:>10.1f}")
            print(f"first map drawn in Chromium (median of 5): {first_map(url):.2f} s")


if __name__ == "__main__":
    main()
