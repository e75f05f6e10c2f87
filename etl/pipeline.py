"""Files in, database out: detect, read, transform, load; one result per file.

The pipeline knows formats only through their `Format` object: it never asks
which format a file is to decide what to do with it.
"""
from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa

from etl import load, reload, schema, schema_upgrade
from etl.config import RAW_DIR, REFERENCE_DIR
from etl.errors import FileRejected, UsageError
from etl.formats import FORMATS, detect, reference
from etl.formats.base import Format, Options
from etl.formats.tabular import sniff

Progress = Callable[[str], None]


@dataclass
class FileResult:
    path: Path
    format: str | None
    status: str  # loaded | replaced | unchanged | rejected | failed | refused (a usage error)
    rows_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None
    linked: int | None = None
    skipped: int = 0
    filtered: int = 0
    notes: int = 0
    source: str | None = None
    sheets: list[dict] = field(default_factory=list)
    not_used: list[str] = field(default_factory=list)
    skipped_rows: list[tuple] = field(default_factory=list)  # (sheet, row, reason) of every skipped row
    filtered_detail: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status not in ("rejected", "failed", "refused")

    def as_dict(self) -> dict:
        return {"file": str(self.path), "format": self.format, "source": self.source, "status": self.status,
                "rows_in": self.rows_in, "loaded": self.loaded, "duplicates": self.duplicates,
                "quarantined": self.quarantined, "skipped": self.skipped, "filtered_out": self.filtered,
                "notes": self.notes, "not_used": self.not_used, "sheets": self.sheets, "message": self.message,
                "warnings": self.warnings, "batch_id": self.batch_id, "linked": self.linked,
                "skipped_rows": [{"sheet": s, "row": r, "reason": why} for s, r, why in self.skipped_rows],
                "filtered_out_by_reason": self.filtered_detail}


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


def upgrade_database(engine: sa.Engine) -> int | None:
    """Bring a database of an older schema that can be upgraded in place to the current one (etl.schema_upgrade),
    in one transaction; the version it had, or None when there was nothing to upgrade."""
    with engine.begin() as conn:
        return schema_upgrade.upgrade(conn)


def ensure_database(engine: sa.Engine, reference_dir: Path = REFERENCE_DIR) -> bool:
    """Create the schema and load the reference tables into a new database (or upgrade an older schema in place,
    where it can be); True if it was new."""
    with engine.begin() as conn:
        schema_upgrade.upgrade(conn)
        if schema.check_version(conn):
            return False
        load.create_database(conn)
        for name in reference.FILES:
            _reference_into(conn, reference_dir / name)
    return True


def _reference_into(conn: sa.Connection, path: Path) -> load.LoadCounts:
    fmt = reference.FORMAT
    parsed = fmt.parse(path, Options())
    info = load.BatchInfo(path.name, str(path), sha256(path), fmt.name, "reference")
    return load.load_rows(conn, info, parsed, parsed.target)


def choose_format(path: Path, forced: Format | None, opts: Options) -> tuple[Format, bool]:
    if forced is not None:
        return forced, False
    return detect(path, opts.sheet)


