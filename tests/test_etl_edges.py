"""Edge cases found while documenting the formats."""
from __future__ import annotations

import json

import sqlalchemy as sa


def reasons(engine) -> dict[int, list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT row_number, reasons FROM quarantine ORDER BY row_number")).all()
    return {r: json.loads(text) for r, text in rows}


def test_values_that_would_load_wrongly_are_quarantined(cli, db_url, engine, tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text(
        "Date,State,Crime Type,Loss\n"
        "2022,TX,theft,100\n"            # a year, not a date
        "2022-01-02,ON,theft,CAD 1200\n"  # not U.S. dollars
        "2022-01-03,TX,water damage,50\n"  # an insurance cause, not a JSA crime
        "2022-01-04,TX,S&G,900\n"          # loads: smash-and-grab
        "44927,TX,theft,10\n")             # an Excel day number: 2023-01-01
    result = cli("etl", path, "--db", db_url)
    assert result.exit_code == 0, result.output
    got = reasons(engine)
    assert sorted(got) == [2, 3, 4]
    assert "looks like a year" in got[2][0]
    assert "not in U.S. dollars" in got[3][0]
    assert "not a JSA crime type" in got[4][0]
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT occurred_on, subtype FROM incident ORDER BY occurred_on")).all()
    assert [tuple(r) for r in loaded] == [("2022-01-04", "smash_and_grab"), ("2023-01-01", None)]


def test_quoted_title_with_a_line_break_above_the_header(cli, db_url, engine, tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text('"Jewelry crime report,\nfirst half",,,\n,,,\nDate,State,Crime Type,Loss\n'
                    "2022-01-01,TX,theft,100\n2022-01-02,CA,robbery,200\n")
    result = cli("etl", path, "--db", db_url)
    assert result.exit_code == 0 and "quarantined" not in result.output.split("Load summary")[0]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT row_number, region_code FROM incident ORDER BY row_number")).all()
    assert [tuple(r) for r in rows] == [(4, "TX"), (5, "CA")]  # header is record 3, as a spreadsheet shows it
