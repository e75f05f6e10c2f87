"""DataFrames into the database: one transaction per file, keyed by file.

Nothing here reads files. Loading the same file again is detected by its
sha256 and changes nothing; a changed file (same name and format) replaces
the rows of its previous version.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, Iterator
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import context_rollup, linking, reload, rollups, schema, taxonomy
from etl.bulk import INDEX_BUILD_CACHE_KB, Staged, insert_frame, sqlite_cache, staged
from etl.hashing import HashSet
from etl.formats.base import Parsed

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
    format_version: str | None = None
    release: str | None = None  # set for formats that keep vintages: only a file of the same release is replaced


@dataclass
class LoadCounts:
    batch_id: int
    loaded: int
    duplicates: int
    quarantined: int
    replaced_batches: list[int] = field(default_factory=list)
    linked: int | None = None
    parts: list[dict] = field(default_factory=list)  # per sheet: rows in, loaded, duplicates, ...


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def current_batch(conn: sa.Connection, file_name: str, fmt: str) -> sa.Row | None:
    b = schema.load_batch
    return conn.execute(sa.select(b).where(b.c.file_name == file_name, b.c.format == fmt, b.c.is_current)
                        .order_by(b.c.batch_id.desc())).first()


def _start_batch(conn: sa.Connection, info: BatchInfo) -> int:
    b = schema.load_batch
    values = dict(file_name=info.file_name, file_path=info.file_path, sha256=info.sha256, format=info.format,
                  format_version=info.format_version, release=info.release,
                  source=info.source, encoding=info.encoding, data_year=info.data_year, started_at=now(),
                  status="loading", is_current=True, rows_in=0, loaded=0, duplicates=0, quarantined=0, is_sample=False)
    return int(conn.execute(b.insert().values(**values).returning(b.c.batch_id)).scalar_one())


def _retire_previous(conn: sa.Connection, info: BatchInfo, batch_id: int) -> list[int]:
    """Delete the rows of earlier versions of this file and mark them replaced."""
    b = schema.load_batch
    same_file = [b.c.file_name == info.file_name, b.c.format == info.format, b.c.is_current, b.c.batch_id != batch_id]
    if info.release is not None:  # another release of a table is an earlier vintage, kept; the same one is replaced
        same_file.append(b.c.release == info.release)
    old = [r[0] for r in conn.execute(sa.select(b.c.batch_id).where(*same_file))]
    if not old:
        return []
    rollups.subtract_batches(conn, old)  # while their rows are still there to say what they added
    for table in reversed(schema.batch_tables()):
        conn.execute(table.delete().where(table.c.batch_id.in_(old)))
    conn.execute(b.update().where(b.c.batch_id.in_(old)).values(is_current=False, status="replaced"))
    return old


def _write_quarantine(conn: sa.Connection, batch_id: int, quarantine: pd.DataFrame) -> None:
    if quarantine.empty:
        return
    frame = pd.DataFrame({
        "batch_id": batch_id,
        "sheet": quarantine["sheet"] if "sheet" in quarantine.columns else None,
        "row_number": quarantine["row_number"].astype("int64"),
        "raw": quarantine["raw"].astype("str"),
        "reasons": [json.dumps(list(r), ensure_ascii=False) for r in quarantine["reasons"]],
    })
    insert_frame(conn, schema.quarantine, frame)


def _write_row_records(conn: sa.Connection, batch_id: int, parsed: Parsed) -> None:
    """What happened to the rows that did not simply load: quarantined, skipped, loaded with a note."""
    _write_quarantine(conn, batch_id, parsed.quarantine)
    if len(parsed.skipped):
        insert_frame(conn, schema.skipped_row, parsed.skipped.assign(batch_id=batch_id))
    if len(parsed.notes):
        insert_frame(conn, schema.load_note, parsed.notes.assign(batch_id=batch_id))


def _finish_batch(conn: sa.Connection, batch_id: int, parsed: Parsed, loaded: int, duplicates: int,
                  is_sample: bool, parts: list[dict]) -> None:
    b = schema.load_batch
    sheets = [p for p in parts if p.get("sheet")]
    conn.execute(b.update().where(b.c.batch_id == batch_id).values(
        rows_in=parsed.rows_in, loaded=loaded, duplicates=duplicates, quarantined=len(parsed.quarantine),
        skipped=len(parsed.skipped), filtered=parsed.filtered_out, notes=len(parsed.notes), is_sample=is_sample,
        sheets=json.dumps(sheets, ensure_ascii=False) if sheets else None,
        not_used=json.dumps(parsed.unused, ensure_ascii=False) if parsed.unused else None,
        finished_at=now(), status="loaded", message="; ".join(parsed.warnings) or None))


def _loaded_parts(parsed: Parsed, cross: dict[str, int]) -> list[dict]:
    """Per sheet: rows that passed validation less those another file already had (counted as duplicates);
    `cross` counts those by sheet ('' for a CSV)."""
    parts = []
    for part in parsed.parts:
        part = dict(part)
        n = int(cross.get(part["sheet"] or "", 0))
        part["loaded"] = part.pop("clean") - n
        part["duplicates"] += n
        parts.append(part)
    return parts


def _already_present(conn: sa.Connection, source: str, stage: Staged) -> np.ndarray:
    """Rows that another file of the same source already loaded, exactly (found by the hash index)."""
    inc = schema.incident
    if conn.execute(sa.select(inc.c.incident_id).where(inc.c.source == source).limit(1)).first() is None:
        return np.zeros(stage.n, dtype=bool)
    return stage.found_in(inc, source)


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
    rollups.write(conn, rollups.compute(rollups.normalise(back)))  # the rows that count again add their groups
    conn.execute(d.delete().where(d.c.duplicate_id.in_(back["duplicate_id"].astype(int).tolist())))
    b = schema.load_batch
    for batch_id, n in back.groupby("batch_id").size().items():
        conn.execute(b.update().where(b.c.batch_id == int(batch_id)).values(
            loaded=b.c.loaded + int(n), duplicates=b.c.duplicates - int(n)))
    return [int(x) for x in back["batch_id"].unique()]


def load_incidents(engine: sa.Engine, info: BatchInfo, chunks: Iterable[Parsed],
                   expected_bytes: int = 0, hold_stored: bool = True) -> tuple[LoadCounts, Parsed]:
    """Write one file's incidents, row records, rollups and links in one transaction.

    The chunks (see `Format.chunks`) are staged first, outside the transaction, so memory holds one
    chunk at a time; returns the counts and the file's Parsed without its rows (for the summary)."""
    inc = schema.incident
    source = info.source or ""
    linked_source = source in (linking.INCIDENTS, linking.CLAIMS)
    # the rollups are worked out on the second core while the next chunk is read and SQLite writes
    # (both release the GIL for much of their work); claims wait for linking, which decides whether each
    # counts in combined figures
    pool = ThreadPoolExecutor(max_workers=1)
    with pool, engine.connect() as conn, staged(conn, inc, expected_bytes=expected_bytes) as stage:
        # a changed file's previous version, read before its rows are staged (not on the load's connection,
        # whose transaction begins below): the rows it already stores are held out of the stage
        prior = reload.prior_version(engine, info) if hold_stored else None
        summary, groups = _gather(stage, chunks, pool, prior.known if prior is not None else None)
        # before ready() (the stage is then attached); not for a changed file, which adds only its changed rows'
        # groups (if it turns out to be a first load after all, its groups are bound instead)
        staged_groups = {} if prior is not None else rollups.stage_groups(stage, groups)
        stage.ready()
        with conn.begin():
            previous = reload.previous_version(conn, info)
            if prior is not None and (previous != prior.batch_id or reload.batch_mark(conn, previous) != prior.mark):
                raise reload.ReadAgain(info.file_name)  # another load changed the previous version meanwhile
            if previous is not None:  # a changed file: only the rows that changed are written
                batch_id, replaced, kept = reload.update_in_place(conn, info, previous, stage, now(),
                                                                  prior.rows if prior is not None else None)
                # another file's rows, among those the previous version lacks (a kept row is never a duplicate)
                seen = stage.found_in(inc, source, "o.batch_id <> :b", {"b": batch_id}, among=~kept)
            else:
                batch_id = _start_batch(conn, info)
                replaced = _retire_previous(conn, info, batch_id)
                seen = _already_present(conn, source, stage)
                kept = np.zeros(stage.n, dtype=bool)
            new = ~seen & ~kept
            # into a table that has rows, in date order: the date-first indexes of the incident list then take
            # their keys in order, not at random places (a million rows went in 6 s sooner); rows of one day keep
            # the file's order. Into an empty one, in the file's order: its indexes are sorted after the rows.
            empty = bool(new.any()) and _is_empty(conn, inc)
            with _indexes_built_after(conn, empty):
                loaded = stage.insert({"batch_id": batch_id}, skip=~new, order_by=() if empty else ("day_number",))
            loaded += int(kept.sum())
            stage.insert({"batch_id": batch_id}, skip=~seen, into=schema.incident_duplicate)
            duplicates = summary.duplicates + int(seen.sum())
            _write_row_records(conn, batch_id, summary)
            # the rows written add their groups (rows of other files and rows kept from the old version do not)
            if new.all():
                rollups.write(conn, groups, staged_groups)
            else:
                rollups.write(conn, _groups_of(stage, new, groups))
            if replaced:
                _promote_parked(conn, source)
            linked = None
            if linked_source and conn.execute(sa.select(inc.c.incident_id).where(inc.c.source == linking.CLAIMS)
                                              .limit(1)).first() is not None:
                # linking decides which claims count in combined figures: the rollups take the difference it made
                claims = inc.c.source == linking.CLAIMS
                before = rollups.stored(conn, claims)
                linked = linking.relink(conn)
                rollups.add(conn, rollups.difference(before, rollups.stored(conn, claims)))
            parts = _loaded_parts(summary, stage.sheet_counts(seen))
            _finish_batch(conn, batch_id, summary, loaded, duplicates, stage.any_sample(~seen), parts)
    return LoadCounts(batch_id, loaded, duplicates, len(summary.quarantine), replaced, linked, parts), summary


