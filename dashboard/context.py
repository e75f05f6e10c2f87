"""The database the running app reads (set once by create_app)."""
from __future__ import annotations

import sqlalchemy as sa

_engine: sa.Engine | None = None


def set_engine(engine: sa.Engine) -> None:
    global _engine
    _engine = engine


def engine() -> sa.Engine:
    if _engine is None:
        raise RuntimeError("the dashboard has no database: call dashboard.app.create_app first")
    return _engine
