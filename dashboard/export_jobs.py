"""Downloads made in the background, with progress a page can poll.

A download (one image, or a ZIP of many) can take from a second to a minute
while the single rendering browser draws file after file. Instead of holding
a request open that long, the Campaign page starts a job here and polls its
status every few hundred milliseconds:

    job_id = export_jobs.start(lambda progress: (zip_bytes, "kit.zip"))
    export_jobs.status(job_id)  # {"state": "running", "done": 12, "total": 24, "current": "...", "message": ""}
    export_jobs.result(job_id)  # (bytes, file name) once the state is "done"

The job function is called with `progress(done, total, current_file)` and
returns (file bytes, file name). It runs on one of a small, fixed number of
worker threads of its own (not the web server's request threads), so it must
be handed everything it needs (the database engine included): there is no
request or app context in that thread.

The state of every job lives on disk, one folder per job holding `status.json`
(replaced atomically on every change) and, once done, the result file. Any
process of the same machine pointed at the same folder (set
$JEWELCRIME_JOBS_DIR; by default each process uses a temporary folder of its
own) can answer a status or result request. Old jobs are removed as new ones
start: anything untouched for `max_age` seconds, and finished jobs beyond the
newest `keep`. Job ids are random and checked against a pattern before they
are used in a path.

One export pool per server: a closure can only run in the process that made
it, so the page submits a *task* instead (a function registered with `@task`,
called with JSON arguments: `submit("campaign.package", db_url=..., ...)`).
When an export worker process serves the jobs folder (`python -m
dashboard.export_worker --jobs-dir DIR`, started by `start_worker_process`),
the task is queued on disk for it and every web process stays free for
pages; when none does (tests, one process, the CLI), it runs in this
process's pool of threads as before. A queued job's status carries its
`position` in the line (1 = next).

A task's database is its `db_url` argument. A job queued on disk never holds
that URL (it may carry a password): its file records only `database_id(url)`,
a hash of the URL without the password, and the worker, which is given its own
database URL when it starts ($DATABASE_URL, set by `start_worker_process`),
runs the job on its own URL when the two match and fails it with a message
when they do not. Job files are made 0600 in a 0700 folder.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from dashboard.graphics import processes

log = logging.getLogger(__name__)

JOBS_DIR_ENV = "JEWELCRIME_JOBS_DIR"
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STATES = ("queued", "running", "done", "failed")
FINAL = ("done", "failed")
STATUS_FILE, RESULT_FILE = "status.json", "result.bin"
QUEUE_DIR, RUNNING_DIR, WORKER_LOCK, WORKER_READY = "queue", "running", "worker.lock", "worker.ready"
LANES = {"preview": "0", "download": "1"}  # queue file names sort previews first
DB_KWARG = "db_url"  # the task argument naming the database: kept out of job files

Progress = Callable[[int, int, str], None]
JobFunction = Callable[[Progress], tuple[bytes, str]]


class JobError(ValueError):
    """A job id that is malformed or unknown, a result asked for too early, or a full queue (the message says)."""


def failure_message(exc: BaseException) -> str:
    """What a user is told about a failed job: the error's own words (first line, never a traceback)."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    text = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return (text[:300] or f"the download could not be made ({type(exc).__name__})")


