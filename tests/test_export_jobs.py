"""The background job runner behind the Campaign page's downloads."""
from __future__ import annotations

import json
import threading
import time

import pytest

from dashboard import export_jobs
from dashboard.export_jobs import JobError, Runner


def wait(runner: Runner, job_id: str, timeout: float = 10) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = runner.status(job_id)
        if s["state"] in ("done", "failed"):
            return s
        time.sleep(0.02)
    raise AssertionError(f"job still {s['state']} after {timeout} s")


def test_progress_is_reported_and_reaches_the_total(tmp_path):
    runner = Runner(tmp_path)
    step, seen = threading.Event(), []

    def job(progress):  # noqa: ANN001, ANN202
        for i in range(1, 4):
            progress(i, 3, f"file_{i}.png")
            step.wait(5)  # the test reads each step before the job goes on
            step.clear()
        return b"zip bytes", "kit.zip"

    job_id = runner.start(job)
    for i in range(1, 4):
        deadline = time.time() + 5
        while runner.status(job_id)["done"] < i and time.time() < deadline:
            time.sleep(0.01)
        seen.append(runner.status(job_id))
        step.set()
    assert [(s["state"], s["done"], s["total"], s["current"]) for s in seen] == [
        ("running", 1, 3, "file_1.png"), ("running", 2, 3, "file_2.png"), ("running", 3, 3, "file_3.png")]
    final = wait(runner, job_id)
    assert final == {"state": "done", "done": 3, "total": 3, "current": "kit.zip", "message": ""}
    assert runner.result(job_id) == (b"zip bytes", "kit.zip")


def test_a_job_waits_in_the_queue_behind_the_workers(tmp_path):
    runner, release = Runner(tmp_path, workers=1), threading.Event()
    first = runner.start(lambda progress: (release.wait(5), (b"1", "one.png"))[1])
    second = runner.start(lambda progress: (b"2", "two.png"))
    time.sleep(0.1)
    assert runner.status(second)["state"] == "queued"
    with pytest.raises(JobError, match="not ready"):
        runner.result(second)
    release.set()
    assert wait(runner, first)["state"] == wait(runner, second)["state"] == "done"
    assert runner.result(second) == (b"2", "two.png")
    assert all(t.name.startswith("export-job-") for t in runner._threads) and len(runner._threads) == 1


def test_a_failing_job_reports_failed_with_its_message(tmp_path):
    runner = Runner(tmp_path)

    def job(progress):  # noqa: ANN001, ANN202
        progress(1, 4, "a.png")
        raise ValueError("headline is too long for the story size\nTraceback (most recent call last): ...")

    job_id = runner.start(job)
    assert wait(runner, job_id) == {"state": "failed", "done": 1, "total": 4, "current": "a.png",
                                    "message": "headline is too long for the story size"}  # its words, no traceback
    with pytest.raises(JobError, match="not ready"):
        runner.result(job_id)
    assert wait(runner, runner.start(lambda p: {}["unknown figure 'x'"]))["message"] == "unknown figure 'x'"
    assert wait(runner, runner.start(lambda p: 1 / 0))["message"] == "division by zero"


@pytest.mark.parametrize("bad", ["../../etc", "..", "a/b", "x" * 10, "", "abc def ghi jkl mno", None, 42])
def test_a_bad_job_id_is_refused(tmp_path, bad):
    runner = Runner(tmp_path)
    with pytest.raises(JobError, match="not a download job id"):
        runner.status(bad)
    with pytest.raises(JobError, match="not a download job id"):
        runner.result(bad)


def test_an_unknown_job_says_so(tmp_path):
    with pytest.raises(JobError, match="no longer available"):
        Runner(tmp_path).status("A" * 24)


def test_status_and_result_are_read_from_disk_by_another_runner(tmp_path):
    job_id = Runner(tmp_path).start(lambda progress: (progress(1, 1, "one.png"), (b"\x89PNG", "one.png"))[1])
    other = Runner(tmp_path)  # e.g. another worker process of the server, pointed at the same folder
    assert wait(other, job_id)["state"] == "done"
    assert other.result(job_id) == (b"\x89PNG", "one.png")
    assert json.loads((tmp_path / job_id / "status.json").read_text())["file_name"] == "one.png"


def test_ids_are_random_and_old_jobs_are_removed(tmp_path):
    runner = Runner(tmp_path, keep=2, max_age=3600)
    ids = []
    for i in range(4):  # one after another: jobs running side by side may finish in any order
        ids.append(runner.start(lambda progress, i=i: (b"x", f"{i}.png")))
        wait(runner, ids[-1])
        time.sleep(0.01)  # distinct modification times: the newest are kept
    assert len(set(ids)) == 4 and all(export_jobs.JOB_ID.match(i) for i in ids)
    (tmp_path / "not-a-job").mkdir()
    runner.cleanup()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*ids[2:], "not-a-job"])
    runner.cleanup(now=time.time() + 3601)  # an hour later nothing of the jobs is left
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-job"]


def test_the_process_runner_is_made_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setattr(export_jobs, "_runner", None)
    monkeypatch.setenv(export_jobs.JOBS_DIR_ENV, str(tmp_path / "shared"))
    job_id = export_jobs.start(lambda progress: (b"ok", "ok.txt"))
    assert export_jobs.runner() is export_jobs.runner() and export_jobs.runner().root == tmp_path / "shared"
    assert wait(export_jobs.runner(), job_id)["state"] == "done" and export_jobs.result(job_id) == (b"ok", "ok.txt")
