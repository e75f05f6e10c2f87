"""A clear answer, never an HTTP 500, while the dashboard's database holds no data.

`jewelcrime serve` loads data/raw/ into an empty database before it starts, but an app built another way
(`dashboard.wsgi` under a gunicorn of one's own) may start on an empty, outdated or unreachable database.
Until the database is usable every request gets a 503 that says what to do: a short HTML page, or JSON for
the API and for Dash's callbacks. Once the data is there (checked again on each request until then) the app
answers as usual, without a restart, and stops checking.
"""
from __future__ import annotations

import html
import threading

import flask
import sqlalchemy as sa

from etl import schema
from etl.errors import EtlError

NO_DATA = "no data loaded yet: run `jewelcrime etl` to load the data into this database, then reload this page"
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Jewelry Crime Analytics: no data yet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Jewelry Crime Analytics</h1><p>{message}</p></body></html>"""


def problem(engine: sa.Engine) -> str | None:
    """Why the dashboard cannot show anything from this database yet, in one line; None when it can."""
    try:
        with engine.connect() as conn:
            return None if schema.check_version(conn) else NO_DATA
    except EtlError as exc:  # another schema version: the message says which command fixes it
        return str(exc)
    except sa.exc.DBAPIError as exc:
        return f"the database cannot be read: {' '.join(str(exc.orig).split())}"


def response(message: str) -> flask.Response:
    """The 503 answer for the current request: JSON for the API and callbacks, else a page."""
    path = flask.request.path
    if path.startswith(("/api/", "/_dash-")):
        answer = flask.jsonify({"error": message})
    else:
        answer = flask.Response(PAGE.format(message=html.escape(message)), mimetype="text/html")
    answer.status_code = 503
    answer.headers["Retry-After"] = "30"
    answer.headers["Cache-Control"] = "no-store"
    return answer


def install(server: flask.Flask, engine: sa.Engine) -> None:
    """Answer every request with `response` until `problem(engine)` is None."""
    ready = threading.Event()

    @server.before_request
    def require_data() -> flask.Response | None:
        if ready.is_set():
            return None
        found = problem(engine)
        if found is None:
            ready.set()
            return None
        return response(found)
