"""Dashboard benchmark: callback server time and first map draw, at 10k, 100k and 1M incidents.

    python benchmarks/dashboard_bench.py                     # 10k, 100k, 1M
    python benchmarks/dashboard_bench.py --rows 100000       # one size
    python benchmarks/dashboard_bench.py --rows 10000000 --files 10 --db-dir /tmp/bench
        # 10M incidents loaded as ten files of 1M (the rollups must not grow with the number of files)

For each size it loads N synthetic JSA-style incidents (benchmarks/etl_bench.py
rows, 2010-2024, all states in the sample's proportions) plus the reference
tables through the real ETL into a new SQLite file, with the general-crime
tables the map's context layer reads: the bundled FBI estimated-crimes file
(data/raw/fbi, every state 1979-2024) and a Statistics Canada Table
35-10-0177-01 file made up here (every province and territory, 2010-2024, the
violations of the crosswalk). Then:
  * calls every page callback 50 times as a plain function (after one
    untimed round over the same filters: a server in use, its imports done
    and the rollups in the OS file cache) with varied
    filters (years, crime types, sources, measures, regions, the map's layer
    and general-crime measure, the trends page's general-crime line), with
    the query cache emptied before each call, so each figure is the cost of
    the SQL over the rollups and context tables plus the pandas and plotly
    work; prints median and p95; then again keeping the results that no
    filter selects (regions, years, sources, a general-crime measure's whole
    table: the same for every visitor, held by any server in use), which is
    a visitor's new filter set;
  * the map callback paired, uncached: the code path before issue 12
    (benchmarks/map_before.py, a copy of it, over the frozen metrics, ranking and data_status of
    benchmarks/map_before_metrics.py and map_before_parts.py) against today's, interleaved in
    one process on the same 50 filter sets, with the query cache emptied
    before each call and with it warm; then today's callback answered from the
    shared chart cache (dashboard.cache, a FileSystemCache in a temp folder);
    prints medians, the ratio and the machine's load average;
  * starts `jewelcrime serve` on that database and times, in headless
    Chromium, from navigation to /map (and to /map?layer=context) until all
    64 regions are drawn (median of 5 loads in a fresh browser context each).

The page callbacks are timed with the chart cache switched off (a null cache):
they measure the work, not the cache.

    python benchmarks/dashboard_bench.py --rows 100000 --map-only   # the paired map measurement only
    python benchmarks/dashboard_bench.py --rows 100000 --map-only --db-dir /tmp/bench  # keep the database

With --db-dir, the database of each size is built once under DIR/N/ and reused by later runs (the paired
map measurement does not need a new one each time).
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import os
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
API_PATHS = ("/api/v1/charts/trends-yearly.csv", "/api/v1/ranking.json", "/api/v1/charts/map.json",
             "/api/v1/incidents.json?page_size=100")
ROOT = Path(__file__).resolve().parents[1]
FBI_FILE = ROOT / "data" / "raw" / "fbi" / "estimated_crimes_1979_2024.csv"
STATCAN_GEO = {"NL": ("Newfoundland and Labrador", 10), "PE": ("Prince Edward Island", 11), "NS": ("Nova Scotia", 12),
               "NB": ("New Brunswick", 13), "QC": ("Quebec", 24), "ON": ("Ontario", 35), "MB": ("Manitoba", 46),
               "SK": ("Saskatchewan", 47), "AB": ("Alberta", 48), "BC": ("British Columbia", 59), "YT": ("Yukon", 60),
               "NT": ("Northwest Territories", 61), "NU": ("Nunavut", 62)}
STATCAN_VIOLATIONS = {"1610": ("Total robbery", 60), "2120": ("Total breaking and entering", 300),
                      "2130": ("Total theft over $5,000 (non-motor vehicle)", 40),
                      "2140": ("Total theft under $5,000 (non-motor vehicle)", 900),
                      "200": ("Total property crime violations", 3000), "100": ("Total violent Criminal Code violations", 1100)}


def statcan_file(path: Path) -> Path:
    """A Table 35-10-0177-01 'CSV for database loading' file: every province and territory, 2010-2024."""
    import csv

    rng = random.Random(11)
    header = ["REF_DATE", "GEO", "DGUID", "Violations", "Statistics", "UOM", "UOM_ID", "SCALAR_FACTOR", "SCALAR_ID",
              "VECTOR", "COORDINATE", "VALUE", "STATUS", "SYMBOL", "TERMINATED", "DECIMALS"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        for year in range(2010, 2025):
            for code, (name, sgc) in STATCAN_GEO.items():
                people = rng.randint(40_000, 15_000_000)
                for vcode, (label, rate) in STATCAN_VIOLATIONS.items():
                    r = rate * rng.uniform(0.5, 1.8)
                    for stat, value in (("Actual incidents", f"{round(r * people / 100_000)}"),
                                        ("Rate per 100,000 population", f"{r:.2f}")):
                        w.writerow([year, f"{name} [{sgc}]", f"2021A0002{sgc}", f"{label} [{vcode}]", stat, "Number",
                                    "223", "units", "0", "", "", value, "", "", "", "0"])
    return path


def load(n: int, folder: Path, files: int = 1) -> str:
    """A new database of n incidents loaded as `files` files of n / files rows each (other rows in each)."""
    from etl import pipeline
    from etl.config import make_engine

    url = f"sqlite:///{folder / f'dash_{n}.sqlite'}"
    engine = make_engine(url)
    context = pipeline.load_paths(engine, [FBI_FILE, statcan_file(folder / "statcan_crime_bench.csv")])
    assert all(r.ok for r in context), context
    per_file = n // files
    for i in range(files):  # one file at a time, so the benchmark's own memory holds one file's rows
        csv = folder / f"dash_bench_{n}_{i}.csv"
        etl_bench.make_rows(per_file if i < files - 1 else n - per_file * i, seed=7 + i,
                            first_id=i * per_file).to_csv(csv, index=False)
        results = pipeline.load_paths(engine, [csv])
        assert all(r.ok for r in results), results
        csv.unlink()
    engine.dispose()
    return url


def kept(n: int, folder: Path, files: int = 1) -> str:
    """The database of `n` incidents in `files` files under folder/n[xfiles]/, built by `load` the first time."""
    own = folder / (f"{n}" if files == 1 else f"{n}x{files}")
    db = own / f"dash_{n}.sqlite"
    if db.exists():
        return f"sqlite:///{db}"
    own.mkdir(parents=True, exist_ok=True)
    return load(n, own, files)


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
                    "metric": rng.choice(["incidents", "per_million", "per_100_businesses", "losses", "change_since_base"]),
                    "region": rng.choice(regions), "base_year": rng.choice(years), "major_only": rng.random() < 0.5,
                    "layer": rng.choice(["jewelry", "context"]),
                    "context": rng.choice(["robbery", "burglary", "theft", "property", "violent"]),
                    "context_line": rng.random() < 0.5})
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


def forget_filtered() -> None:
    """Empty the query cache of every result that a visitor's filters select (an argument that is a Filters or
    a year), keeping those that take only the database, a measure, a source or a country (regions, years,
    sources, a general-crime measure's whole table: a few dozen results, the same for every visitor, which a
    server that is in use holds). This is a visitor's new filter set; queries._cache.clear() is a server's
    first call after a load."""
    from dashboard import queries
    from dashboard.state import Filters

    def chosen(args: tuple) -> bool:
        return any(isinstance(a, (Filters, int)) and not isinstance(a, bool) for a in args)

    with queries._cache_lock:  # noqa: SLF001
        for key in [k for k in queries._cache if chosen(k[3])]:  # noqa: SLF001 - (name, url, version, args)
            del queries._cache[key]  # noqa: SLF001


def time_callbacks(url: str, forget: Callable[[], None]) -> list[tuple[str, float, float]]:
    from dashboard import context, queries
    from dashboard.app import create_app

    from dashboard import cache

    app = create_app(url)
    cache.configure(app.server, url, kind="null")  # the work itself, not the chart cache
    engine = app.server.extensions[context.KEY]
    years = queries.years(engine)
    regions = list(queries.regions(engine)["code"])
    cases = variations(years, regions)
    rows = []
    with app.server.app_context():  # as Dash runs a callback: inside the app, which holds the engine
        for name, fn in callbacks():
            def call(case: dict, fn: Callable = fn) -> None:
                try:
                    fn(case)
                except TypeError:
                    fn(case, None)

            for case in cases:  # a server in use: its imports done and the rollups' pages in the OS file cache
                call(case)
            times = []
            for case in cases:
                forget()  # cold: measure the SQL, not the cache
                t = time.perf_counter()
                call(case)
                times.append((time.perf_counter() - t) * 1000)
            rows.append((name, statistics.median(times), sorted(times)[int(0.95 * len(times)) - 1]))
    client = app.server.test_client()
    for path in API_PATHS:  # the read-only API through Flask, cold cache, the same varied years
        times = []
        for case in cases:
            forget()
            query = f"year_from={min(case['year_from'], case['year_to'])}&year_to={max(case['year_from'], case['year_to'])}"
            t = time.perf_counter()
            response = client.get(f"{path}{'&' if '?' in path else '?'}{query}")
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        rows.append((f"GET {path}", statistics.median(times), sorted(times)[int(0.95 * len(times)) - 1]))
    return rows


def paired_map(url: str, repeats: int = 2) -> list[tuple[str, float]]:
    """(what, median ms) of the map callback: before issue 12 against today, interleaved (the order flips
    every round), with the query cache cold and warm; then today's callback from the chart cache."""
    import map_before  # noqa: E402 - benchmarks/ is on sys.path
    import map_before_parts  # noqa: E402

    # the old path with its own numbers and SQL too (frozen copies): it shares dashboard.metrics and
    # dashboard.queries otherwise, and would get faster with them
    map_before.metrics, map_before.queries = map_before_parts.metrics, map_before_parts.queries
    map_before.metrics_ranking = map_before_parts.metrics_ranking

    from dashboard import cache, context, queries
    from dashboard.app import create_app

    app = create_app(url)
    from dashboard.pages import map as map_page  # after the app: the page registers itself with it
    cache.configure(app.server, url, kind="null")
    engine = app.server.extensions[context.KEY]
    # the general-crime layer with a change measure raised an error before issue 12: not a pair to compare
    cases = [c for c in variations(queries.years(engine), list(queries.regions(engine)["code"]))
             if not (c["layer"] == "context" and c["metric"].startswith("change"))]
    paths = {"before": lambda c: map_before.update_map(engine, c), "today": map_page.update_map}
    times: dict[str, list[float]] = {f"{p} {q}": [] for q in ("cold", "warm") for p in paths}
    out = []
    with app.server.app_context():
        for warm in (False, True):
            q = "warm" if warm else "cold"
            for path in paths.values():  # fill the query cache for the warm round (and import everything)
                for case in cases:
                    path(case)
            for i in range(repeats):
                for case in cases:
                    for name in (paths if i % 2 == 0 else list(paths)[::-1]):
                        if not warm:
                            queries._cache.clear()  # noqa: SLF001
                        t = time.perf_counter()
                        paths[name](case)
                        times[f"{name} {q}"].append((time.perf_counter() - t) * 1000)
            before, today = statistics.median(times[f"before {q}"]), statistics.median(times[f"today {q}"])
            out += [(f"map callback before issue 12, query cache {q}", before),
                    (f"map callback today, query cache {q}", today),
                    (f"  speed-up (before / today), query cache {q}", before / today)]
    with tempfile.TemporaryDirectory() as folder:
        os.environ[cache.ENV_DIR] = folder
        try:
            cache.configure(app.server, url)
        finally:
            del os.environ[cache.ENV_DIR]
        hits = []
        with app.server.app_context():
            for case in cases:
                map_page.update_map(case)  # the miss that fills it
            for case in cases:
                t = time.perf_counter()
                map_page.update_map(case)
                hits.append((time.perf_counter() - t) * 1000)
        out.append(("map callback today, chart cache hit (file cache)", statistics.median(hits)))
    return out


