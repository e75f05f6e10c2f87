"""`jewelcrime serve` for a team: the dashboard in several gunicorn worker processes (see docs/serving.md).

Each worker is a separate process with its own threads (gunicorn's `gthread` worker) and builds its own app
and database engine after the fork (no preloading): a SQLite or PostgreSQL connection is never shared across
processes. The command prepares the database before any worker starts, so workers never race to build it.
SIGTERM and SIGINT (Ctrl-C) both stop gracefully: no new connections, requests in flight finish (up to
`GRACEFUL_TIMEOUT` seconds).
"""
from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

TIMEOUT = 120  # a worker silent for this long is restarted (the slowest callbacks take a few seconds)
GRACEFUL_TIMEOUT = 30


def is_loopback(host: str) -> bool:
    """True when `host` can be reached only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a public interface


def bind_address(host: str, port: int) -> str:
    host = host.strip("[]")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _graceful_on_sigint(worker: Any) -> None:  # noqa: ANN401 - a gunicorn worker
    # gunicorn's workers quit at once on SIGINT; Ctrl-C reaches them too, so treat it as SIGTERM
    signal.signal(signal.SIGINT, worker.handle_exit)


class _Arbiter(Arbiter):
    def handle_int(self) -> None:
        raise StopIteration  # as SIGTERM: the main loop stops gracefully


class DashboardServer(BaseApplication):
    """gunicorn, configured in code; $GUNICORN_CMD_ARGS (gunicorn's own option syntax) is applied last."""

    def __init__(self, db_url: str, options: dict[str, Any]) -> None:
        self.db_url, self.options = db_url, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        extra = self.cfg.get_cmd_args_from_env()
        if extra:
            parsed = self.cfg.parser().parse_args(extra)
            for key, value in vars(parsed).items():
                if value is not None and key != "args":
                    self.cfg.set(key.lower(), value)

    def load(self):  # noqa: ANN201 - runs in each worker, after the fork
        from dashboard import wsgi

        return wsgi.create(self.db_url)

    def run(self) -> None:
        _Arbiter(self).run()


def options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings of `jewelcrime serve`."""
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "proc_name": "jewelcrime",
        "errorlog": "-",
        "loglevel": "warning",
        "control_socket_disable": True,  # one fixed socket path per user: two servers would collide
        "post_worker_init": _graceful_on_sigint,
    }


def run(db_url: str, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    from dashboard import export_jobs, security
    from dashboard.export_jobs import JOBS_DIR_ENV

    security.hide_server_software()
    # the Campaign page's downloads are polled from whichever worker answers: one folder holds their state
    made = None if os.environ.get(JOBS_DIR_ENV) else tempfile.mkdtemp(prefix=f"jewelcrime-jobs-{os.getpid()}-")
    if made:
        os.environ[JOBS_DIR_ENV] = made
    master = os.getpid()
    # exports (and their Chromium) run in one worker process of their own, at a lower priority, so a
    # burst of downloads never holds the request threads; the web workers queue onto its folder. It is
    # handed the database here (its job files name the database only by a hash, never with its password)
    exporter = export_jobs.start_worker_process(os.environ[JOBS_DIR_ENV], db_url=db_url)
    try:
        DashboardServer(db_url, options(host, port, workers, threads)).run()
    finally:
        if os.getpid() == master:  # a worker leaves through here too (sys.exit after the fork)
            export_jobs.stop_worker_process(exporter)
            if made:
                shutil.rmtree(made, ignore_errors=True)
