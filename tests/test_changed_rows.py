"""A changed file rewrites only its changed rows: the rows it still has keep their ids (they are not deleted
and inserted again), the rows it no longer has go, its new rows come in, and every count follows."""
from __future__ import annotations

import json

import sqlalchemy as sa

from tests.test_rollups_consolidated import assert_rollups_match_the_rows, write

A1 = "A-1,2022-01-10,US,TX,Austin,robbery,armed robbery,1000,0,0,yes,JSA"
A2 = "A-2,2022-02-11,US,TX,Austin,robbery,armed robbery,500,0,0,yes,JSA"
A3 = "A-3,2022-03-12,US,OH,Columbus,theft,shoplifting,50,0,0,no,JSA"
A4 = "A-4,2022-04-13,US,NV,Reno,burglary,,70,0,0,no,JSA"


def stored(engine) -> dict[str, tuple[int, int, int]]:  # noqa: ANN001
    """source_record_id -> (incident_id, batch_id, row_number)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT source_record_id, incident_id, batch_id, row_number FROM incident")).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_one_changed_row_rewrites_that_row_only(cli, db_url, engine, tmp_path):
    path = tmp_path / "jsa.csv"
    write(path, [A1, A2, A3])
    assert cli("etl", path, "--db", db_url).exit_code == 0
    before = stored(engine)
    write(path, [A1, A2.replace(",500,", ",650,"), A3])  # the loss of A-2 corrected
    result = cli("etl", path, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)[0]
    assert (summary["status"], summary["loaded"], summary["duplicates"]) == ("replaced", 3, 0)
    after = stored(engine)
    assert after["A-1"] == before["A-1"] and after["A-3"] == before["A-3"]  # the same stored rows
    assert after["A-2"][0] != before["A-2"][0] and after["A-2"][2] == before["A-2"][2]  # rewritten, same place
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(loss_usd) FROM incident")).scalar_one() == 1700
        batches = conn.execute(sa.text("SELECT status, is_current, loaded FROM load_batch WHERE file_name = 'jsa.csv' "
                                       "ORDER BY batch_id")).all()
    assert [tuple(b) for b in batches] == [("loaded", 1, 3), ("replaced", 0, 3)]
    assert_rollups_match_the_rows(engine)


def test_rows_moved_removed_and_added_follow_the_file(cli, db_url, engine, tmp_path):
    path = tmp_path / "jsa.csv"
    write(path, [A1, A2, A3])
    assert cli("etl", path, "--db", db_url).exit_code == 0
    before = stored(engine)
    write(path, [A4, A1, A3])  # A-4 new at the top, A-2 gone, A-1 and A-3 one row further down or in place
    result = cli("etl", path, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    after = stored(engine)
    assert set(after) == {"A-1", "A-3", "A-4"}
    assert after["A-1"][0] == before["A-1"][0] and after["A-1"][2] == before["A-1"][2] + 1
    assert after["A-3"] == before["A-3"]
    assert after["A-4"][2] == before["A-1"][2]  # the first data row
    assert_rollups_match_the_rows(engine)


def test_a_changed_file_with_rows_of_another_file_parks_them_again(cli, db_url, engine, tmp_path):
    write(tmp_path / "other.csv", [A3])
    path = tmp_path / "jsa.csv"
    write(path, [A1, A3])
    assert cli("etl", tmp_path / "other.csv", path, "--db", db_url).exit_code == 0
    write(path, [A1, A3, A4])
    summary = json.loads(cli("etl", path, "--db", db_url, "--json").stdout)[0]
    assert (summary["loaded"], summary["duplicates"]) == (2, 1)  # A-3 is other.csv's, parked as before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM incident_duplicate")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM incident")).scalar_one() == 3
    assert_rollups_match_the_rows(engine)


def test_a_changed_file_on_postgresql_rewrites_only_its_changed_row(cli, pg_url, tmp_path):
    # the same reload on the shared server: its staging table gets the hash index too
    engine = sa.create_engine(pg_url)
    path = tmp_path / "jsa.csv"
    write(path, [A1, A2, A3])
    assert cli("etl", path, "--db", pg_url).exit_code == 0
    before = stored(engine)
    write(path, [A1, A2, A3.replace(",50,", ",55,")])
    result = cli("etl", path, "--db", pg_url)
    assert result.exit_code == 0, result.output
    after = stored(engine)
    assert after["A-1"] == before["A-1"] and after["A-2"] == before["A-2"] and after["A-3"] != before["A-3"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(loss_usd) FROM incident")).scalar_one() == 1555
    assert_rollups_match_the_rows(engine)
    engine.dispose()


def _workbook(path, sheets: dict[str, list[str]]) -> None:  # noqa: ANN001
    from openpyxl import Workbook

    from tests.test_rollups_consolidated import HEADER

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for line in [HEADER, *rows]:
            sheet.append([int(v) if v.isdigit() else v for v in line.split(",")])
    book.save(path)


def test_a_row_moved_to_another_sheet_keeps_its_stored_row_and_takes_its_new_sheet(cli, db_url, engine, tmp_path):
    path = tmp_path / "jsa.xlsx"
    _workbook(path, {"2022 Q1": [A1, A2, A3], "2022 Q2": [A4]})
    assert cli("etl", path, "--db", db_url).exit_code == 0
    before = stored(engine)
    _workbook(path, {"2022 Q1": [A1, A3], "2022 Q2": [A2, A4]})  # A-2 filed under the other quarter
    result = cli("etl", path, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    after = stored(engine)
    with engine.connect() as conn:
        sheets = dict(conn.execute(sa.text("SELECT source_record_id, sheet FROM incident")).all())
    assert sheets == {"A-1": "2022 Q1", "A-3": "2022 Q1", "A-2": "2022 Q2", "A-4": "2022 Q2"}
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # no row rewritten
    assert (after["A-1"][2], after["A-3"][2], after["A-2"][2], after["A-4"][2]) == (2, 3, 2, 3)
    assert_rollups_match_the_rows(engine)


def test_a_changed_file_stages_only_the_rows_its_previous_version_lacks(cli, db_url, engine, tmp_path, monkeypatch):
    from etl import bulk

    path = tmp_path / "jsa.csv"
    write(path, [A1, A2, A3])
    assert cli("etl", path, "--db", db_url).exit_code == 0
    written: list[list[str]] = []
    real = bulk.Staged._append_sqlite

    def spy(self, frame, positions):  # noqa: ANN001, ANN202
        written.append(frame["source_record_id"].tolist())
        return real(self, frame, positions)

    monkeypatch.setattr(bulk.Staged, "_append_sqlite", spy)
    write(path, [A4, A1, A2.replace(",500,", ",650,"), A3])
    result = cli("etl", path, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert written == [["A-4", "A-2"]]  # are stored already: held out of the stage
    summary = json.loads(result.stdout)[0]
    assert (summary["status"], summary["loaded"], summary["rows_in"]) == ("replaced", 4, 4)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(loss_usd) FROM incident")).scalar_one() == 1770
    assert {k: v[2] for k, v in stored(engine).items()} == {"A-4": 2, "A-1": 3, "A-2": 4, "A-3": 5}
    assert_rollups_match_the_rows(engine)


def test_a_previous_version_replaced_by_another_load_meanwhile_is_read_again(cli, db_url, engine, tmp_path,
                                                                            monkeypatch):
    """Another load of the same file name commits while this one reads its file: the rows this load held out
    (as stored) may be gone, so it reads its file again and loads it without holding any."""
    from etl import load, pipeline
    from etl.config import make_engine

    path = tmp_path / "jsa.csv"
    write(path, [A1, A2, A3])
    assert cli("etl", path, "--db", db_url).exit_code == 0
    other = tmp_path / "elsewhere" / "jsa.csv"
    other.parent.mkdir()
    write(other, [A4])  # the same name from another folder: a new version that keeps none of the rows
    write(path, [A1, A2, A3.replace(",50,", ",55,")])
    real, calls = load._gather, []

    def gather_then_other_load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        out = real(*args, **kwargs)
        calls.append(args[3] is not None)  # whether rows were held
        if len(calls) == 1:
            second = make_engine(db_url)
            [done] = pipeline.load_paths(second, [other])
            second.dispose()
            assert done.status == "replaced"
        return out

    monkeypatch.setattr(load, "_gather", gather_then_other_load)
    result = cli("etl", path, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert calls == [True, True, False]  # this load holding rows, the other load, this load again holding none
    assert set(stored(engine)) == {"A-1", "A-2", "A-3"}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(loss_usd) FROM incident")).scalar_one() == 1555
    assert_rollups_match_the_rows(engine)
