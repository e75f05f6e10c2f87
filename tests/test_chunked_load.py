"""A big CSV is read, validated and staged a chunk of rows at a time; the database must come out exactly as
when the file is read whole. The file here has every cross-chunk case in nine rows, read three rows at a
time: a blank row at a chunk's end, an exact copy of a row of an earlier chunk, an id used again with other
values, a value under a blank header only in the last chunk (it is part of every row's hash), a totals row
summing every chunk, and dates whose day/month order only the last chunk settles."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from etl import pipeline
from etl.config import make_engine
from etl.formats.base import Options
from tests.conftest import snapshot

ROWS = """Date,City,State,Crime Type,Loss (USD),Record ID,
03/04/2022,Houston,TX,robbery,100,A1,
05/06/2022,Dallas,TX,theft,200,A2,
,,,,,,
03/04/2022,Houston,TX,robbery,100,A1,
07/08/2022,Austin,TX,burglary,N/A,A3,
09/10/2022,Miami,FL,not-a-crime,50,A4,
11/12/2022,Tampa,FL,theft,75,A2,
25/12/2022,Orlando,FL,theft,25,A5,x
,,,,550,,
,,,,,,
"""

# everything but ids and times, which differ between two loads by construction
VOLATILE = {"started_at", "finished_at", "file_path", "loaded_at", "created_at"}


def _load(tmp_path: Path, name: str, text: str, chunk_rows: int, db: str) -> tuple[sa.Engine, pipeline.FileResult]:
    folder = tmp_path / db
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    engine = make_engine(f"sqlite:///{folder / 'db.sqlite'}")
    [result] = pipeline.load_paths(engine, [path], opts=Options(chunk_rows=chunk_rows))
    return engine, result


def _comparable(engine: sa.Engine) -> dict[str, list]:
    with engine.connect() as conn:
        out = {}
        for name in sorted(sa.inspect(conn).get_table_names()):
            cols = [c["name"] for c in sa.inspect(conn).get_columns(name) if c["name"] not in VOLATILE]
            rows = conn.execute(sa.text(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{name}"')).all()
            out[name] = sorted(map(tuple, rows), key=repr)
        return out


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 4])
def test_a_file_read_in_chunks_loads_exactly_as_read_whole(tmp_path: Path, chunk_rows: int) -> None:
    whole, whole_result = _load(tmp_path, "jsa.csv", ROWS, 1_000_000, "whole")
    chunked, chunked_result = _load(tmp_path, "jsa.csv", ROWS, chunk_rows, "chunked")
    # counted by hand: rows 2-10 are rows (row 11, blank after the last data row, is not);
    # loaded 2, 3, 6, 9; row 5 copies row 2; row 7 has no such crime type and row 8 reuses id A2;
    # row 4 is blank and row 10 sums the losses above it (100 + 200 + 100 + 50 + 75 + 25 = 550)
    for result in (whole_result, chunked_result):
        assert (result.rows_in, result.loaded, result.duplicates, result.quarantined, result.skipped) == (9, 4, 1, 2, 2)
        assert sorted(r for _, r, _ in result.skipped_rows) == [4, 10]
    assert _comparable(chunked) == _comparable(whole)
    with chunked.connect() as conn:
        days = dict(conn.execute(sa.text("SELECT source_record_id, occurred_on FROM incident")).all())
        quarantined = [r[0] for r in conn.execute(sa.text("SELECT row_number FROM quarantine ORDER BY row_number"))]
    assert days["A1"] == "2022-04-03"  # day-first, as 25/12/2022 in the last chunk says
    assert quarantined == [7, 8]


def test_a_changed_file_read_in_chunks_rewrites_as_read_whole(tmp_path: Path) -> None:
    changed = ROWS.replace("05/06/2022,Dallas,TX,theft,200", "05/06/2022,Dallas,TX,theft,250").replace(",,,,550,,", ",,,,600,,")
    whole, _ = _load(tmp_path, "jsa.csv", ROWS, 1_000_000, "whole")
    chunked, _ = _load(tmp_path, "jsa.csv", ROWS, 2, "chunked")
    with chunked.connect() as conn:
        ids_before = dict(conn.execute(sa.text("SELECT source_record_id, incident_id FROM incident")).all())
    _, whole_result = _load(tmp_path, "jsa.csv", changed, 1_000_000, "whole")
    _, chunked_result = _load(tmp_path, "jsa.csv", changed, 2, "chunked")
    assert chunked_result.status == whole_result.status == "replaced"
    assert _comparable(chunked) == _comparable(whole)
    with chunked.connect() as conn:
        ids_after = dict(conn.execute(sa.text("SELECT source_record_id, incident_id FROM incident")).all())
        loss = conn.execute(sa.text("SELECT loss_usd FROM incident WHERE source_record_id = 'A2'")).scalar_one()
    assert loss == 250
    assert {k: v for k, v in ids_after.items() if k != "A2"} == {k: v for k, v in ids_before.items() if k != "A2"}
    assert ids_after["A2"] != ids_before["A2"]  # only the changed row was written again


def test_a_file_whose_rows_are_all_blank_after_the_header_is_rejected_in_chunks(tmp_path: Path) -> None:
    text = "Date,City,State,Crime Type\n" + ",,,\n" * 5
    engine, result = _load(tmp_path, "empty.csv", text, 2, "chunked")
    assert result.status == "rejected"
    assert "has a header row (row 1) but no data rows" in result.message
    assert snapshot(engine)["incident"] == []


@pytest.mark.postgres
def test_a_file_read_in_chunks_loads_into_postgresql_exactly_as_read_whole(tmp_path: Path, pg_server) -> None:  # noqa: ANN001
    results, contents = [], []
    for name, chunk_rows in (("whole", 1_000_000), ("chunked", 2)):
        url = pg_server.create_database(f"chunks_{name}_{tmp_path.name[-8:].lower()}".replace("-", "_"))
        path = tmp_path / name / "jsa.csv"
        path.parent.mkdir()
        path.write_text(ROWS, encoding="utf-8")
        engine = make_engine(url)
        [result] = pipeline.load_paths(engine, [path], opts=Options(chunk_rows=chunk_rows))
        results.append((result.rows_in, result.loaded, result.duplicates, result.quarantined, result.skipped))
        contents.append(_comparable(engine))
        engine.dispose()
    assert results == [(9, 4, 1, 2, 2)] * 2
    assert contents[0] == contents[1]


def test_the_database_docs_give_the_chunk_size_and_staging_threshold_the_code_uses() -> None:
    from etl import bulk
    from etl.formats.csvstream import CHUNK_ROWS

    text = (Path(__file__).parents[1] / "docs" / "database.md").read_text(encoding="utf-8")
    assert f"a chunk of\n{CHUNK_ROWS:,} rows" in text or f"a chunk of {CHUNK_ROWS:,} rows" in text
    assert f"files under {bulk.SHM_MAX_BYTES >> 20} MB" in text


@pytest.mark.postgres
def test_each_chunk_staged_on_postgresql_is_committed_as_it_is_staged(pg_url) -> None:  # noqa: ANN001
    """The COPY of a chunk runs on the driver's cursor: it must still be committed when the chunk is staged, so
    that whatever the connection rolls back before the load's own transaction, no staged chunk is lost."""
    import pandas as pd

    from etl import bulk, schema

    engine = make_engine(pg_url)
    with engine.connect() as conn:
        schema.create(conn)
        conn.commit()
        with bulk.staged(conn, schema.incident) as stage:
            for first in (0, 3):
                stage.append(pd.DataFrame({"source": "JSA", "row_number": range(first + 2, first + 5),
                                           "row_hash": range(first, first + 3)}))
            conn.execute(sa.text("SELECT 1"))  # any statement, then a rollback of what it began
            conn.rollback()
            assert conn.execute(sa.text("SELECT count(*), sum(row_hash) FROM jc_stage")).one() == (6, 15)
    engine.dispose()
