"""The server's export worker: one process that makes every queued download, apart from the web processes.

    python -m dashboard.export_worker --jobs-dir DIR [--threads 2]

(or `export_jobs.start_worker_process(DIR)` from whoever starts the web workers). It holds an exclusive
lock on DIR/worker.lock while it lives, which is how web processes know to queue onto DIR/queue instead of
running exports themselves. It runs at a lower CPU priority (its Chromium inherits it), so page loads win
the CPU, and it holds one Chromium (the renderer of dashboard.graphics.browser) for all its threads.

Claiming a job is an atomic rename of its queue file into DIR/running/ under a name carrying the worker's
pid and start time: of two workers (or a worker and a stale one) only one rename succeeds. A job whose
worker was killed is reported failed, not run again: the job that brought a worker down (Chromium out of
memory, say) would bring the next one down too; the page says to start it again. Download threads take
downloads in order; one thread of its own takes previews, so a preview never waits behind a whole kit.

The worker makes exports from its own database, $DATABASE_URL (resolved as the CLI does; `serve` sets it
to the dashboard's URL). A job file names its database only by `export_jobs.database_id`: a job for
another database is reported failed with a message, not run.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from dashboard import export_jobs
from dashboard.export_jobs import LANES, QUEUE_DIR, RUNNING_DIR, WORKER_LOCK, Runner
from dashboard.graphics import processes

log = logging.getLogger(__name__)

NICENESS = 10
POLL_S = 0.1  # an empty queue is looked at ten times a second (a directory listing: nothing)
GRACE_S = 20.0  # on SIGTERM, running jobs get this long to finish before they are reported failed
STOPPED = "The export worker was stopped before this download was made; start it again."
OTHER_DB = ("This download was asked for on another database than the one the export worker makes downloads "
            "from; restart the server so that both use the same database.")


def _owner_tag() -> str:
    pid = os.getpid()
    return f"{pid}.{processes.start_time(pid)}"


def _owner_of(name: str) -> tuple[int, int | None] | None:
    try:
        pid, started = name.rsplit("@", 1)[1].split(".")
        return int(pid), (None if started == "None" else int(started))
    except (IndexError, ValueError):
        return None


def job_of(name: str) -> str:
    """The job id in a queue or claim file name: `{lane}-{time_ns:020d}-{job_id}[@{pid}.{started}]`."""
    return name.split("@", 1)[0].split("-", 2)[2]


def claim(root: Path, lane: str) -> Path | None:
    """Take the oldest job of a lane for this process: the running/ file holding its spec, or None."""
    running = root / RUNNING_DIR
    running.mkdir(mode=0o700, exist_ok=True)
    tag = _owner_tag()
    try:
        names = sorted(n for n in os.listdir(root / QUEUE_DIR) if n.startswith(f"{lane}-"))
    except FileNotFoundError:
        return None
    for name in names:
        target = running / f"{name}@{tag}"
        try:
            os.rename(root / QUEUE_DIR / name, target)  # atomic: exactly one claimer wins
        except FileNotFoundError:
            continue  # another worker took it first
        return target
    return None


def fail_orphans(runner: Runner, message: str = "The export worker stopped while making this download; "
                 "start it again.") -> list[str]:
    """Report failed every claimed job whose worker process is gone, and drop its claim."""
    failed: list[str] = []
    try:
        names = os.listdir(runner.root / RUNNING_DIR)
    except FileNotFoundError:
        return failed
    for name in names:
        owner = _owner_of(name)
        if owner is None or processes.alive(*owner):
            continue
        job_id = job_of(name)
        _fail(runner, job_id, message)
        (runner.root / RUNNING_DIR / name).unlink(missing_ok=True)
        failed.append(job_id)
    return failed


def _fail(runner: Runner, job_id: str, message: str) -> None:
    try:
        saved = runner._read(job_id)
        if saved["state"] not in export_jobs.FINAL:
            runner._write(job_id, {**saved, "state": "failed", "message": message})
    except (export_jobs.JobError, OSError):
        pass  # expired meanwhile: nobody is waiting


def _allow_page_imports() -> None:
    """Page modules register themselves with Dash on import, which needs an app: a bare one, never served."""
    import dash

    if not getattr(_allow_page_imports, "done", False):
        dash.Dash(__name__, use_pages=True, pages_folder="")
        _allow_page_imports.done = True  # type: ignore[attr-defined]


def resolve(spec: dict[str, Any]) -> Any:
    """The registered task a spec names, importing its module (only the project's own) when needed."""
    import importlib

    name, module = spec["task"], str(spec.get("module") or "")
    if name not in export_jobs.TASKS and module.startswith("dashboard."):
        if module.startswith("dashboard.pages."):
            _allow_page_imports()
        importlib.import_module(module)
    if name not in export_jobs.TASKS:
        raise export_jobs.JobError(f"unknown export task {name!r}")
    return export_jobs.TASKS[name]


def run_claimed(runner: Runner, claimed: Path, db_url: str | None = None) -> None:
    """Run one claimed job to done or failed, then drop its claim. A job that names a database runs on
    `db_url` (this worker's own) when it is the same database, and fails when it is not."""
    try:
        spec = json.loads(claimed.read_text(encoding="utf-8"))
        job_id, kwargs = spec["job_id"], dict(spec.get("kwargs") or {})
        wanted = spec.get("db")
        if export_jobs.DB_KWARG in kwargs:  # queued by an older version, URL and all: use ours all the same
            wanted = export_jobs.database_id(str(kwargs.pop(export_jobs.DB_KWARG)))
        if wanted is not None:
            if db_url is None or export_jobs.database_id(db_url) != wanted:
                log.warning("export job %s is for database %s, not this worker's; refused", job_id, wanted)
                _fail(runner, job_id, OTHER_DB)
                return
            kwargs[export_jobs.DB_KWARG] = db_url
        try:
            fn = resolve(spec)
        except Exception as exc:  # noqa: BLE001 - reported on the job's page
            _fail(runner, job_id, export_jobs.failure_message(exc))
            return
        runner._run(job_id, lambda progress: fn(progress, **kwargs))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("export job file %s could not be read: %s", claimed.name, exc)
    finally:
        claimed.unlink(missing_ok=True)


def serve(root: Path, threads: int = 2, stop: threading.Event | None = None, db_url: str | None = None) -> None:
    """The worker loop: claim and run jobs (on database `db_url`) until `stop` is set, then fail what is
    still running."""
    stop = stop or threading.Event()
    runner = Runner(root)
    fail_orphans(runner)
    busy: dict[str, str] = {}  # thread name -> claimed file, for the jobs still running at stop

    def work(lane: str) -> None:
        me = threading.current_thread().name
        while not stop.is_set():
            claimed = claim(root, lane)
            if claimed is None:
                stop.wait(POLL_S)
                continue
            busy[me] = claimed.name
            try:
                run_claimed(runner, claimed, db_url)
            finally:
                busy.pop(me, None)

    lanes = [LANES["download"]] * max(1, threads) + [LANES["preview"]]
    workers = [threading.Thread(target=work, args=(lane,), name=f"export-worker-{i}", daemon=True)
               for i, lane in enumerate(lanes)]
    for t in workers:
        t.start()
    while not stop.wait(0.5):  # a timed wait: the signal handler that sets `stop` runs on this thread
        pass
    for t in workers:
        t.join(GRACE_S / len(workers))
    for name in list(busy.values()):  # cut short: say so, never leave it "running"
        _fail(runner, job_of(name), STOPPED)
        (root / RUNNING_DIR / name).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.export_worker", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs-dir", required=True, type=Path, help="the folder the web processes queue jobs in")
    parser.add_argument("--threads", type=int, default=2, help="downloads made at the same time (one browser)")
    parser.add_argument("--tasks", action="append", default=[], metavar="MODULE",
                        help="a module whose @export_jobs.task functions to load at start (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s export-worker %(levelname)s %(message)s")
    from etl.config import DbUrlError, resolve_db_url

    try:
        db_url = resolve_db_url()  # $DATABASE_URL, never an argument: a command line is readable by anyone
    except DbUrlError as exc:
        print(f"export worker: {exc}", file=sys.stderr)
        return 2
    root = args.jobs_dir
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ[export_jobs.JOBS_DIR_ENV] = str(root)
    lock = os.open(root / WORKER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"export worker: another worker already serves {root}", file=sys.stderr)
        return 1
    os.nice(NICENESS)
    from dashboard.graphics import browser

    browser.remove_orphans()
    browser.shared().warm()  # Chromium starts now, not when the first visitor opens the Campaign page
    import importlib

    for module in args.tasks:
        if module.startswith("dashboard.pages."):
            _allow_page_imports()
        importlib.import_module(module)
    (root / export_jobs.WORKER_READY).write_text(str(os.getpid()), encoding="utf-8")  # start_worker_process waits
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _s, _f: stop.set())
    try:
        serve(root, args.threads, stop, db_url)
    finally:
        browser.shutdown()  # Chromium, its driver and every folder they made
        os.close(lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
