"""Load test: simulated users against `jewelcrime serve --workers N`, on loopback only.

    python benchmarks/load_test.py                       # 50 users, 60 s, workers 1, 2 and 4
    python benchmarks/load_test.py --users 20 --seconds 30 --workers 2

The requests are the dashboard's own: a real Chromium (Debian's, through
Playwright) opens each page once and every callback request it makes is
recorded. Each simulated user then loops, with a random pause between actions
(exponential, mean --think seconds, seeded), over:
  - a page load: the page's HTML, then the layout and dependencies Dash asks for;
  - a callback: one recorded callback request, its filter query (`search`)
    varied (years, source, region), so most answers are not cached;
  - a CSV download of a chart's rows from the API, with varied filters;
and once a minute one user opens the Campaign page's preview (an export).
It prints, per worker count, requests per second, p50/p95/p99 and errors
for page loads and callbacks (targets with 2 workers: 0 errors, p95 at most
500 ms, p99 at most 1.5 s) and the machine's load average.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PAGES = ["/", "/map", "/trends", "/share", "/risk?region=TX", "/guidance"]
SEARCHES = ["?year_from={a}&year_to={b}", "?source=JSA&year_from={a}&year_to={b}", "?region=US-TX&year_from={a}",
            "?source=combined&year_to={b}", "?region=CA-ON&year_from={a}&year_to={b}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {base} did not answer within {timeout} s")


def record(base: str) -> dict[str, list[dict]]:
    """Callback requests a real browser makes on each page (and the Campaign page), by page."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[dict]] = {}
    current: list[dict] = []

    def seen(request) -> None:  # noqa: ANN001
        if "/_dash-update-component" in request.url and request.post_data:  # Dash 4 adds ?endId=...
            current.append({"query": request.url.split("/_dash-update-component", 1)[1],
                            "body": json.loads(request.post_data)})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on("request", seen)
        for path in [*PAGES, "/campaign"]:
            current.clear()
            page.goto(base + path, wait_until="networkidle")
            page.wait_for_timeout(1500)
            out[path] = list(current)
        browser.close()
    return out


def vary(call: dict, rng: random.Random) -> dict:
    """The recorded request with another filter query wherever it carries one."""
    body = call["body"]
    a = rng.randint(2010, 2022)
    search = rng.choice(SEARCHES).format(a=a, b=rng.randint(a, 2024))
    text = json.dumps(body)
    for item in body.get("inputs", []) + body.get("state", []):
        if isinstance(item, dict) and item.get("property") == "search" and isinstance(item.get("value"), str):
            text = text.replace(json.dumps(item["value"]), json.dumps(search), 1)
    return {"query": call["query"], "body": json.loads(text)}


def timed(kind: str, fn, results: list, lock: threading.Lock) -> None:  # noqa: ANN001
    t = time.perf_counter()
    ok = True
    try:
        fn()
    except Exception:  # noqa: BLE001 - an error is a result here, counted
        ok = False
    with lock:
        results.append((kind, time.perf_counter() - t, ok))


def user(base: str, recorded: dict, seed: int, stop: float, think: float, results: list, lock: threading.Lock,
         exporter: bool) -> None:
    rng = random.Random(seed)
    calls = [b for path, bodies in recorded.items() if path != "/campaign" for b in bodies]
    next_export = time.monotonic() + 5 if exporter else float("inf")

    def get(url: str) -> None:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()

    def post(call: dict) -> None:
        req = urllib.request.Request(base + "/_dash-update-component" + call["query"], json.dumps(call["body"]).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    while time.monotonic() < stop:
        time.sleep(rng.expovariate(1 / think))
        if time.monotonic() > next_export:
            next_export += 60
            for body in recorded.get("/campaign", []):
                timed("export", lambda b=body: post(b), results, lock)
            continue
        roll = rng.random()
        if roll < 0.3:
            path = rng.choice(PAGES)
            timed("page", lambda: (get(base + path), get(base + "/_dash-layout"),
                                   get(base + "/_dash-dependencies")), results, lock)
        elif roll < 0.9 and calls:
            body = vary(rng.choice(calls), rng)
            timed("callback", lambda: post(body), results, lock)
        else:
            a = rng.randint(2010, 2022)
            timed("csv", lambda: get(f"{base}/api/v1/charts/trends-yearly.csv?year_from={a}"), results, lock)


def percentile(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def run(workers: int, url: str, users: int, seconds: float, think: float) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "dashboard.launch", "serve", "--workers", str(workers),
                               "--threads", "8", "--port", str(port), "--db", url],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_ready(base)
        recorded = record(base)
        results: list = []
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        threads = [threading.Thread(target=user, args=(base, recorded, i, stop, think, results, lock, i == 0))
                   for i in range(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    print(f"workers {workers}: {len(results) / seconds:.1f} requests/s ({users} users, {seconds:.0f} s, think "
          f"{think} s); load average {os.getloadavg()[0]:.1f}")
    for kind in ("page", "callback", "csv", "export"):
        times = [t for k, t, ok in results if k == kind]
        errors = sum(1 for k, _t, ok in results if k == kind and not ok)
        if times:
            print(f"  {kind:>8}: {len(times):5} done, {errors} errors, p50 {1000 * statistics.median(times):6.0f} ms, "
                  f"p95 {1000 * percentile(times, 0.95):6.0f} ms, p99 {1000 * percentile(times, 0.99):6.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a user's actions, seconds")
    ap.add_argument("--workers", type=int, action="append", help="worker counts (repeatable); default 1, 2, 4")
    ap.add_argument("--db", default=None, help="database URL (default: the bundled sample in a temp SQLite file)")
    args = ap.parse_args()
    from etl import pipeline
    from etl.config import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'load.sqlite'}"
        if args.db is None:
            pipeline.load_paths(make_engine(url), pipeline.discover())
        for workers in args.workers or [1, 2, 4]:
            run(workers, url, args.users, args.seconds, args.think)


if __name__ == "__main__":
    main()