def first_map(url: str, repeats: int = 5, paths: tuple[str, ...] = ("/map", "/map?layer=context")) -> dict[str, float]:
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
        out = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
            for path in paths:
                times = []
                for i in itertools.count():
                    if i > repeats:
                        break
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    t = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}{path}")
                    # polled through page.evaluate: wait_for_function evaluates its predicate with eval, which
                    # the dashboard's Content-Security-Policy refuses
                    deadline = time.monotonic() + 60
                    while page.evaluate("document.querySelectorAll('#card-map path.choroplethlocation').length") < 64:
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"{path}: the map did not draw 64 regions within 60 s")
                        time.sleep(0.02)
                    if i:  # the first load warms the server's imports and caches; not counted
                        times.append(time.perf_counter() - t)
                    context.close()
                out[path] = statistics.median(times)
            browser.close()
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="incidents (repeatable); default 10k, 100k, 1M")
    ap.add_argument("--map-only", action="store_true", help="only the paired map callback measurement")
    ap.add_argument("--db-dir", type=Path, help="build each size's database once under DIR/N/ and reuse it")
    ap.add_argument("--files", type=int, default=1,
                    help="load each size as this many files (issue 12: 10M incidents as ten files)")
    args = ap.parse_args()
    for n in args.rows or [10_000, 100_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            url = kept(n, args.db_dir, args.files) if args.db_dir else load(n, Path(tmp), args.files)
            print(f"\n== {n:,} incidents in {args.files} file(s) (loaded in {time.perf_counter() - t:.1f} s)")
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for what, value in paired_map(url):
                print(f"{what:<60} {value:>8.2f}" + ("x" if "speed-up" in what else " ms"))
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            if args.map_only:
                continue
            from dashboard import queries

            first = time_callbacks(url, queries._cache.clear)  # noqa: SLF001 - a server's first call
            fresh = time_callbacks(url, forget_filtered)  # a new filter set on a server already in use
            print(f"{'callback':<40} {'median ms':>10} {'p95 ms':>10}   {'new filters: median':>20} {'p95 ms':>7}")
            for (name, med, p95), (_, med2, p952) in zip(first, fresh):
                print(f"{name:<40} {med:>10.1f} {p95:>10.1f}   {med2:>20.1f} {p952:>7.1f}")
            for path, seconds in first_map(url).items():
                print(f"first map drawn in Chromium, {path} (median of 5): {seconds:.2f} s")


if __name__ == "__main__":
    main()