def _is_empty(conn: sa.Connection, table: sa.Table) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None


@contextlib.contextmanager
def _indexes_built_after(conn: sa.Connection, empty: bool) -> Iterator[None]:
    """Into an empty incident table the rows go first and its indexes are built after them: one sort per index
    costs less than placing every key (1M rows: 10 s -> 7 s in SQLite). Inside the load's transaction, so a
    failure or a kill rolls the dropped indexes back with the rows."""
    indexes = sorted(schema.incident.indexes, key=lambda ix: ix.name) if empty else []
    for index in indexes:
        index.drop(conn)
    yield
    with sqlite_cache(conn, INDEX_BUILD_CACHE_KB):
        for index in indexes:
            index.create(conn)


def _with_day_number(clean: pd.DataFrame) -> pd.DataFrame:
    return clean.assign(day_number=(clean["occurred_on"].to_numpy().astype("datetime64[D]") - EPOCH).astype("int64")
                        ).reset_index(drop=True)


def _gather(stage: Staged, chunks: Iterable[Parsed], pool: ThreadPoolExecutor, known: HashSet | None = None
            ) -> tuple[Parsed, dict[str, pd.DataFrame]]:
    """Stage every chunk's rows, drop rows an earlier chunk already had, and add up their groups and
    counts. Rows whose hash is `known` (stored by the file's previous version) are held out of the stage.
    Returns the file's Parsed without rows, and the groups of every staged row that is not held."""
    seen = HashSet()
    pieces: list[Parsed] = []
    groups: Future | None = None
    for i, part in enumerate(chunks):
        if i:
            part.drop_repeats(seen)  # an exact copy of a row of an earlier chunk is a duplicate, as within one
        for frame in (part.clean, part.quarantine):
            if "row_hash" in frame.columns and len(frame):
                seen.add(frame["row_hash"])
        clean = _with_day_number(part.clean)
        held = known.contains(clean["row_hash"]) if known is not None and len(clean) else None
        stage.append(clean, held=held)
        if held is not None and held.any():
            clean = clean[~held]
        # one chunk's groups at a time, so chunks never queue up in memory behind a slow fold
        groups = pool.submit(_fold, groups.result() if groups is not None else None, clean)
        part.clean = pd.DataFrame(columns=part.clean.columns)  # not a slice, which would keep the rows alive
        pieces.append(part)
        del clean
        _give_back_memory()
    summary = Parsed.combine_chunks(pieces)
    return summary, groups.result() if groups is not None else {}


