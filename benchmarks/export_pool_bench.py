"""Export pool benchmark: plain page loads while ten "Download the whole kit" jobs run, against none.

    python benchmarks/export_pool_bench.py [--db URL] [--seconds 60] [--kits 10] [--threads 8]

One web process (waitress, --threads request threads, as one gunicorn worker would have) serves the app, and
the export worker process (dashboard.export_worker, started with export_jobs.start_worker_process) serves the
jobs folder both share. A "page load" is what a browser does to open the Overview: GET / and the callback POST
that draws the page (`_pages_content`, its body built from the app's own /_dash-dependencies), one after the
other, once every 0.2 s. Phase 1 measures page loads with no export for --seconds; then --kits kit jobs are
queued (as the Campaign page's button queues them: export_jobs.submit onto the shared disk queue) and phase 2
measures the same for --seconds. Both phases run in the same run, on the same processes, and print
p50/p95/max. Target (issue 12): p95 and max during exports at most 0.5 s above the same with none.

Without --db a fresh SQLite database is built from data/raw/ into a temp folder first (about a minute).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = """
import sys, waitress
from dashboard.app import create_app
app = create_app(sys.argv[1])
waitress.serve(app.server, host="127.0.0.1", port=int(sys.argv[2]), threads=int(sys.argv[3]), _quiet=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_callback(base: str) -> bytes:
    """The POST body dash-renderer sends to draw the page at / (from the app's own dependency list)."""
    deps = json.loads(urllib.request.urlopen(f"{base}/_dash-dependencies", timeout=60).read())
    dep = next(d for d in deps if "_pages_content.children" in d["output"])
    outputs = [dict(zip(("id", "property"), part.split("."))) for part in dep["output"].strip(".").split("...")]
    values = {"pathname": "/", "search": ""}
    inputs = [{"id": i["id"], "property": i["property"], "value": values.get(i["property"])} for i in dep["inputs"]]
    return json.dumps({"output": dep["output"], "outputs": outputs, "inputs": inputs, "state": [],
                       "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}).encode()


def page_load(base: str, body: bytes) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(f"{base}/", timeout=120) as r:
        assert r.status == 200, r.status
        r.read()
    request = urllib.request.Request(f"{base}/_dash-update-component", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as r:
        assert r.status == 200 and b"_pages_content" in r.read(), r.status
    return time.perf_counter() - t


def phase(base: str, body: bytes, seconds: float) -> list[float]:
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        times.append(page_load(base, body))
        time.sleep(0.2)
    return times


def summary(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=20, method="inclusive")
    return (f"{name:<22} n={len(times):<4} p50={statistics.median(times):.3f} s  p95={q[18]:.3f} s  "
            f"max={max(times):.3f} s")


def wait_ready(base: str, server: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            if urllib.request.urlopen(f"{base}/", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer within 3 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite built from data/raw/)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--kits", type=int, default=10, help="kit jobs queued in phase 2")
    parser.add_argument("--threads", type=int, default=8, help="request threads of the web process")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jc-poolbench-", dir="/tmp"))
    db = args.db or f"sqlite:///{work / 'bench.sqlite'}"
    if not args.db:
        print("building the database from data/raw/ ...", flush=True)
        subprocess.run([sys.executable, "-m", "dashboard.launch", "etl", "--db", db], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    jobs = work / "jobs"
    os.environ["JEWELCRIME_JOBS_DIR"] = str(jobs)
    from dashboard import export_jobs
    from dashboard.graphics import processes

    worker = export_jobs.start_worker_process(jobs, db_url=db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, db, str(port), str(args.threads)], cwd=ROOT)
    try:
        wait_ready(base, server)
        body = page_callback(base)
        phase(base, body, 5)  # first calls (imports, caches) are not what is measured
        quiet = phase(base, body, args.seconds)
        from dashboard.app import create_app

        create_app(db)  # registers the Campaign page's tasks in this process, as in a web process
        ids = [export_jobs.submit("campaign.package", db_url=db, sel={}, kind="kit") for _ in range(args.kits)]
        busy = phase(base, body, args.seconds)
        states = [export_jobs.status(j) for j in ids]
        chromium = processes.tree_memory_mb(worker.pid)
        print(summary("no exports", quiet))
        print(summary(f"{args.kits} kits running", busy))
        print(f"delay: p50 {statistics.median(busy) - statistics.median(quiet):+.3f} s, "
              f"max {max(busy) - max(quiet):+.3f} s")
        print("kits after the phase:", {s: sum(x["state"] == s for x in states) for s in export_jobs.STATES},
              f"files made: {sum(x['done'] for x in states)}; export worker + Chromium: {chromium:.0f} MB")
    finally:
        server.terminate()
        server.wait(30)
        export_jobs.stop_worker_process(worker)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
