"""The rollups hold one row per group, whatever the number of files, and always equal the current rows' groups.

Each test below changes the database the way users do (several files, a file replaced by a changed version,
duplicates across files, claims linked and unlinked) and then compares every rollup table with the groups
worked out afresh from the incident rows that are current.
"""
from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from etl import rollups, schema
from tests.conftest import FIXTURES

JSA = FIXTURES / "figures" / "jsa_known.csv"
JM = FIXTURES / "linking" / "jm_known.csv"
HEADER = "incident_id,date,country,state,city,crime_type,subtype,loss_usd,injuries,deaths,weapon,source"


def stored_table(engine: sa.Engine, table: sa.Table) -> pd.DataFrame:
    keys = schema.ROLLUP_KEYS[table.name]
    with engine.connect() as conn:
        df = pd.read_sql_query(sa.select(table), conn)
    return _tidy(df, keys)


def _tidy(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    for k in keys:
        df[k] = df[k].astype(bool) if k in ("is_sample", "is_major_city") else df[k].astype(str)
    measures = [c for c in df.columns if c not in keys]
    df[measures] = df[measures].astype(float).round(6)
    return df.sort_values(keys).reset_index(drop=True)[keys + measures]


def assert_rollups_match_the_rows(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        fresh = rollups.stored(conn, sa.true())
    for table in schema.ROLLUPS:
        keys = schema.ROLLUP_KEYS[table.name]
        expected = fresh[table.name]
        got = stored_table(engine, table)
        if expected.empty:
            assert got.empty, table.name
            continue
        pd.testing.assert_frame_equal(got, _tidy(expected, keys)[list(got.columns)], check_dtype=False,
                                      obj=table.name)
        assert not got.duplicated(keys).any(), f"{table.name} has two rows for one group"


def write(path, rows: list[str]) -> None:  # noqa: ANN001
    path.write_text("\n".join([HEADER, *rows]) + "\n")


def test_two_files_of_the_same_groups_make_one_row_per_group(cli, db_url, engine, tmp_path):
    # hand-counted: three robberies in Texas in 2022 H1, across two files; one burglary in Ontario
    write(tmp_path / "a.csv", ["A-1,2022-01-10,US,TX,Austin,robbery,armed robbery,1000,0,0,yes,JSA",
                               "A-2,2022-02-11,US,TX,Austin,robbery,armed robbery,500,0,0,yes,JSA"])
    write(tmp_path / "b.csv", ["B-1,2022-03-12,US,TX,Austin,robbery,armed robbery,,0,0,yes,JSA",
                               "B-2,2022-04-13,CA,ON,Toronto,burglary,,200,0,0,no,JSA"])
    for name in ("a.csv", "b.csv"):
        assert cli("etl", tmp_path / name, "--db", db_url).exit_code == 0
    r = schema.rollup_region
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.region_code, r.c.category, r.c.n, r.c.loss_usd, r.c.loss_known)
                            .where(r.c.year == 2022).order_by(r.c.region_code)).all()
    assert [tuple(x) for x in rows] == [("ON", "burglary", 1, 200.0, 1), ("TX", "robbery", 3, 1500.0, 2)]
    assert_rollups_match_the_rows(engine)


def test_replacing_a_file_subtracts_its_old_groups(cli, db_url, engine, tmp_path):
    write(tmp_path / "a.csv", ["A-1,2022-01-10,US,TX,Austin,robbery,armed robbery,1000,0,0,yes,JSA",
                               "A-2,2022-02-11,US,TX,Austin,robbery,armed robbery,500,0,0,yes,JSA"])
    write(tmp_path / "b.csv", ["B-1,2022-03-12,US,TX,Austin,robbery,armed robbery,,0,0,yes,JSA"])
    assert cli("etl", tmp_path / "a.csv", tmp_path / "b.csv", "--db", db_url).exit_code == 0
    # a.csv again, changed: one robbery gone, a theft in Ohio new
    write(tmp_path / "a.csv", ["A-1,2022-01-10,US,TX,Austin,robbery,armed robbery,1000,0,0,yes,JSA",
                               "A-3,2022-05-01,US,OH,Columbus,theft,shoplifting,50,0,0,no,JSA"])
    result = cli("etl", tmp_path / "a.csv", "--db", db_url)
    assert result.exit_code == 0 and "replaced" in result.output
    r = schema.rollup_region
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.region_code, r.c.n, r.c.loss_usd).order_by(r.c.region_code)).all()
    assert [tuple(x) for x in rows] == [("OH", 1, 50.0), ("TX", 2, 1000.0)]
    assert_rollups_match_the_rows(engine)


