"""DataFrames into the database: one transaction per file, keyed by file.

Nothing here reads files. Loading the same file again is detected by its
sha256 and changes nothing; a changed file (same name and format) replaces
the rows of its previous version.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import linking, rollups, schema, taxonomy
from etl.bulk import insert_frame, read_column_ints, staged
from etl.formats.incidents import Parsed

EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class BatchInfo:
    file_name: str
    file_path: str
    sha256: str
    format: str
    source: str | None = None
    encoding: str | None = None
    data_year: int | None = None


@dataclass
class LoadCounts:
    batch_id: int
    loaded: int
    duplicates: int
    quarantined: int
    replaced_batches: list[int] = field(default_factory=list)
    linked: int | None = None


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def current_batch(conn: sa.Connection, file_name: str, fmt: str) -> sa.Row | None:
    b = schema.load_batch
    return conn.execute(sa.select(b).where(b.c.file_name == file_name, b.c.format == fmt, b.c.is_current)
                        .order_by(b.c.batch_id.desc())).first()


def _start_batch(conn: sa.Connection, info: BatchInfo) -> int:
    b = schema.load_batch
    values = dict(file_name=info.file_name, file_path=info.file_path, sha256=info.sha256, format=info.format,
                  source=info.source, encoding=info.encoding, data_year=info.data_year, started_at=now(),
                  status="loading", is_current=True, rows_in=0, loaded=0, duplicates=0, quarantined=0, is_sample=False)
    return int(conn.execute(b.insert().values(**values).returning(b.c.batch_id)).scalar_one())


def _retire_previous(conn: sa.Connection, info: BatchInfo, batch_id: int) -> list[int]:
    """Delete the rows of earlier versions of this file and mark them replaced."""
    b = schema.load_batch
    old = [r[0] for r in conn.execute(sa.select(b.c.batch_id).where(
        b.c.file_name == info.file_name, b.c.format == info.format, b.c.is_current, b.c.batch_id != batch_id))]
    if not old:
        return []
    rollups.delete_batches(conn, old)
    for table in (schema.incident, schema.incident_duplicate, schema.quarantine, schema.nibrs_offense):
        conn.execute(table.delete().where(table.c.batch_id.in_(old)))
    conn.execute(b.update().where(b.c.batch_id.in_(old)).values(is_current=False, status="replaced"))
    return old


def _write_quarantine(conn: sa.Connection, batch_id: int, quarantine: pd.DataFrame) -> None:
    if quarantine.empty:
        return
    frame = pd.DataFrame({
        "batch_id": batch_id,
        "row_number": quarantine["row_number"].astype("int64"),
        "raw": quarantine["raw"].astype("str"),
        "reasons": [json.dumps(list(r), ensure_ascii=False) for r in quarantine["reasons"]],
    })
    insert_frame(conn, schema.quarantine, frame)


def _finish_batch(conn: sa.Connection, batch_id: int, rows_in: int, loaded: int, duplicates: int, quarantined: int,
                  is_sample: bool, message: str | None) -> None:
    b = schema.load_batch
    conn.execute(b.update().where(b.c.batch_id == batch_id).values(
        rows_in=rows_in, loaded=loaded, duplicates=duplicates, quarantined=quarantined, is_sample=is_sample,
        finished_at=now(), status="loaded", message=message))


def _already_present(conn: sa.Connection, source: str, hashes: pd.Series) -> np.ndarray:
    """Rows that another file of the same source already loaded, exactly."""
    inc = schema.incident
    if conn.execute(sa.select(inc.c.incident_id).where(inc.c.source == source).limit(1)).first() is None:
        return np.zeros(len(hashes), dtype=bool)
    existing = read_column_ints(conn, "SELECT row_hash FROM incident WHERE source = :s", {"s": source})
    return hashes.isin(existing).to_numpy()


def _promote_parked(conn: sa.Connection, source: str) -> list[int]:
    """Bring back parked duplicates whose original row is gone (its file was replaced).

    Returns the batches that gained rows. The first parked copy of a row (by
    batch, then row number) is the one that counts from now on.
    """
    d, inc = schema.incident_duplicate, schema.incident
    parked = pd.read_sql_query(sa.select(d).where(d.c.source == source).order_by(d.c.batch_id, d.c.row_number), conn)
    if parked.empty:
        return []
    hashes = parked["row_hash"].unique().tolist()
    present: set[int] = set()
    for i in range(0, len(hashes), 500):
        chunk = hashes[i:i + 500]
        present.update(r[0] for r in conn.execute(
            sa.select(inc.c.row_hash).where(inc.c.source == source, inc.c.row_hash.in_(chunk)).distinct()))
    back = parked[~parked["row_hash"].isin(present)].drop_duplicates("row_hash", keep="first")
    if back.empty:
        return []
    for col in ("occurred_on", "reported_on"):
        back[col] = pd.to_datetime(back[col])
    insert_frame(conn, inc, back.drop(columns=["duplicate_id"]))
    conn.execute(d.delete().where(d.c.duplicate_id.in_(back["duplicate_id"].astype(int).tolist())))
    b = schema.load_batch
    for batch_id, n in back.groupby("batch_id").size().items():
        conn.execute(b.update().where(b.c.batch_id == int(batch_id)).values(
            loaded=b.c.loaded + int(n), duplicates=b.c.duplicates - int(n)))
    return [int(x) for x in back["batch_id"].unique()]


def load_incidents(engine: sa.Engine, info: BatchInfo, parsed: Parsed) -> LoadCounts:
    """Write one file's incidents, quarantine, rollups and links in one transaction."""
    clean = parsed.clean.assign(
        counts_in_combined=True,
        day_number=(parsed.clean["occurred_on"].to_numpy().astype("datetime64[D]") - EPOCH).astype("int64"),
    ).reset_index(drop=True)
    inc = schema.incident
    source = info.source or ""
    # the rollups are worked out on the second core while SQLite writes the rows (it releases the GIL)
    pool = ThreadPoolExecutor(max_workers=1)
    early = pool.submit(rollups.compute, clean, 0) if info.source == "JSA" else None
    with pool, engine.connect() as conn, staged(conn, inc, clean) as stage, conn.begin():
        batch_id = _start_batch(conn, info)
        replaced = _retire_previous(conn, info, batch_id)
        seen = _already_present(conn, source, clean["row_hash"])
        loaded = stage.insert({"batch_id": batch_id}, skip=seen)
        insert_frame(conn, schema.incident_duplicate, clean[seen].assign(batch_id=batch_id))
        kept = clean[~seen].assign(batch_id=batch_id)
        duplicates = parsed.duplicates + int(seen.sum())
        _write_quarantine(conn, batch_id, parsed.quarantine)
        if early is not None:
            frames = early.result()
            if seen.any():  # rows of other files were skipped: count only what was kept
                frames = rollups.compute(kept)
            rollups.write(conn, {name: f.assign(batch_id=batch_id) if len(f) else f for name, f in frames.items()})
        promoted = _promote_parked(conn, source) if replaced else []
        if promoted and info.source == "JSA":
            rollups.rebuild_batches(conn, promoted)
        linked = None
        jm_present = conn.execute(sa.select(inc.c.incident_id).where(inc.c.source == "JM").limit(1)).first() is not None
        if jm_present:
            linked = linking.relink(conn)
            rollups.rebuild_for_source(conn, "JM")
        _finish_batch(conn, batch_id, parsed.rows_in, loaded, duplicates, len(parsed.quarantine),
                      bool(kept["is_sample"].any()) if len(kept) else False, "; ".join(parsed.warnings) or None)
    return LoadCounts(batch_id, loaded, duplicates, len(parsed.quarantine), replaced, linked)


