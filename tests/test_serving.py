"""`jewelcrime serve` under gunicorn and the WSGI entry point, as real servers in subprocesses."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.live_server import PROJECT, SMALL, alive, fetch, free_port, jewelcrime, running, small_database

SERVE = ["-m", "dashboard.cli", "serve", "--port", "{port}"]
NOTICES = {  # the banner-and-footer callback every page runs (dashboard/app.py data_notices)
    "output": "..sample-banner.children...data-footer.children..",
    "outputs": [{"id": "sample-banner", "property": "children"}, {"id": "data-footer", "property": "children"}],
    "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"}],
    "changedPropIds": ["_pages_location.pathname"],
}


def callback(base: str, payload: dict = NOTICES):  # noqa: ANN201
    return fetch(base + "/_dash-update-component", json.dumps(payload).encode(), {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def small_url(tmp_path_factory) -> str:  # noqa: ANN001
    """One small database for the tests that only read it."""
    return small_database(tmp_path_factory.mktemp("small"))


def test_two_worker_processes_answer(tmp_path: Path, small_url: str) -> None:
    url = small_url
    access = tmp_path / "access.log"
    # gunicorn's own settings from $GUNICORN_CMD_ARGS: an access log that names the worker of each request
    extra = f"--access-logfile {access} --access-logformat '%(p)s %(s)s %(U)s'"
    with running([*SERVE, "--db", url, "--workers", "2", "--threads", "2"], tmp_path / "serve.log",
                 env={"GUNICORN_CMD_ARGS": extra}) as server:
        workers = server.workers()
        assert len(workers) == 2, server.output()
        assert len(server.export_workers()) == 1  # downloads run in a process of their own
        pids: set[int] = set()
        statuses: list[int] = []
        for _round in range(20):  # concurrent requests on new connections, until both workers have answered
            batch = [threading.Thread(target=lambda: statuses.append(callback(server.base).status)) for _ in range(8)]
            for t in batch:
                t.start()
            for t in batch:
                t.join()
            lines = access.read_text().splitlines() if access.exists() else []
            pids = {int(re.sub(r"\D", "", line.split()[0])) for line in lines if "/_dash-update-component" in line}
            if len(pids) == 2:
                break
        assert set(statuses) == {200}
        assert pids == set(workers), (pids, workers)
        # the Campaign page's download jobs live in one folder the master made for its workers
        made = list(Path(tempfile.gettempdir()).glob(f"jewelcrime-jobs-{server.proc.pid}-*"))
        assert len(made) == 1 and made[0].is_dir()
        jobs_dir = made[0]
        # SIGTERM to the master alone: it stops its workers and exits cleanly, and removes the jobs folder
        os.kill(server.proc.pid, signal.SIGTERM)
        assert server.proc.wait(40) == 0
        assert not any(alive(w) for w in workers)
        assert not jobs_dir.exists()
        assert "Traceback" not in server.output()


def test_sigint_stops_gracefully(tmp_path: Path, small_url: str) -> None:
    url = small_url
    with running([*SERVE, "--db", url, "--workers", "2"], tmp_path / "serve.log") as server:
        workers = server.workers()
        os.killpg(server.proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches every process of the group
        assert server.proc.wait(40) == 0
        assert not any(alive(w) for w in workers)


def test_serve_loads_an_empty_database_once_before_the_workers(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "jsa").mkdir(parents=True)
    shutil.copy(SMALL, raw / "jsa" / SMALL.name)
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    # serve loads everything under data/raw/: the same command, pointed at a folder of one small file
    script = tmp_path / "serve_small.py"
    script.write_text("import sys\nfrom pathlib import Path\nimport etl.pipeline as p\n"
                      f"_d = p.discover\np.discover = lambda raw_dir=None: _d(Path({str(raw)!r}))\n"
                      "from dashboard.cli import main\nsys.argv[0] = 'jewelcrime'\nmain()\n")
    with running([str(script), "serve", "--port", "{port}", "--db", url, "--workers", "2"],
                 tmp_path / "serve.log") as server:
        page = fetch(server.base + "/")
        assert page.status == 200
        assert server.output().count("the database was empty: loading data/raw/ first") == 1
        assert callback(server.base).status == 200
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM load_batch WHERE file_name = :f"),
                            {"f": SMALL.name}).scalar_one() == 1


def test_factory_on_an_empty_database_gives_a_clear_page(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    url = f"sqlite:///{empty}"
    gunicorn = ["-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "2", "-b", "127.0.0.1:{port}",
                "--no-control-socket", "dashboard.wsgi:create()"]
    with running(gunicorn, tmp_path / "gunicorn.log", env={"DATABASE_URL": url}) as server:
        for path in ("/", "/map", "/trends?region=CA", "/api/v1/charts/trends-yearly.csv", "/nowhere"):
            answer = fetch(server.base + path)
            assert answer.status == 503, (path, answer.status)
            assert "no data loaded yet: run `jewelcrime etl`" in answer.text
        answer = callback(server.base)
        assert answer.status == 503 and "no data loaded yet" in json.loads(answer.body)["error"]
        with sa.create_engine(url).connect() as conn:  # the factory built nothing
            assert sa.inspect(conn).get_table_names() == []
        # once the data is loaded the same workers answer, without a restart
        done = jewelcrime("etl", str(SMALL), "--db", url)
        assert done.returncode == 0, done.stderr
        assert {fetch(server.base + "/").status for _ in range(6)} == {200}
        assert callback(server.base).status == 200
        assert "Traceback" not in server.output() and " 500 " not in server.output()


def test_wsgi_app_reads_database_url(tmp_path: Path, small_url: str) -> None:
    url = small_url
    gunicorn = ["-m", "gunicorn", "-w", "1", "-k", "gthread", "-b", "127.0.0.1:{port}", "--no-control-socket",
                "dashboard.wsgi:app"]
    with running(gunicorn, tmp_path / "gunicorn.log", env={"DATABASE_URL": url}) as server:
        csv = fetch(server.base + "/api/v1/charts/trends-yearly.csv?source=JSA")
        assert csv.status == 200 and "year" in csv.text.splitlines()[0].lower()
        assert fetch(server.base + "/").headers["server"] == "jewelcrime"


def test_which_hosts_count_as_loopback() -> None:
    from dashboard.serving import bind_address, is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "LOCALHOST"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.5", "192.168.1.20", "example.org", "localhost.example"]))
    assert bind_address("::1", 8050) == "[::1]:8050" and bind_address("0.0.0.0", 80) == "0.0.0.0:80"


def test_debug_with_a_public_host_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "never.sqlite"
    for host in ("0.0.0.0", "::", "192.168.1.20", "dashboard.example.org"):
        done = jewelcrime("serve", "--debug", "--host", host, "--port", str(free_port()), "--db", f"sqlite:///{target}",
                          timeout=60)
        assert done.returncode == 2, (host, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "--debug" in lines[0] and f"--host {host}" in lines[0], done.stderr
        assert done.stdout == ""
    assert not target.exists()  # refused before anything was opened or built


def test_public_host_warns_that_there_is_no_login(tmp_path: Path, small_url: str) -> None:
    url = small_url
    with running([*SERVE, "--db", url, "--host", "0.0.0.0", "--workers", "1"], tmp_path / "serve.log") as server:
        assert fetch(server.base + "/").status == 200
        warnings = [line for line in server.output().splitlines() if "warning" in line]
    assert len(warnings) == 1, server.output()
    assert "no login" in warnings[0] and "docs/serving.md" in warnings[0]
    with running([*SERVE, "--db", url, "--workers", "1"], tmp_path / "local.log") as server:
        assert fetch(server.base + "/").status == 200
        assert "warning" not in server.output()


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_read_only_database_is_served_as_it_is(tmp_path: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="jewelcrime-ro-"))
    try:
        url = small_database(folder)
        before = _files(folder)
        if os.geteuid() != 0:  # a read-only file in a read-only folder
            wrapper = None
            (folder / "small.sqlite").chmod(0o444)
            folder.chmod(0o555)
        elif shutil.which("unshare") and shutil.which("mount"):  # root writes anything: a read-only mount instead
            wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                       f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"', "sh"]
            probe = jewelcrime_probe(wrapper, folder)
            if probe:
                pytest.skip(f"no read-only mount here: {probe}")
        else:
            pytest.skip("running as root without unshare/mount: no way to make a read-only database")
        with running([*SERVE, "--db", url, "--workers", "2"], tmp_path / "serve.log", wrapper=wrapper) as server:
            assert fetch(server.base + "/").status == 200
            answer = callback(server.base)
            assert answer.status == 200 and "jsa_trends.csv" in answer.text
            csv = fetch(server.base + "/api/v1/charts/trends-yearly.csv?source=JSA")
            assert csv.status == 200
            said = [line for line in server.output().splitlines() if "read-only" in line]
            assert len(said) == 1 and "nothing is loaded" in said[0], server.output()
        assert _files(folder) == before  # not a byte written, no journal, -wal or -shm file made
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def jewelcrime_probe(wrapper: list[str], folder: Path) -> str:
    """'' when the wrapper really makes `folder` read-only, else what went wrong."""
    import subprocess

    done = subprocess.run([*wrapper, sys.executable, "-c",
                           f"import os; print(os.access({str(folder)!r}, os.W_OK))"],
                          capture_output=True, text=True, timeout=30, cwd=PROJECT)
    return "" if done.stdout.strip() == "False" else (done.stderr.strip() or done.stdout.strip())


def test_read_only_empty_database_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    done = jewelcrime("serve", "--port", str(free_port()), "--db", f"sqlite:///file:{empty}?mode=ro&uri=true",
                      timeout=60)
    assert done.returncode == 1
    assert "holds no data" in done.stderr and "Traceback" not in done.stderr
    assert sa.inspect(sa.create_engine(f"sqlite:///{empty}")).get_table_names() == []