def _give_back_memory() -> None:
    """Hand freed memory back to the system after each chunk: glibc otherwise keeps the freed pages of a
    chunk's frames in its arenas, and a 10M-row load grew to 1.7 GB doing nothing with them."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():  # noqa: ANN202
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, musl): nothing to trim
        return None


_LIBC = _load_libc()


def _fold(before: dict[str, pd.DataFrame] | None, clean: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The groups of the chunks so far (on the pool's thread)."""
    now = rollups.compute(clean)
    return rollups.combine(before, now) if before is not None else now


def _groups_of(stage: Staged, new: np.ndarray, every: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The groups of the staged rows where `new` is true: read back whichever side is smaller."""
    # rows held out of the stage cannot be read back: then the new side, whatever its size
    mask, sign = (new, 1) if stage.held.any() or new.sum() <= (~new).sum() else (~new, -1)
    total: dict[str, pd.DataFrame] = {}
    for rows in stage.read(mask, rollups.ROLLUP_SOURCE_COLUMNS):
        rows["occurred_on"] = pd.to_datetime(rows["occurred_on"])
        total = rollups.combine(total, rollups.compute(rollups.normalise(rows)))
    return total if sign == 1 else rollups.difference(total, every)


def load_rows(conn: sa.Connection, info: BatchInfo, parsed: Parsed, table_name: str) -> LoadCounts:
    """Any other format's rows into its table, inside the caller's transaction (FBI tables, reference tables)."""
    batch_id = _start_batch(conn, info)
    replaced = _retire_previous(conn, info, batch_id)
    table = schema.metadata.tables[table_name]
    if parsed.meta.get("replace_table"):
        conn.execute(table.delete())  # a curated reference table is replaced whole
    frame = parsed.clean.assign(batch_id=batch_id) if "batch_id" in table.c else parsed.clean
    insert_frame(conn, table, frame)
    # a row of a wide table (one column per offense) is stored as several records: "loaded" counts the file's rows
    loaded = sum(p["clean"] for p in parsed.parts) if parsed.parts else len(frame)
    _write_row_records(conn, batch_id, parsed)
    notes = [f"footnote: {f}" for f in parsed.meta.get("footnotes", [])]
    parsed.warnings = parsed.warnings + notes
    parts = _loaded_parts(parsed, {})
    _finish_batch(conn, batch_id, parsed, loaded, parsed.duplicates, False, parts)
    if table_name in context_rollup.FEEDS:  # the finished general-crime figures follow the batches
        context_rollup.rebuild(conn)
    return LoadCounts(batch_id, loaded, parsed.duplicates, len(parsed.quarantine), replaced, parts=parts)


def write(engine: sa.Engine, info: BatchInfo, chunks: Iterable[Parsed], target: str,
          expected_bytes: int = 0, hold_stored: bool = True) -> tuple[LoadCounts, Parsed]:
    """One file's rows (its chunks) into the table its format fills, in one transaction; returns the counts
    and the file's Parsed (without its incident rows, which only the database holds)."""
    if target == schema.incident.name:
        return load_incidents(engine, info, chunks, expected_bytes, hold_stored)
    parsed = Parsed.combine(list(chunks))
    with engine.begin() as conn:
        return load_rows(conn, info, parsed, target), parsed


def create_database(conn: sa.Connection) -> None:
    schema.create(conn)
    insert_frame(conn, schema.crime_type, pd.DataFrame(taxonomy.crime_type_rows()))
