"""WSGI entry point, for running the dashboard under a WSGI server of one's own (see docs/serving.md):

    DATABASE_URL=postgresql+psycopg://user:pass@db/jewelcrime gunicorn -w 4 -k gthread --threads 8 'dashboard.wsgi:app'
    gunicorn 'dashboard.wsgi:create()'                      # the same, as a factory
    gunicorn "dashboard.wsgi:create('sqlite:////srv/jewelcrime.sqlite')"

The database is $DATABASE_URL (else the bundled SQLite file), or the URL given to `create`. Nothing is
built or loaded here: on an empty database every page says "no data loaded yet: run `jewelcrime etl`"
(HTTP 503) until the data is loaded, so several workers never race to build it. `app` is made on first
use, in the process that serves it (with gunicorn's default, in each worker after the fork).
"""
from __future__ import annotations

import threading

import flask

from dashboard import security

_lock = threading.Lock()
_app: flask.Flask | None = None


def create(db_url: str | None = None) -> flask.Flask:
    """A new dashboard as a WSGI application (the Flask server under the Dash app)."""
    from dashboard.app import create_app
    from etl.config import resolve_db_url

    security.hide_server_software()
    return create_app(resolve_db_url(db_url)).server


def __getattr__(name: str) -> flask.Flask:
    """`dashboard.wsgi:app`: the dashboard of $DATABASE_URL, made once per process."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if _app is None:
            _app = create()
        return _app
