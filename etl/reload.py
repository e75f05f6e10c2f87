"""A changed file, loaded over its previous version: the rows both versions have stay stored, the rows the new
version lacks are deleted, and only its new rows are written (matched by row hash, in memory).

`load.load_incidents` reads the previous version's rows with `prior_version` before the chunks are staged, so
rows it stores are held out of the stage, and turns the previous batch into the new one with
`update_in_place` inside the load's transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import rollups, schema
from etl.bulk import Staged, insert_frame, read_int_columns
from etl.hashing import HashSet

if TYPE_CHECKING:
    from etl.load import BatchInfo


def previous_version(conn: sa.Connection, info: BatchInfo) -> int | None:
    """The one current batch of an earlier version of this file, read the same way (same format version,
    year and source), whose rows a changed file can update in place; None otherwise (a full load)."""
    b = schema.load_batch
    same_file = [b.c.file_name == info.file_name, b.c.format == info.format, b.c.is_current]
    if info.release is not None:
        same_file.append(b.c.release == info.release)
    rows = conn.execute(sa.select(b.c.batch_id, b.c.format_version, b.c.data_year, b.c.source).where(*same_file)).all()
    if len(rows) != 1:
        return None
    row = rows[0]
    same_reading = (row.format_version, row.data_year, row.source) == (info.format_version, info.data_year, info.source)
    return int(row.batch_id) if same_reading else None


def update_in_place(conn: sa.Connection, info: BatchInfo, batch_id: int, stage: Staged, started_at: dt.datetime,
                    stored: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
                    ) -> tuple[int, list[int], np.ndarray]:
    """Turn the batch of a file's previous version into the new version's: rows the new file no longer has are
    deleted (their groups subtracted from the rollups), rows it still has stay (their sheet and row number
    follow the file), and the caller inserts the rest. The previous version's record is kept as a 'replaced'
    batch. Returns (batch id, [that record's id], mask of the staged rows already stored)."""
    b, inc = schema.load_batch, schema.incident
    old = dict(conn.execute(sa.select(b).where(b.c.batch_id == batch_id)).mappings().one())
    history = {k: v for k, v in old.items() if k != "batch_id"} | {"is_current": False, "status": "replaced"}
    history_id = int(conn.execute(b.insert().values(**history).returning(b.c.batch_id)).scalar_one())
    conn.execute(b.update().where(b.c.batch_id == batch_id).values(
        file_path=info.file_path, sha256=info.sha256, encoding=info.encoding, data_year=info.data_year,
        release=info.release, started_at=started_at, finished_at=None, status="loading", message=None))
    for table in schema.batch_tables():  # row records and parked copies are made again from the new version
        if table is not inc:
            conn.execute(table.delete().where(table.c.batch_id == batch_id))
    # the stored rows and the staged ones matched by row hash in numpy: three SQL passes over the batch (rows
    # kept, rows gone, rows moved) each probing an index row by row took 12 s of a 1M-row file's 20 s
    ids, hashes, numbers, sheets = stored if stored is not None else _stored_rows(
        conn, batch_id, bool(old["sheets"]) or stage.has_sheets)
    at = stage.positions_of(hashes)  # each stored row's staged position, or -1 where the new file lacks it
    found = at >= 0
    kept = np.zeros(stage.n, dtype=bool)
    kept[at[found]] = True
    gone_ids = ids[~found]
    if len(gone_ids):
        # the stored rows the new version no longer has, named by id: the rollups and the delete read only them
        # (a failure rolls the table back with the rest)
        _id_table(conn, "jc_gone", gone_ids)
        gone = inc.c.incident_id.in_(sa.select(sa.column("incident_id")).select_from(sa.table("jc_gone")))
        rollups.add(conn, rollups.stored(conn, gone), -1)
        conn.execute(inc.delete().where(gone))
        conn.exec_driver_sql("DROP TABLE jc_gone")
    new_numbers, new_sheets = stage.row_numbers[at[found]], stage.sheets_at(at[found])
    moved = (new_numbers != numbers[found]) | (new_sheets != sheets[found])
    if moved.any():  # a row inserted or deleted above them renumbers the rows below
        _id_table(conn, "jc_moved", ids[found][moved], row_number=new_numbers[moved], sheet=new_sheets[moved])
        conn.exec_driver_sql("UPDATE incident SET row_number = m.row_number, sheet = NULLIF(m.sheet, '') "
                             "FROM jc_moved m WHERE incident.incident_id = m.incident_id")
        conn.exec_driver_sql("DROP TABLE jc_moved")
    return batch_id, [history_id], kept


def _stored_rows(conn: sa.Connection, batch_id: int, with_sheets: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(incident ids, row hashes, row numbers, sheets with '' for none) of a batch's stored rows; the sheets are
    read only `with_sheets` (a workbook's batch), so a CSV's million rows cross as three integer columns."""
    ids, hashes, numbers = read_int_columns(conn, "SELECT incident_id, row_hash, row_number FROM incident "
                                            "WHERE batch_id = :b", {"b": batch_id}, 3)
    sheets = np.full(len(ids), "", dtype=object)
    if with_sheets and len(ids):
        named = dict(conn.execute(sa.text("SELECT incident_id, sheet FROM incident WHERE batch_id = :b AND "
                                          "sheet IS NOT NULL"), {"b": batch_id}).all())
        if named:
            sheets = np.array([named.get(i, "") for i in ids.tolist()], dtype=object)
    return ids, hashes, numbers, sheets


def _id_table(conn: sa.Connection, name: str, ids: np.ndarray, **columns: np.ndarray) -> None:
    """A temporary table of incident ids (with any extra columns), filled in bulk."""
    types = {"row_number": "BIGINT", "sheet": "TEXT"}
    extra = "".join(f", {c} {types[c]}" for c in columns)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} (incident_id BIGINT PRIMARY KEY{extra})")
    table = sa.Table(name, sa.MetaData(), sa.Column("incident_id", sa.BigInteger),
                     *[sa.Column(c, sa.BigInteger if types[c] == "BIGINT" else sa.Text) for c in columns])
    insert_frame(conn, table, pd.DataFrame({"incident_id": ids, **columns}))


class ReadAgain(Exception):
    """The previous version of a changed file changed between reading it and the load's transaction (another
    load ran at the same time): its rows held out of the stage may no longer be stored, so the file is read
    again without holding any (`load.write(..., hold_stored=False)`)."""


@dataclass
class PriorVersion:
    batch_id: int
    mark: tuple  # the batch record's fields any change to its rows updates
    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # see _stored_rows
    known: HashSet  # its row hashes


def batch_mark(conn: sa.Connection, batch_id: int | None) -> tuple | None:
    """The fields of a batch's record that any load changing its rows updates, to tell whether another load
    touched it between two reads (None for no batch)."""
    b = schema.load_batch
    row = conn.execute(sa.select(b.c.sha256, b.c.loaded, b.c.duplicates, b.c.finished_at, b.c.is_current)
                       .where(b.c.batch_id == batch_id)).first() if batch_id is not None else None
    return tuple(row) if row is not None else None


def prior_version(engine: sa.Engine, info: BatchInfo) -> PriorVersion | None:
    """The stored rows of the version of this file that a changed file would update in place, or None."""
    with engine.connect() as conn:
        batch_id = previous_version(conn, info)
        if batch_id is None:
            return None
        mark = batch_mark(conn, batch_id)
        sheets = conn.execute(sa.select(schema.load_batch.c.sheets)
                              .where(schema.load_batch.c.batch_id == batch_id)).scalar()
        rows = _stored_rows(conn, batch_id, bool(sheets))
    known = HashSet()
    known.add(rows[1])
    return PriorVersion(batch_id, mark, rows, known)
