"""The same ETL on a real PostgreSQL server gives the same database as on SQLite."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from etl.config import RAW_DIR, make_engine
from tests.conftest import FIXTURES, table_counts

pytestmark = pytest.mark.postgres

SAMPLE = [RAW_DIR / "jsa" / "jsa_incidents_2010_2024_sample.csv", RAW_DIR / "jm" / "jm_claims_2018_2024_sample.xlsx"]
ROLLUP_SUMS = """SELECT source, year, SUM(n), SUM(n_combined), ROUND(CAST(SUM(loss_usd) AS NUMERIC), 2), SUM(killed)
                 FROM rollup_region GROUP BY source, year ORDER BY source, year"""


def figures_json(cli, url: str) -> list[dict]:
    result = cli("figures", "--db", url, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_same_charts(pg_url: str, db_url: str, cases: dict[str, dict]) -> None:
    """Every chart of `cases` (chart id -> filters) draws the same, non-empty rows from both databases."""
    from dashboard import charts, queries
    from etl.config import make_engine

    drawn = {}
    for url in (pg_url, db_url):
        engine = make_engine(url)
        queries._cache.clear()  # noqa: SLF001 - compare fresh queries, not cached frames
        drawn[url] = {chart: charts.build(engine, chart, query).rows.reset_index(drop=True)
                      for chart, query in cases.items()}
    for chart in cases:
        assert len(drawn[db_url][chart]) > 0, chart
        pd.testing.assert_frame_equal(drawn[pg_url][chart], drawn[db_url][chart], check_dtype=False, obj=chart)


def test_sample_loads_identically_on_postgres_and_sqlite(cli, pg_url, db_url):
    for url in (pg_url, db_url):
        result = cli("etl", *SAMPLE, "--db", url)
        assert result.exit_code == 0, result.output
    assert figures_json(cli, pg_url) == figures_json(cli, db_url)
    sums = []
    for url in (pg_url, db_url):
        with make_engine(url).connect() as conn:
            sums.append([tuple(float(v) if v is not None and not isinstance(v, str) else v for v in row)
                         for row in conn.execute(sa.text(ROLLUP_SUMS))])
    assert sums[0] == sums[1]
    pg_counts, lite_counts = table_counts(make_engine(pg_url)), table_counts(make_engine(db_url))
    assert pg_counts == lite_counts


def test_reload_and_rejection_leave_postgres_unchanged(cli, pg_url, tmp_path):
    known = FIXTURES / "figures" / "jsa_known.csv"
    assert cli("etl", known, "--db", pg_url).exit_code == 0
    engine = make_engine(pg_url)
    before = table_counts(engine)
    again = cli("etl", known, "--db", pg_url)
    assert again.exit_code == 0 and "unchanged" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Date;State;Crime Type\n2022-01-01;TX;theft\n")
    rejected = cli("etl", bad, "--db", pg_url)
    assert rejected.exit_code == 1 and "semicolons" in rejected.output
    assert table_counts(engine) == before


def test_database_url_environment_variable_selects_postgres(cli, pg_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pg_url.replace("postgresql+psycopg://", "postgresql://"))
    result = cli("etl", FIXTURES / "figures" / "jsa_known.csv")
    assert result.exit_code == 0, result.output
    with make_engine(pg_url).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM incident")).scalar_one() == 21


def test_dashboard_draws_the_same_rows_from_postgres(cli, pg_url, db_url):
    """Every exportable chart built from PostgreSQL equals the one built from SQLite (same rows drawn)."""
    known = [FIXTURES / "figures" / "jsa_known.csv", FIXTURES / "linking" / "jm_known.csv"]
    for url in (pg_url, db_url):
        assert cli("etl", *known, "--db", url).exit_code == 0
    cases = {"map": {"year_from": "2021", "year_to": "2022", "metric": "per_million"},
             "trends-yearly": {}, "trends-half": {"major_only": "1"}, "share-mix-losses": {"year_from": "2019"},
             "risk-trend": {"region": "TX"}, "risk-types": {"region": "IL", "year_from": "2021"}}
    assert_same_charts(pg_url, db_url, cases)


def test_mapped_source_messy_workbook_and_replacement_on_postgres(cli, pg_url, db_url, tmp_path):
    """A mapped file, notes, skipped rows and a second version land the same on PostgreSQL as on SQLite, and the
    replaced version's rows are gone from every batch table."""
    import shutil

    lapd = tmp_path / "lapd.csv"
    shutil.copy(FIXTURES / "mapped" / "lapd_crime_data_sample.csv", lapd)
    messy = tmp_path / "analyst.csv"
    messy.write_text("Date,City,State,Crime Type,Store,Loss\n"
                     "\"Jan 5, 2022\",Houston,TX,robbery,Zales,N/A\n"
                     "\"Jan 5, 2022\",Houston,TX,robbery,Kay,$100K in gold\n"
                     ",,,,,\n"
                     "2022-01-06,Houston,TX,theft,Jared,€900\n"
                     "Total,,,,,\n")
    for url in (pg_url, db_url):
        assert cli("etl", lapd, "--map", "lapd", "--db", url).exit_code == 0
        assert cli("etl", messy, "--db", url).exit_code == 0
    dump = {}
    for url in (pg_url, db_url):
        with make_engine(url).connect() as conn:
            dump[url] = {
                "incident": [tuple(r) for r in conn.execute(sa.text(
                    "SELECT source, sheet, row_number, CAST(occurred_on AS TEXT), hour, region_code, category, loss_usd, "
                    "extra FROM incident ORDER BY source, row_number"))],
                "notes": [tuple(r) for r in conn.execute(sa.text(
                    'SELECT row_number, "column", value, note FROM load_note ORDER BY row_number'))],
                "skipped": [tuple(r) for r in conn.execute(sa.text(
                    "SELECT row_number, reason FROM skipped_row ORDER BY row_number"))],
                "batches": [tuple(r) for r in conn.execute(sa.text(
                    "SELECT file_name, format, source, rows_in, loaded, duplicates, quarantined, skipped, filtered, "
                    "notes FROM load_batch WHERE format <> 'reference' ORDER BY file_name"))]}
    assert dump[pg_url] == dump[db_url]
    assert dump[pg_url]["batches"] == [("analyst.csv", "jsa", "JSA", 5, 2, 0, 1, 2, 0, 1),
                                       ("lapd.csv", "map:lapd", "LAPD open data", 8, 6, 0, 0, 0, 2, 1)]
    messy.write_text("Date,City,State,Crime Type\n2022-02-01,Austin,TX,burglary\n")
    assert cli("etl", messy, "--db", pg_url).exit_code == 0
    with make_engine(pg_url).connect() as conn:
        old = conn.execute(sa.text("SELECT batch_id FROM load_batch WHERE file_name = 'analyst.csv' AND NOT is_current")
                           ).scalar_one()
        from etl import schema
        left = {t.name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t.name}" WHERE batch_id = :b'), {"b": old}).scalar_one()
                for t in schema.batch_tables()}
    assert set(left.values()) == {0}, left


