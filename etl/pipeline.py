"""Files in, database out: detect, read, transform, load; one result per file."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa

from etl import load, schema
from etl.config import RAW_DIR, REFERENCE_DIR
from etl.errors import FileRejected
from etl.formats import TABULAR, detect, reference
from etl.formats.tabular import sniff

Progress = Callable[[str], None]


@dataclass
class FileResult:
    path: Path
    format: str | None
    status: str  # loaded | replaced | unchanged | rejected
    rows_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None
    linked: int | None = None

    @property
    def ok(self) -> bool:
        return self.status not in ("rejected", "failed")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discover(raw_dir: Path = RAW_DIR) -> list[Path]:
    """Every loadable file under data/raw: reference tables first, then the rest by name."""
    refs = [REFERENCE_DIR / name for name in reference.FILES if (REFERENCE_DIR / name).exists()] \
        if raw_dir == RAW_DIR else []
    others = sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in {".csv", ".xlsx", ".xlsm"}
                    and p.parent.name != "reference" and not p.name.startswith((".", "~$")))
    return refs + others


def ensure_database(engine: sa.Engine, reference_dir: Path = REFERENCE_DIR) -> bool:
    """Create the schema and load the reference tables into a new database; True if it was new."""
    with engine.begin() as conn:
        if schema.check_version(conn):
            return False
        load.create_database(conn)
        for name in reference.FILES:
            path = reference_dir / name
            _reference_into(conn, path)
    return True


def rebuild(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        schema.drop_all(conn)


def _reference_into(conn: sa.Connection, path: Path) -> load.LoadCounts:
    table = reference.table_for(path)
    frame = reference.read(path)
    info = load.BatchInfo(path.name, str(path), sha256(path), reference.NAME, "reference")
    return load.load_reference(conn, info, table, frame)


def load_file(engine: sa.Engine, path: Path, fmt: str | None = None, year: int | None = None,
              progress: Progress | None = None) -> FileResult:
    """Load one file; every problem becomes a result, never an exception."""
    path = Path(path)
    note = progress or (lambda _msg: None)
    try:
        note("detecting format")
        sniff(path)  # missing, a folder, empty, not CSV/XLSX: one message, with --format too
        fmt = fmt or detect(path)
        digest = sha256(path)
        with engine.connect() as conn:
            previous = load.current_batch(conn, path.name, fmt)
        # the same bytes are unchanged, unless --year now says the table is for another year
        if previous is not None and previous.sha256 == digest and (year is None or previous.data_year in (None, year)):
            return FileResult(path, fmt, "unchanged", previous.rows_in, 0, previous.rows_in - previous.quarantined,
                              previous.quarantined, f"unchanged since batch {previous.batch_id}; nothing to do",
                              batch_id=previous.batch_id)
        if fmt == reference.NAME:
            with engine.begin() as conn:
                counts = _reference_into(conn, path)
            return FileResult(path, fmt, "replaced" if counts.replaced_batches else "loaded", counts.loaded,
                              counts.loaded, 0, 0, batch_id=counts.batch_id)
        moved = []
        if previous is not None and Path(previous.file_path) != path.resolve():
            # the key is the file name: same name from another folder is taken as its new version
            moved.append(f"replaces the rows of {path.name} loaded earlier from {previous.file_path}")
        module = TABULAR[fmt]
        note("reading")
        raw = module.read(path)
        note("validating")
        parsed = module.transform(raw, year=year) if fmt == "nibrs" else module.transform(raw)
        info = load.BatchInfo(path.name, str(path.resolve()), digest, fmt, module.SOURCE, raw.encoding,
                              parsed.meta.get("year"))
        note("writing")
        counts = (load.load_nibrs if fmt == "nibrs" else load.load_incidents)(engine, info, parsed)
    except FileRejected as exc:
        return FileResult(path, fmt, "rejected", message=exc.problem)
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others or show a traceback
        if os.environ.get("JEWELCRIME_DEBUG"):
            raise
        return FileResult(path, fmt, "failed", message=f"internal error, nothing written: {type(exc).__name__}: {exc}")
    status = "replaced" if counts.replaced_batches else "loaded"
    rows_in = parsed.rows_in
    assert rows_in == counts.loaded + counts.duplicates + counts.quarantined, "row accounting is broken"
    return FileResult(path, fmt, status, rows_in, counts.loaded, counts.duplicates, counts.quarantined,
                      warnings=moved + parsed.warnings, batch_id=counts.batch_id, linked=counts.linked)


def load_paths(engine: sa.Engine, paths: Iterable[Path], fmt: str | None = None, year: int | None = None,
               progress: Callable[[Path, str], None] | None = None) -> list[FileResult]:
    ensure_database(engine)
    results = []
    for path in paths:
        results.append(load_file(engine, path, fmt, year,
                                 (lambda msg, p=path: progress(p, msg)) if progress else None))
    return results
