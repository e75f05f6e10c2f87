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
"""
from __future__ import annotations

import json
import logging
import os
import queue
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

JOBS_DIR_ENV = "JEWELCRIME_JOBS_DIR"
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STATES = ("queued", "running", "done", "failed")
FINAL = ("done", "failed")
STATUS_FILE, RESULT_FILE = "status.json", "result.bin"

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
        self.root.mkdir(parents=True, exist_ok=True)
        self.workers, self.keep, self.max_age, self.max_waiting = max(1, workers), keep, max_age, max_waiting
        self._queue: queue.Queue[tuple[str, JobFunction]] = queue.Queue()
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
        self._queue.put((job_id, fn))
        return job_id

    def status(self, job_id: str) -> dict[str, Any]:
        """{"state", "done", "total", "current", "message"} of a job (JobError for a bad or unknown id)."""
        saved = self._read(job_id)
        return {k: saved.get(k, "" if k in ("current", "message") else 0) for k in
                ("state", "done", "total", "current", "message")}

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
        state = {"state": "running", "done": 0, "total": 0, "current": "", "message": ""}
        self._write(job_id, state)

        def progress(done: int, total: int, current: str = "") -> None:
            state.update(done=int(done), total=int(total), current=str(current))
            self._write(job_id, state)

        try:
            data, name = fn(progress)
            tmp = self._folder(job_id) / f".{RESULT_FILE}.tmp"
            tmp.write_bytes(data)
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
        tmp = folder / f".{STATUS_FILE}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, folder / STATUS_FILE)  # readers see the old status or the new one, never half of one

    def _read(self, job_id: str) -> dict[str, Any]:
        try:
            saved = json.loads((self._folder(job_id) / STATUS_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise JobError("this download is no longer available (it may have expired); start it again") from None
        if saved.get("state") not in STATES:
            raise JobError("this download's status cannot be read; start it again")
        return saved


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


def status(job_id: str) -> dict[str, Any]:
    return runner().status(job_id)


def result(job_id: str) -> tuple[bytes, str]:
    return runner().result(job_id)
