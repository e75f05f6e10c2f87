"""Tasks the export pool tests queue: they draw nothing, so the pool's own behaviour is what is tested."""
from __future__ import annotations

import os
import time
from pathlib import Path

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