def load_file(engine: sa.Engine, path: Path, fmt: str | Format | None = None, year: int | None = None,
              progress: Progress | None = None, opts: Options | None = None) -> FileResult:
    """Load one file; every problem becomes a result, never an exception.

    `fmt` is a format name, a Format (a column mapping builds one) or None to detect it.
    """
    path = Path(path)
    opts = opts or Options(year=year)
    note = progress or (lambda _msg: None)
    forced = FORMATS[fmt] if isinstance(fmt, str) else fmt
    chosen: Format | None = forced
    try:
        note("detecting format")
        sniff(path)  # missing, a folder, empty, not CSV/XLSX: one message, with --format too
        chosen, near_miss = choose_format(path, forced, opts)
        digest = sha256(path)
        with engine.connect() as conn:
            previous = load.current_batch(conn, path.name, chosen.name)
        # the same bytes read the same way are unchanged; --year, --sheet or an edited mapping may read them differently
        workbook = sniff(path) == "xlsx"
        same_year = opts.year is None or not chosen.uses_year or previous is None or previous.data_year in (None, opts.year)
        same_reading = (previous is not None and previous.format_version == chosen.version
                        and (opts.sheet is None or not workbook))
        if previous is not None and previous.sha256 == digest and same_year and same_reading:
            return FileResult(path, chosen.name, "unchanged", previous.rows_in, 0,
                              previous.rows_in - previous.quarantined - previous.skipped - previous.filtered,
                              previous.quarantined, f"unchanged since batch {previous.batch_id}; nothing to do",
                              batch_id=previous.batch_id, skipped=previous.skipped, filtered=previous.filtered,
                              source=previous.source)
        warnings = []
        if opts.year is not None and not chosen.uses_year:
            warnings.append(f"--year {opts.year} not used: a {chosen.title} gives each row its own date")
        if opts.sheet is not None and not workbook:
            warnings.append(f"--sheet {opts.sheet} not used: a CSV file has no sheets")
        note("reading")
        try:
            chunks = chosen.chunks(path, opts)
            first = next(chunks)
        except FileRejected as exc:
            if near_miss:  # say what the file looks like, then what is wrong with it
                raise FileRejected(path, f"the header looks most like a {chosen.title}, but {exc.problem}") from None
            raise
        release = first.meta.get("release") if chosen.keeps_vintages else None
        if previous is not None and Path(previous.file_path) != path.resolve() and release in (None, previous.release):
            # the key is the file name: same name from another folder is taken as its new version
            warnings.append(f"replaces the rows of {path.name} loaded earlier from {previous.file_path}")
        info = load.BatchInfo(path.name, str(path.resolve()), digest, chosen.name, chosen.source,
                              _encoding(path), first.meta.get("year"), chosen.version, release)
        note("writing")
        target = first.target or chosen.target
        try:
            counts, parsed = load.write(engine, info, itertools.chain([first], chunks), target, path.stat().st_size)
        except reload.ReadAgain:  # another load changed its previous version meanwhile: read it again, whole
            counts, parsed = load.write(engine, info, chosen.chunks(path, opts), target, path.stat().st_size,
                                        hold_stored=False)
    except FileRejected as exc:
        return FileResult(path, chosen.name if chosen else None, "rejected", message=exc.problem)
    except UsageError as exc:
        return FileResult(path, chosen.name if chosen else None, "refused", message=str(exc))
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others or show a traceback
        if os.environ.get("JEWELCRIME_DEBUG"):
            raise
        return FileResult(path, chosen.name if chosen else None, "failed",
                          message=f"internal error, nothing written: {type(exc).__name__}: {exc}")
    status = "replaced" if counts.replaced_batches else "loaded"
    skipped_rows = [(s, int(r), why) for s, r, why in
                    parsed.skipped[["sheet", "row_number", "reason"]].itertuples(index=False)]
    result = FileResult(path, chosen.name, status, parsed.rows_in, counts.loaded, counts.duplicates, counts.quarantined,
                        warnings=warnings + parsed.warnings, batch_id=counts.batch_id, linked=counts.linked,
                        skipped=len(parsed.skipped), filtered=parsed.filtered_out, notes=len(parsed.notes),
                        source=chosen.source, sheets=[p for p in counts.parts if p.get("sheet")],
                        not_used=parsed.unused, skipped_rows=skipped_rows, filtered_detail=dict(parsed.filtered))
    total = result.loaded + result.duplicates + result.quarantined + result.skipped + result.filtered
    assert result.rows_in == total, f"row accounting is broken: {result.rows_in} != {total}"
    return result


def _encoding(path: Path) -> str | None:
    from etl.formats.tabular import detect_encoding

    return detect_encoding(path) if sniff(path) == "csv" else None


def load_paths(engine: sa.Engine, paths: Iterable[Path], fmt: str | Format | None = None,
               opts: Options | None = None, progress: Callable[[Path, str], None] | None = None) -> list[FileResult]:
    ensure_database(engine)
    return [load_file(engine, path, fmt, progress=(lambda msg, p=path: progress(p, msg)) if progress else None,
                      opts=opts) for path in paths]