def test_a_group_whose_rows_are_all_replaced_disappears(cli, db_url, engine, tmp_path):
    write(tmp_path / "a.csv", ["A-1,2021-01-10,US,NV,Reno,burglary,,10,0,0,no,JSA"])
    assert cli("etl", tmp_path / "a.csv", "--db", db_url).exit_code == 0
    write(tmp_path / "a.csv", ["A-2,2022-01-10,US,UT,Provo,burglary,,10,0,0,no,JSA"])
    assert cli("etl", tmp_path / "a.csv", "--db", db_url).exit_code == 0
    for table in schema.ROLLUPS:
        got = stored_table(engine, table)
        if "region_code" in got:
            assert set(got["region_code"]) == {"UT"}, table.name
        else:  # the national rollups: only the new year is left
            assert set(got["year"]) == {"2022"}, table.name
    assert_rollups_match_the_rows(engine)


def test_links_duplicates_and_replacements_keep_the_rollups_equal_to_the_rows(cli, db_url, engine, tmp_path):
    assert cli("etl", JM, JSA, "--db", db_url).exit_code == 0
    assert_rollups_match_the_rows(engine)
    # the same JSA rows under another name: every row a duplicate of the first file's
    copy = tmp_path / "jsa_copy.csv"
    copy.write_text(JSA.read_text())
    assert cli("etl", copy, "--db", db_url).exit_code == 0
    assert_rollups_match_the_rows(engine)
    # the first file changed: a linked incident gone, so claims relink; its parked copies come back from jsa_copy
    changed = tmp_path / JSA.name
    changed.write_text("\n".join(line for line in JSA.read_text().splitlines() if ",K-15" not in line) + "\n")
    assert cli("etl", changed, "--db", db_url).exit_code == 0
    assert_rollups_match_the_rows(engine)


def test_rows_another_big_file_has_are_found_by_the_hash_index(cli, db_url, engine, tmp_path):
    """Files above the staging size (20,000 rows) take the staged path: 12,000 rows of the second file are
    rows of the first, counted as duplicates; the rest load."""
    def rows(start: int, stop: int) -> list[str]:
        return [f"R-{i},2021-{1 + i % 12:02d}-{1 + i % 28:02d},US,TX,Austin,robbery,armed robbery,{i},0,0,yes,JSA"
                for i in range(start, stop)]
    write(tmp_path / "first.csv", rows(0, 21_000))
    write(tmp_path / "second.csv", rows(9_000, 30_000))
    assert cli("etl", tmp_path / "first.csv", "--db", db_url).exit_code == 0
    result = cli("etl", tmp_path / "second.csv", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)[0]
    assert (summary["loaded"], summary["duplicates"]) == (9_000, 12_000)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM incident")).scalar_one() == 30_000
        assert conn.execute(sa.text("SELECT sum(n) FROM rollup_region")).scalar_one() == 30_000
    assert_rollups_match_the_rows(engine)


def test_a_first_load_writes_its_groups_from_the_staging_file_and_matches_the_rows(cli, db_url, engine, tmp_path,
                                                                                  monkeypatch):
    """On SQLite a file's groups go into the staging file by the C driver and are summed in from there, not
    bound row by row: the rollups still equal the rows' groups, on a first load and on one that adds to groups
    already stored (PostgreSQL, with no staging file, binds them: tests/test_postgres.py)."""
    bound: list[str] = []
    real = rollups.insert_frame

    def spy(conn, table, df):  # noqa: ANN001, ANN202
        bound.append(table.name)
        return real(conn, table, df)

    monkeypatch.setattr(rollups, "insert_frame", spy)
    write(tmp_path / "one.csv", [f"S-{i},2022-0{1 + i % 9}-1{i % 9},US,{'TX' if i % 3 else 'FL'},Austin,robbery,"
                                 f"armed robbery,{100 + i},0,0,yes,JSA" for i in range(40)])
    write(tmp_path / "two.csv", [f"T-{i},2022-0{1 + i % 9}-1{i % 9},US,TX,Austin,theft,,{7 * i},0,0,no,JSA"
                                 for i in range(25)])
    for name in ("one.csv", "two.csv"):
        result = cli("etl", tmp_path / name, "--db", db_url)
        assert result.exit_code == 0, result.output
    assert [t for t in bound if t.startswith("jc_add_")] == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(n) FROM rollup_region")).scalar_one() == 65
        assert conn.execute(sa.text("SELECT sum(n) FROM rollup_region WHERE category = 'theft'")).scalar_one() == 25
    assert_rollups_match_the_rows(engine)