def test_general_crime_reads_the_same_from_postgres(cli, pg_url, db_url):
    """The FBI and Statistics Canada tables, their crosswalk and coverage give the same context rows and the
    same general-crime charts on PostgreSQL as on SQLite."""
    here = FIXTURES / "context" / "dashboard"
    files = [here / n for n in ("jsa_context.csv", "fbi_estimated_small.csv", "statcan_crime_small.csv",
                                "nibrs_participation_2023.csv", "nibrs_persons_by_state_2023.csv",
                                "nibrs_property_by_state_2023.csv", "nibrs_society_by_state_2023.csv")]
    files.append(FIXTURES / "context" / "statcan" / "crime_totals_and_detail.csv")
    for url in (pg_url, db_url):
        for path in files:
            result = cli("etl", path, "--db", url)
            assert result.exit_code == 0, result.output
    for measure in ("robbery", "burglary", "theft", "property", "violent"):
        got = []
        for url in (pg_url, db_url):
            result = cli("context", "--measure", measure, "--json", "--db", url)
            assert result.exit_code == 0, result.output
            got.append(json.loads(result.stdout))
        assert got[0] == got[1], measure
        assert got[1]["regions"], measure
    cases = {"map": {"layer": "context", "context": "robbery", "year_from": "2023", "year_to": "2023"},
             "risk-general": {"region": "TX", "year_from": "2023", "year_to": "2023"},
             "risk-scatter": {"year_from": "2023", "year_to": "2023"}, "share-states": {"nibrs_year": "2023"},
             "trends-index": {"context_line": "1", "category": "robbery"}}
    assert_same_charts(pg_url, db_url, cases)
