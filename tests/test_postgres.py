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
    from dashboard import exporter, queries
    from dashboard.app import create_app

    known = [FIXTURES / "figures" / "jsa_known.csv", FIXTURES / "linking" / "jm_known.csv"]
    for url in (pg_url, db_url):
        assert cli("etl", *known, "--db", url).exit_code == 0
    cases = {"map": {"year_from": "2021", "year_to": "2022", "metric": "per_million"},
             "trends-yearly": {}, "trends-half": {"major_only": "1"}, "share-mix-losses": {"year_from": "2019"},
             "risk-trend": {"region": "TX"}, "risk-types": {"region": "IL", "year_from": "2021"}}
    drawn = {}
    for url in (pg_url, db_url):
        create_app(url)
        queries._cache.clear()  # noqa: SLF001 - compare fresh queries, not cached frames
        drawn[url] = {chart: exporter.chart_result(chart, query).rows.reset_index(drop=True)
                      for chart, query in cases.items()}
    for chart in cases:
        assert len(drawn[db_url][chart]) > 0, chart
        pd.testing.assert_frame_equal(drawn[pg_url][chart], drawn[db_url][chart], check_dtype=False, obj=chart)
