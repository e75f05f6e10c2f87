"""The database of the running app: kept on the Flask app itself, so two apps in one process can read two
databases. Only callbacks and page layouts (which run inside a request) ask for it; everything they call
takes the engine as an argument."""
from __future__ import annotations

import flask
import sqlalchemy as sa

KEY = "jewelcrime.engine"


def attach(server: flask.Flask, engine: sa.Engine) -> None:
    server.extensions[KEY] = engine


def engine() -> sa.Engine:
    """The engine of the app serving the current request."""
    if not flask.has_app_context():
        raise RuntimeError("no running dashboard app: call this inside a request or `app.server.app_context()`")
    found = flask.current_app.extensions.get(KEY)
    if found is None:
        raise RuntimeError("the dashboard has no database: build the app with dashboard.app.create_app")
    return found
