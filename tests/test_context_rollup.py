"""The general-crime rollup (`rollup_context`) always says what the current batches say: it is rebuilt in the
transaction of every load that writes a general-crime table, a population or the crosswalk, and a rejected
file leaves it as it was."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from etl import context, context_rollup
from etl.config import REFERENCE_DIR
from tests.conftest import FIXTURES, table_counts

STATCAN = FIXTURES / "context" / "statcan"


def load(cli, db_url: str, *paths: Path) -> None:  # noqa: ANN001
    for path in paths:
        result = cli("etl", path, "--db", db_url)
        assert result.exit_code == 0, result.output


def regions(cli, db_url: str, measure: str) -> dict[str, float]:  # noqa: ANN001
    result = cli("context", "--measure", measure, "--year", "2024", "--json", "--db", db_url)
    assert result.exit_code == 0, result.output
    return {r["code"]: r["count"] for r in json.loads(result.stdout)["regions"]}


def test_the_rollup_holds_what_a_fresh_computation_gives(cli, db_url, engine):
    load(cli, db_url, FIXTURES / "context" / "dashboard" / "fbi_estimated_small.csv",
         STATCAN / "crime_all_provinces.csv", STATCAN / "crime_totals_and_detail.csv", STATCAN / "population.csv")
    for measure in context.MEASURES:
        with engine.connect() as conn:
            fresh = context_rollup.compute_measure_rows(conn, measure)
        stored = context.measure_rows(engine, measure)
        assert len(stored) == len(fresh) > 0, measure
        assert records(stored) == records(fresh), measure


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain values (None for missing, floats rounded), in one order."""
    df = df.sort_values(["dataset", "year", "region_code"], na_position="first").astype(object)
    rows = df.where(df.notna(), None).to_dict("records")
    return [{k: round(float(v), 6) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def test_a_new_crosswalk_changes_the_figures_at_once(cli, db_url, tmp_path):
    load(cli, db_url, STATCAN / "crime_totals_and_detail.csv")
    assert regions(cli, db_url, "robbery") == {"ON": 5000.0, "QC": 3000.0}
    # a crosswalk whose Canadian robbery is the detail line [1610] only: Ontario's total [160] no longer counts
    rows = list(csv.DictReader(open(REFERENCE_DIR / "crime_crosswalk.csv", newline="")))
    kept = [r for r in rows if not (r["dataset"] == "statcan-crime" and r["offense"] == "160")]
    for r in kept:
        if r["dataset"] == "statcan-crime" and r["offense"] == "1610":
            r["alternative_to"] = ""
    edited = tmp_path / "crime_crosswalk.csv"
    with open(edited, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    result = cli("etl", edited, "--format", "reference", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert regions(cli, db_url, "robbery") == {"ON": 4900.0, "QC": 3000.0}


def test_a_rejected_file_leaves_the_rollup_as_it_was(cli, db_url, engine, tmp_path):
    load(cli, db_url, STATCAN / "crime_all_provinces.csv")
    before = table_counts(engine)
    with engine.connect() as conn:
        rollup = conn.execute(sa.text("SELECT measure, region_code, year, count, rate FROM rollup_context "
                                      "ORDER BY rollup_id")).all()
    bad = tmp_path / "statcan_bad.csv"
    text = (STATCAN / "crime_all_provinces.csv").read_text(encoding="utf-8-sig").splitlines()
    bad.write_text("\n".join([text[0].replace("REF_DATE", "WHEN")] + text[1:]) + "\n", encoding="utf-8")
    result = cli("etl", bad, "--format", "statcan-crime", "--db", db_url)
    assert result.exit_code == 1, result.output
    assert table_counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT measure, region_code, year, count, rate FROM rollup_context "
                                    "ORDER BY rollup_id")).all() == rollup
    assert len(rollup) > 0
