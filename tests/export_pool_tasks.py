"""Tasks the export pool tests queue: they draw nothing, so the pool's own behaviour is what is tested."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import sqlalchemy as sa

from dashboard import export_jobs


@export_jobs.task("test.record")
def record(progress, log: str, tag: str) -> tuple[bytes, str]:  # noqa: ANN001
    """Append `pid tag` to the log (O_APPEND: whole lines from every thread) and return the tag."""
    progress(1, 1, tag)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {tag}\n")
    return tag.encode(), f"{tag}.txt"


@export_jobs.task("test.hold")
def hold(progress, release: str, steps: int = 1) -> tuple[bytes, str]:  # noqa: ANN001
    """Report step 0 of `steps`, then wait until the file `release` exists (or 60 s)."""
    progress(0, steps, "holding")
    deadline = time.time() + 60
    while not Path(release).exists() and time.time() < deadline:
        time.sleep(0.02)
    progress(steps, steps, "released")
    return b"held", "held.txt"


@export_jobs.task("test.db")
def database(progress, db_url: str, log: str) -> tuple[bytes, str]:  # noqa: ANN001
    """Open the database this task is handed (a real connection), note it in the log and return the URL it
    was handed, password hidden, and whether that URL carried a password."""
    engine = export_jobs.engine_for(db_url)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    progress(1, 1, "database")
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} database\n")
    shown = {"url": engine.url.render_as_string(hide_password=True), "password": engine.url.password is not None}
    return json.dumps(shown).encode(), "database.json"