class Runner:
    """A fixed pool of worker threads and the folder that holds its jobs' state."""

    def __init__(self, root: Path | str | None = None, workers: int = 2, keep: int = 30,
                 max_age: float = 3600.0, max_waiting: int = 16) -> None:
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="jewelcrime-jobs-"))
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)  # job files may name the database
        self.workers, self.keep, self.max_age, self.max_waiting = max(1, workers), keep, max_age, max_waiting
        self._queue: queue.Queue[tuple[str, JobFunction]] = queue.Queue()
        self._waiting: list[str] = []  # this process's queued job ids, oldest first: their positions
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the public calls

    def start(self, fn: JobFunction) -> str:
        """Queue `fn` and return its job id at once."""
        self.cleanup()
        if self._queue.qsize() >= self.max_waiting:
            raise JobError("Too many downloads are waiting to be made; try again in a minute.")
        job_id = secrets.token_urlsafe(18)
        self._folder(job_id).mkdir()
        self._write(job_id, {"state": "queued", "done": 0, "total": 0, "current": "", "message": ""})
        self._ensure_workers()
        with self._lock:
            self._waiting.append(job_id)
        self._queue.put((job_id, fn))
        return job_id

    def enqueue(self, name: str, kwargs: dict[str, Any], lane: str = "download") -> str:
        """Queue task `name` on disk for the export worker process and return its job id at once."""
        self.cleanup()
        line = self.root / QUEUE_DIR
        line.mkdir(mode=0o700, exist_ok=True)
        if lane == "download" and len(self._line(LANES[lane])) >= self.max_waiting:
            raise JobError("Too many downloads are waiting to be made; try again in a minute.")
        job_id = secrets.token_urlsafe(18)
        self._folder(job_id).mkdir()
        self._write(job_id, {"state": "queued", "done": 0, "total": 0, "current": "", "message": ""})
        kwargs = dict(kwargs)
        spec: dict[str, Any] = {"job_id": job_id, "task": name, "module": TASKS[name].__module__}
        if DB_KWARG in kwargs:  # the worker brings its own URL: the file names the database, not its password
            spec["db"] = database_id(str(kwargs.pop(DB_KWARG)))
        spec["kwargs"] = kwargs
        tmp = line / f".{job_id}.tmp"
        _write_private(tmp, json.dumps(spec).encode("utf-8"))
        os.replace(tmp, line / f"{LANES[lane]}-{time.time_ns():020d}-{job_id}")  # whole, or not there
        return job_id

    def status(self, job_id: str) -> dict[str, Any]:
        """{"state", "done", "total", "current", "message"} of a job, and its `position` while it is queued
        (JobError for a bad or unknown id). A job whose process died is reported failed, never running."""
        saved = self._read(job_id)
        if saved["state"] == "running" and saved.get("pid") and not processes.alive(saved["pid"], saved.get("started")):
            saved.update(state="failed", message="The export stopped when the process making it ended; start it again.")
            try:
                self._write(job_id, saved)
            except OSError:
                pass
        out = {k: saved.get(k, "" if k in ("current", "message") else 0) for k in
               ("state", "done", "total", "current", "message")}
        if out["state"] == "queued":
            out["position"] = self._position(job_id)
        return out

    def _line(self, lane: str) -> list[str]:
        """The names of the jobs waiting on disk in a lane, in the order they will run."""
        try:
            return sorted(n for n in os.listdir(self.root / QUEUE_DIR) if n.startswith(f"{lane}-"))
        except FileNotFoundError:
            return []

    def _position(self, job_id: str) -> int:
        with self._lock:
            if job_id in self._waiting:
                return self._waiting.index(job_id) + 1
        for lane in LANES.values():
            found = [i for i, name in enumerate(self._line(lane)) if name.endswith(job_id)]
            if found:
                return found[0] + 1
        return 1  # claimed a moment ago, or queued in another process's own pool

    def result(self, job_id: str) -> tuple[bytes, str]:
        """(file bytes, file name) of a finished job."""
        saved = self._read(job_id)
        if saved["state"] != "done":
            raise JobError(f"the download is not ready (it is {saved['state']})")
        return (self._folder(job_id) / RESULT_FILE).read_bytes(), saved["file_name"]

    def cleanup(self, now: float | None = None) -> None:
        """Remove jobs untouched for max_age seconds, and finished jobs beyond the newest `keep`."""
        now = time.time() if now is None else now
        finished: list[tuple[float, Path]] = []
        for folder in self.root.iterdir():
            if not (folder.is_dir() and JOB_ID.match(folder.name)):
                continue  # never touch what is not a job folder (the directory may be shared)
            status = folder / STATUS_FILE
            try:
                touched = status.stat().st_mtime
                state = json.loads(status.read_text(encoding="utf-8")).get("state")
            except (OSError, ValueError):
                try:
                    touched, state = folder.stat().st_mtime, None
                except OSError:  # removed meanwhile by another process
                    continue
            if now - touched > self.max_age:
                shutil.rmtree(folder, ignore_errors=True)
            elif state in FINAL:
                finished.append((touched, folder))
        for _touched, folder in sorted(finished, reverse=True)[self.keep:]:
            shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------ the workers

    def _ensure_workers(self) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, name=f"export-job-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            job_id, fn = self._queue.get()
            try:
                self._run(job_id, fn)
            finally:
                self._queue.task_done()

    def _run(self, job_id: str, fn: JobFunction) -> None:
        with self._lock:
            if job_id in self._waiting:
                self._waiting.remove(job_id)
        pid = os.getpid()
        state = {"state": "running", "done": 0, "total": 0, "current": "", "message": "", "pid": pid,
                 "started": processes.start_time(pid)}
        try:
            self._write(job_id, state)
        except OSError:  # removed meanwhile (expired while it waited): nobody is waiting for it
            log.warning("download job %s was removed before it ran", job_id)
            return

        def progress(done: int, total: int, current: str = "") -> None:
            state.update(done=int(done), total=int(total), current=str(current))
            self._write(job_id, state)

        try:
            data, name = fn(progress)
            tmp = self._folder(job_id) / f".{RESULT_FILE}.tmp"
            _write_private(tmp, data)
            os.replace(tmp, self._folder(job_id) / RESULT_FILE)
        except Exception as exc:  # noqa: BLE001 - a job's failure is reported to its page, not raised here
            log.exception("download job %s failed", job_id)
            state.update(state="failed", message=failure_message(exc))
        else:
            total = state["total"] or 1
            state.update(state="done", done=total, total=total, current=name, file_name=name)
        try:
            self._write(job_id, state)
        except OSError:  # the folder was removed meanwhile: nobody is waiting for this job
            log.warning("download job %s finished after its folder was removed", job_id)

    # ------------------------------------------------------------ the files

    def _folder(self, job_id: str) -> Path:
        if not isinstance(job_id, str) or not JOB_ID.match(job_id):
            raise JobError("not a download job id")
        return self.root / job_id

    def _write(self, job_id: str, state: dict[str, Any]) -> None:
        folder = self._folder(job_id)
        tmp = folder / f".{STATUS_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"  # one per writer, any process
        _write_private(tmp, json.dumps(state).encode("utf-8"))
        os.replace(tmp, folder / STATUS_FILE)  # readers see the old status or the new one, never half of one

    def _read(self, job_id: str) -> dict[str, Any]:
        try:
            saved = json.loads((self._folder(job_id) / STATUS_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise JobError("this download is no longer available (it may have expired); start it again") from None
        if saved.get("state") not in STATES:
            raise JobError("this download's status cannot be read; start it again")
        return saved


def _write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by this user only (0600 whatever the umask)."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # a file left by a killed writer would keep its old mode
        out.write(data)


def database_id(url: str) -> str:
    """A name for the database at `url` that holds no secret: the hash of the URL with its password hidden
    (the same database whatever password reaches it)."""
    import sqlalchemy as sa

    from dashboard.cache import db_hash

    return db_hash(sa.make_url(url).render_as_string(hide_password=True))


_runner: Runner | None = None
_runner_pid: int | None = None
_runner_lock = threading.Lock()


def runner() -> Runner:
    """This process's runner, made on first use (a forked worker process makes its own threads)."""
    global _runner, _runner_pid
    with _runner_lock:
        if _runner is None or _runner_pid != os.getpid():
            _runner, _runner_pid = Runner(os.environ.get(JOBS_DIR_ENV) or None), os.getpid()
        return _runner


def start(fn: JobFunction) -> str:
    return runner().start(fn)


TASKS: dict[str, Callable[..., tuple[bytes, str]]] = {}


def task(name: str) -> Callable[[Callable[..., tuple[bytes, str]]], Callable[..., tuple[bytes, str]]]:
    """Register `fn(progress, **json_kwargs) -> (bytes, file name)` as a task any process can run by name."""
    def register(fn: Callable[..., tuple[bytes, str]]) -> Callable[..., tuple[bytes, str]]:
        TASKS[name] = fn
        return fn
    return register


def worker_running(root: Path | str | None = None) -> bool:
    """Whether an export worker process serves the jobs folder (it holds an exclusive lock on its lock file
    for as long as it lives, so a killed worker is never taken for a live one)."""
    import fcntl

    try:
        fd = os.open(Path(root or runner().root) / WORKER_LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False


def submit(name: str, lane: str = "download", **kwargs: Any) -> str:
    """Start task `name` with JSON-able `kwargs`: on the export worker process when one serves the jobs
    folder, else in this process's pool. Returns the job id."""
    fn, run = TASKS[name], runner()
    if worker_running(run.root):
        return run.enqueue(name, kwargs, lane)
    return run.start(lambda progress: fn(progress, **kwargs))


def call(name: str, timeout: float = 120.0, **kwargs: Any) -> tuple[bytes, str]:
    """Run task `name` on the export worker ahead of queued downloads and wait for its result (for a
    preview the page must draw now). JobError with the task's own message when it fails."""
    run = runner()
    job_id = run.enqueue(name, kwargs, "preview")
    deadline, pause = time.monotonic() + timeout, 0.02
    while time.monotonic() < deadline:
        s = run.status(job_id)
        if s["state"] == "done":
            return run.result(job_id)
        if s["state"] == "failed":
            raise JobError(s["message"])
        time.sleep(pause)
        pause = min(pause * 1.5, 0.2)
    raise JobError("the preview took too long to draw; try again in a minute")


_engines: dict[str, Any] = {}


def engine_for(url: str) -> Any:
    """One engine per database URL in a process that runs tasks for web processes."""
    from etl.config import make_engine

    with _runner_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def db_url(engine: Any) -> str:
    """The URL a task is handed to open the same database (with its password: it stays in this process's
    memory; a job queued for the worker records only `database_id` of it)."""
    return engine.url.render_as_string(hide_password=False)


DEFAULT_TASKS = ("dashboard.pages.campaign",)  # imported before the worker says it is ready: no first-job wait


def start_worker_process(jobs_dir: Path | str, threads: int = 2, tasks: tuple[str, ...] = DEFAULT_TASKS,
                         ready_timeout: float = 60.0, db_url: str | None = None) -> subprocess.Popen:
    """Start the server's export worker on `jobs_dir` and return once it serves it (web processes started
    after this queue their exports there; give them the same $JEWELCRIME_JOBS_DIR). `tasks`: modules of
    tasks to load at start (the worker also imports a job's own `dashboard.` module when it first meets it).
    `db_url`: the database it makes exports from, handed over in its environment ($DATABASE_URL; never on
    its command line, which every user can read); without it the worker resolves $DATABASE_URL as the CLI
    does. Stop it with `stop_worker_process`."""
    jobs_dir = Path(jobs_dir)
    jobs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    extra = [arg for module in tasks for arg in ("--tasks", module)]
    env = {**os.environ, JOBS_DIR_ENV: str(jobs_dir)}
    if db_url is not None:
        from etl.config import ENV_VAR

        env[ENV_VAR] = db_url
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.export_worker", "--jobs-dir", str(jobs_dir),
                             "--threads", str(threads), *extra], env=env)
    deadline = time.monotonic() + ready_timeout

    def ready() -> bool:  # it holds the lock and has loaded its tasks
        try:
            return (jobs_dir / WORKER_READY).read_text(encoding="utf-8") == str(proc.pid) and worker_running(jobs_dir)
        except OSError:
            return False

    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker_process(proc)
            raise RuntimeError(f"the export worker did not start on {jobs_dir} (exit code {proc.returncode})")
        time.sleep(0.05)
    return proc


def stop_worker_process(proc: subprocess.Popen, timeout: float = 30.0) -> int:
    """SIGTERM (the worker finishes or fails its running jobs and closes Chromium), then SIGKILL after
    `timeout` seconds. Returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def status(job_id: str) -> dict[str, Any]:
    return runner().status(job_id)


def result(job_id: str) -> tuple[bytes, str]:
    return runner().result(job_id)
