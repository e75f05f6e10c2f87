"""The server's export pool: a worker process of its own with a queue on disk, and the renderer's Chromium kept
within a memory cap and leaving no folder behind. Real processes, a real Chromium (browser-marked tests)."""
from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from dashboard import export_jobs
from dashboard.export_jobs import Runner
from dashboard.export_worker import OTHER_DB, claim, job_of
from dashboard.graphics import processes
from tests import export_pool_tasks  # noqa: F401 - registers the test tasks in this process too
from tests.conftest import FIXTURES, bound

TASKS = ("tests.export_pool_tasks",)


def wait_for(check, timeout: float = 60, what: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached after {timeout} s")


def finished(runner: Runner, job_id: str) -> dict:
    return wait_for(lambda: (s := runner.status(job_id))["state"] in ("done", "failed") and s, what=f"job {job_id}")


@pytest.fixture
def short_tmp():  # noqa: ANN201
    """A temp folder with a short path (Chromium's socket path must stay under 108 bytes), removed after."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="jc-pool-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith(("jewelcrime-render-", "playwright_chromiumdev")))


ENQUEUE = """
import sys
import tests.export_pool_tasks
from dashboard.export_jobs import Runner
root, log, name = sys.argv[1:]
print(" ".join(Runner(root).enqueue("test.record", {"log": log, "tag": f"{name}-{i}"}) for i in range(6)))
"""


def test_jobs_queued_from_two_processes_are_each_run_once_by_the_worker(tmp_path):
    root, log = tmp_path / "jobs", tmp_path / "ran.log"
    worker = export_jobs.start_worker_process(root, threads=2, tasks=TASKS)
    try:
        assert export_jobs.worker_running(root)
        second = subprocess.run([sys.executable, "-m", "dashboard.export_worker", "--jobs-dir", str(root)],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "another worker already serves" in second.stderr
        web = [subprocess.Popen([sys.executable, "-c", ENQUEUE, str(root), str(log), name], stdout=subprocess.PIPE,
                                text=True) for name in ("a", "b")]
        ids = [job for p in web for job in p.communicate(timeout=60)[0].split()]
        runner = Runner(root)
        assert len(set(ids)) == 12 and all(finished(runner, j)["state"] == "done" for j in ids)
        ran = [line.split() for line in log.read_text().splitlines()]
        assert sorted(tag for _pid, tag in ran) == sorted(f"{n}-{i}" for n in "ab" for i in range(6))  # once each
        assert {pid for pid, _tag in ran} == {str(worker.pid)}  # in the worker, not in the processes that queued
        assert sorted(runner.result(j)[0].decode() for j in ids) == sorted(tag for _pid, tag in ran)
        assert os.listdir(root / "queue") == []
        wait_for(lambda: os.listdir(root / "running") == [], 10, "claims dropped")  # just after "done" is written
    finally:
        assert export_jobs.stop_worker_process(worker) == 0
    assert not export_jobs.worker_running(root)


def test_claiming_a_job_is_exclusive_among_many_claimers(tmp_path):
    runner = Runner(tmp_path, max_waiting=100)
    ids = [runner.enqueue("test.record", {"log": "x", "tag": str(i)}) for i in range(40)]
    got: list[str] = []

    def take() -> None:
        while (claimed := claim(tmp_path, export_jobs.LANES["download"])) is not None:
            got.append(job_of(claimed.name))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)  # every job claimed, none twice


def test_a_killed_workers_job_is_reported_failed_and_the_queue_goes_on(tmp_path):
    root, release, log = tmp_path / "jobs", tmp_path / "release", tmp_path / "ran.log"
    worker = export_jobs.start_worker_process(root, threads=1, tasks=TASKS)
    runner = Runner(root)
    held = runner.enqueue("test.hold", {"release": str(release)})
    behind = runner.enqueue("test.record", {"log": str(log), "tag": "behind"})
    wait_for(lambda: runner.status(held)["state"] == "running", what="the held job running")
    assert runner.status(behind) == {"state": "queued", "position": 1, "done": 0, "total": 0, "current": "",
                                     "message": ""}
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(30)
    failed = runner.status(held)  # read from any process: the worker's pid is gone, so is the job
    assert failed["state"] == "failed" and "start it again" in failed["message"]
    assert not export_jobs.worker_running(root)
    assert runner.status(behind)["state"] == "queued"  # never claimed: waits for the next worker
    again = export_jobs.start_worker_process(root, threads=1, tasks=TASKS)
    try:
        assert finished(runner, behind)["state"] == "done"
        assert log.read_text().split() == [str(again.pid), "behind"]
        assert runner.status(held)["state"] == "failed"
        wait_for(lambda: os.listdir(root / "running") == [], 10, "claims dropped")  # the dead worker's one too
    finally:
        export_jobs.stop_worker_process(again)


SECRET = "Pa55-w0rd-x7"


def job_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_job_file_names_its_database_without_the_password(tmp_path):
    url = f"postgresql+psycopg://jewelcrime:{SECRET}@db.internal:5432/jewelcrime"
    root, log = tmp_path / "jobs", str(tmp_path / "ran.log")
    job = Runner(root).enqueue("test.db", {"db_url": url, "log": log})
    (queued,) = os.listdir(root / "queue")
    spec = json.loads((root / "queue" / queued).read_text(encoding="utf-8"))
    assert spec["job_id"] == job and spec["kwargs"] == {"log": log}  # the URL is not among the arguments
    assert spec["db"] == export_jobs.database_id(url)
    files = job_files(root)
    assert {p.name for p in files} == {queued, "status.json"}
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # the identifier is the database's, whatever password reaches it, and no other database's
    assert export_jobs.database_id(url.replace(SECRET, "another")) == spec["db"]
    assert export_jobs.database_id(url.replace("db.internal", "db2.internal")) != spec["db"]
    assert export_jobs.database_id(url[:url.rindex("/")] + "/other") != spec["db"]


def test_the_worker_runs_jobs_on_its_own_database_and_refuses_another(tmp_path):
    root, log = tmp_path / "jobs", tmp_path / "ran.log"
    ours, other = f"sqlite:///{tmp_path / 'ours.sqlite'}", f"sqlite:///{tmp_path / 'other.sqlite'}"
    worker = export_jobs.start_worker_process(root, threads=1, tasks=TASKS, db_url=ours)
    try:
        runner = Runner(root)
        refused = finished(runner, runner.enqueue("test.db", {"db_url": other, "log": str(log)}))
        assert refused["state"] == "failed" and refused["message"] == OTHER_DB
        assert "another database" in refused["message"] and not log.exists()  # not run
        job = runner.enqueue("test.db", {"db_url": ours, "log": str(log)})
        assert finished(runner, job)["state"] == "done"
        assert json.loads(runner.result(job)[0]) == {"url": ours, "password": False}
        assert log.read_text().split() == [str(worker.pid), "database"]
    finally:
        assert export_jobs.stop_worker_process(worker) == 0


@pytest.mark.postgres
def test_a_postgresql_job_runs_with_the_password_only_the_worker_holds(pg_url, tmp_path):
    import sqlalchemy as sa

    url = sa.make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)  # the test server trusts
    root, log = tmp_path / "jobs", tmp_path / "ran.log"
    worker = export_jobs.start_worker_process(root, threads=1, tasks=TASKS, db_url=url)
    try:
        assert SECRET.encode() not in Path(f"/proc/{worker.pid}/cmdline").read_bytes()  # readable by any user
        runner = Runner(root)
        job = runner.enqueue("test.db", {"db_url": url, "log": str(log)})
        assert finished(runner, job)["state"] == "done"
        assert json.loads(runner.result(job)[0]) == {"url": sa.make_url(url).render_as_string(hide_password=True),
                                                     "password": True}  # connected with the worker's own URL
        assert all(SECRET.encode() not in p.read_bytes() for p in job_files(root))
    finally:
        assert export_jobs.stop_worker_process(worker) == 0


@pytest.mark.browser
def test_a_queued_export_shows_its_position_then_progress_then_a_correct_file(cli, db_url, tmp_path, monkeypatch,
                                                                              short_tmp):
    from dashboard.app import create_app
    from dashboard.graphics import presets

    assert cli("etl", FIXTURES / "exports" / "jsa_sample_small.csv", "--db", db_url).exit_code == 0
    root, tmp, release = tmp_path / "jobs", short_tmp, tmp_path / "release"
    monkeypatch.setenv(export_jobs.JOBS_DIR_ENV, str(root))
    monkeypatch.setenv("TMPDIR", str(tmp))  # the worker's Chromium folders go here, where the test can see them
    monkeypatch.setattr(export_jobs, "_runner", None)
    page = bound(create_app(db_url), "campaign")
    worker = export_jobs.start_worker_process(root, threads=1, tasks=TASKS, db_url=db_url)
    try:
        held = export_jobs.submit("test.hold", release=str(release))
        wait_for(lambda: export_jobs.status(held)["state"] == "running", what="the held job running")
        sel = {"item": "figure:change_since_2019", "size": "square", "format": "png"}
        kit, image = page.begin(sel, "all"), page.begin(sel, "image")
        assert export_jobs.status(kit["id"])["position"] == 1 and export_jobs.status(image["id"])["position"] == 2
        assert page.progress_view(image, None)["text"] == "Queued: 1 download ahead of this one…"
        seen = [export_jobs.status(kit["id"])]
        release.touch()
        while seen[-1]["state"] not in ("done", "failed"):
            time.sleep(0.02)
            seen.append(export_jobs.status(kit["id"]))
        states = [s["state"] for s in seen]
        assert states[0] == "queued" and states[-1] == "done" and "running" in states
        assert states == sorted(states, key=["queued", "running", "done"].index)  # never back
        total = seen[-1]["total"]
        assert total == 8 and any(s["state"] == "running" and 0 < s["done"] < total for s in seen)
        with zipfile.ZipFile(io.BytesIO(export_jobs.result(kit["id"])[0])) as z:
            entry = next(e for e in json.loads(z.read("manifest.json"))["files"] if e["size"] == "story")
            assert Image.open(io.BytesIO(z.read(entry["file"]))).size == presets.BY_NAME["story"].size
        assert finished(export_jobs.runner(), image["id"])["state"] == "done"
        data, name = export_jobs.result(image["id"])
        assert name.endswith("_square.png") and Image.open(io.BytesIO(data)).size == (1080, 1080)
        # with the worker running, the page's previews are drawn there too
        src, alt, _alt, _info = page.update_preview({**sel, "size": "link"})
        assert alt and Image.open(io.BytesIO(__import__("base64").b64decode(src.split(",", 1)[1]))).size == (1200, 628)
        assert leftovers(tmp) != []  # the worker's Chromium is up, with its folder
    finally:
        assert export_jobs.stop_worker_process(worker) == 0
    assert leftovers(tmp) == []  # closed on SIGTERM with its profile


@pytest.mark.browser
def test_the_memory_cap_restarts_the_browser_and_the_next_export_is_the_same(cli, db_url, monkeypatch):
    from dashboard import exporter
    from dashboard.graphics import browser
    from etl.config import make_engine

    assert cli("etl", FIXTURES / "exports" / "jsa_sample_small.csv", "--db", db_url).exit_code == 0
    engine, renderer = make_engine(db_url), browser.Renderer()
    monkeypatch.setattr(browser, "_shared", renderer)
    monkeypatch.setenv(browser.MAX_MB_ENV, "100000")
    renderer.measure_every_s = 0.05
    try:
        before = exporter.export_figure(engine, "change_since_2019", "square", "png")
        old = renderer._browser_pid
        assert old and processes.alive(old) and renderer.restarts == 0
        wait_for(lambda: renderer.memory_mb > 20, what="a measurement of the browser's memory")
        renderer.measure_every_s = 600  # no further measurement: one restart, for the next job
        monkeypatch.setenv(browser.MAX_MB_ENV, "1")
        after = exporter.export_figure(engine, "change_since_2019", "square", "png")
        assert renderer.restarts == 1 and renderer._browser_pid not in (None, old)
        wait_for(lambda: not processes.alive(old), 10, "the old browser gone")
        assert Image.open(io.BytesIO(after.data)).size == (1080, 1080)
        assert Image.open(io.BytesIO(after.data)).tobytes() == Image.open(io.BytesIO(before.data)).tobytes()
    finally:
        renderer.close()


RENDER = """
import sys, time
from dashboard.graphics import browser
renderer = browser.shared()
renderer.run(lambda s: s.page_for(300, 200).screenshot())
if sys.argv[1] == "term":
    browser.install_signal_cleanup()
print(renderer._tmp.name, renderer._browser_pid, flush=True)
if sys.argv[1] != "exit":
    time.sleep(120)
"""


def render_process(tmp: Path, mode: str) -> tuple[subprocess.Popen, Path, int]:
    proc = subprocess.Popen([sys.executable, "-c", RENDER, mode], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp)})
    folder, pid = proc.stdout.readline().split()
    return proc, Path(folder), int(pid)


@pytest.mark.browser
def test_no_chromium_folder_is_left_after_exit_sigterm_or_sigkill_and_the_next_start(short_tmp):
    tmp = short_tmp
    proc, folder, pid = render_process(tmp, "exit")
    assert folder.parent == tmp and proc.wait(60) == 0
    assert leftovers(tmp) == [] and not processes.alive(pid)
    proc, folder, pid = render_process(tmp, "term")
    assert any(p.name.startswith("playwright_chromiumdev_profile-") for p in folder.iterdir())  # the profile is in it
    proc.terminate()
    assert proc.wait(60) == -signal.SIGTERM
    assert leftovers(tmp) == [] and wait_for(lambda: not processes.alive(pid), 10, "Chromium gone")
    proc, killed_folder, killed_pid = render_process(tmp, "kill")
    proc.kill()
    proc.wait(60)
    assert killed_folder.exists()  # nobody was left to remove it...
    proc, folder, pid = render_process(tmp, "exit")  # ...until the next renderer starts
    assert proc.wait(60) == 0
    assert leftovers(tmp) == [] and not processes.alive(killed_pid) and not processes.alive(pid)
