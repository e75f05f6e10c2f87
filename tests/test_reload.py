"""Keyed, idempotent loads: a parked duplicate comes back when its original file drops the row."""
from __future__ import annotations

import sqlalchemy as sa


def rollup_total(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COALESCE(SUM(n), 0) FROM rollup_region")).scalar_one()


def batch_counts(engine, name: str) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT loaded, duplicates, quarantined FROM load_batch "
                                          "WHERE file_name = :n AND is_current"), {"n": name}).one())


def test_parked_duplicate_is_promoted_and_counted(cli, db_url, engine, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n2022-01-02,TX,theft\n")
    b.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n2022-03-03,CA,burglary\n")
    assert cli("etl", a, b, "--db", db_url).exit_code == 0
    assert batch_counts(engine, "b.csv") == (1, 1, 0)
    assert rollup_total(engine) == 3
    a.write_text("date,state,crime_type\n2022-01-02,TX,theft\n")
    assert cli("etl", a, "--db", db_url).exit_code == 0
    assert batch_counts(engine, "b.csv") == (2, 0, 0)  # b.csv's copy of the 1 January robbery counts now
    assert rollup_total(engine) == 3
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM incident_duplicate")).scalar_one() == 0
    # and putting the row back into a.csv parks it again instead of counting it twice
    a.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n2022-01-02,TX,theft\n")
    assert cli("etl", a, "--db", db_url).exit_code == 0
    assert rollup_total(engine) == 3
    assert batch_counts(engine, "a.csv") == (1, 1, 0)