def load_nibrs(engine: sa.Engine, info: BatchInfo, parsed: Parsed) -> LoadCounts:
    with engine.begin() as conn:
        batch_id = _start_batch(conn, info)
        replaced = _retire_previous(conn, info, batch_id)
        frame = parsed.clean.drop(columns=["row_number"]).assign(batch_id=batch_id)
        insert_frame(conn, schema.nibrs_offense, frame)
        _write_quarantine(conn, batch_id, parsed.quarantine)
        notes = parsed.warnings + [f"footnote: {f}" for f in parsed.meta.get("footnotes", [])]
        _finish_batch(conn, batch_id, parsed.rows_in, len(frame), 0, len(parsed.quarantine), False,
                      "; ".join(notes) or None)
    return LoadCounts(batch_id, len(frame), 0, len(parsed.quarantine), replaced)


def load_reference(conn: sa.Connection, info: BatchInfo, table_name: str, frame: pd.DataFrame) -> LoadCounts:
    """Replace one reference table's contents (called inside the caller's transaction)."""
    batch_id = _start_batch(conn, info)
    replaced = _retire_previous(conn, info, batch_id)
    table = schema.metadata.tables[table_name]
    if table_name == "nibrs_offense":
        frame = frame.assign(batch_id=batch_id)
    else:
        conn.execute(table.delete())
    insert_frame(conn, table, frame)
    _finish_batch(conn, batch_id, len(frame), len(frame), 0, 0, False, None)
    return LoadCounts(batch_id, len(frame), 0, 0, replaced)


def create_database(conn: sa.Connection) -> None:
    schema.create(conn)
    insert_frame(conn, schema.crime_type, pd.DataFrame(taxonomy.crime_type_rows()))
