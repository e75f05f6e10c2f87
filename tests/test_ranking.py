"""The ranking of states and provinces, on tests/fixtures/figures/jsa_known.csv (counted by hand).

Incidents by state and year in the fixture (JSA source):
  2019: TX 2, ID 1, IL 1          2020: IL 1
  2021: IL 2, TX 2, CA 2, WA 1, ID 1
  2022: IL 1, TX 1, CA 2, ID 1, NV 1, ON 1          2023: IL 1
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.app import create_app
from tests.conftest import bound, engine_of, FIXTURES

KNOWN = FIXTURES / "figures" / "jsa_known.csv"


@pytest.fixture
def ranked(cli, db_url):
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    app = create_app(db_url)
    from dashboard import metrics_ranking, queries, state

    engine = engine_of(app)

    def run(**query):  # noqa: ANN003, ANN202
        f = state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))
        return metrics_ranking.ranking(queries.region_year_counts(engine, f.jewelry()), queries.regions(engine), f)

    run.app = app

    return run


def test_the_ranking_since_2019(ranked):
    t = ranked(year_from="2019", year_to="2022", source="JSA", base_year="2019").set_index("code")
    # only places with incidents under the filters are ranked
    assert set(t.index) == {"TX", "ID", "IL", "CA", "WA", "NV", "ON"}
    assert t.loc["TX", ["base_incidents", "last_incidents", "change_abs"]].tolist() == [2, 1, -1]
    assert t.loc["TX", "change_pct"] == pytest.approx(-50.0) and t.loc["IL", "change_pct"] == 0.0
    assert math.isnan(t.loc["CA", "change_pct"]) and t.loc["CA", "change_abs"] == 2  # nothing in 2019: no percent
    assert t.loc["TX", "incidents"] == 5 and t.loc["IL", "incidents"] == 5 and t.loc["WA", "incidents"] == 1
    # counts this small are never significant: 2 against 1 is p = 1
    assert t.loc["TX", "p_value"] == pytest.approx(1.0) and not t["significant"].any() and not t["reliable"].any()


def test_fastest_rise_first_and_no_comparison_last(ranked):
    t = ranked(year_from="2019", year_to="2022", source="JSA", base_year="2019")
    with_pct = t[t["change_pct"].notna()]
    assert list(with_pct["code"]) == ["ID", "IL", "TX"]  # 0%, 0% (by name), -50%
    assert list(t["code"])[:3] == ["ID", "IL", "TX"] and set(t["code"][3:]) == {"CA", "NV", "ON", "WA"}
    assert list(t["code"][3:]) == ["CA", "NV", "ON", "WA"]  # then by absolute change: +2, +1, +1, 0


def test_the_base_year_follows_the_filter(ranked):
    t = ranked(year_from="2021", year_to="2022", source="JSA", base_year="2021").set_index("code")
    assert t.loc["CA", "change_pct"] == 0.0 and t.loc["IL", "change_pct"] == pytest.approx(-50.0)
    assert t.loc["WA", ["base_incidents", "last_incidents"]].tolist() == [1, 0]
    assert (t["base_year"] == 2021).all() and (t["last_year"] == 2022).all()


def test_per_million_and_its_class_come_from_the_map(ranked, db_url):
    map_page = bound(ranked.app, "map")

    t = ranked(year_from="2021", year_to="2021", source="JSA").set_index("code")
    drawn = map_page.build({"year_from": "2021", "year_to": "2021", "source": "JSA", "metric": "per_million"})
    rows = drawn.rows.set_index("code")
    for code in t.index:
        assert t.loc[code, "per_million"] == pytest.approx(rows.loc[code, "per_million"])
        assert t.loc[code, "risk_class"] == rows.loc[code, "risk_class"]


def test_nothing_to_rank(ranked):
    t = ranked(year_from="2021", year_to="2022", source="JSA", category="burglary", subtype="safe_attack")  # none in the fixture
    assert isinstance(t, pd.DataFrame) and t.empty


def test_the_map_page_ranking_and_its_downloads(ranked):
    import io

    from openpyxl import load_workbook

    map_page = bound(ranked.app, "map")

    query = {"year_from": "2019", "year_to": "2022", "source": "JSA", "base_year": "2019"}
    rows, columns, summary = map_page.update_ranking(query)
    assert [r["code"] for r in rows][:3] == ["ID", "IL", "TX"] and len(rows) == 7
    assert "none rose by a percentage; the largest increase: California (0 to 2)" in summary  # 0% is not a rise
    assert "ranked by the change from 2019 to 2022" in summary
    assert "fastest rise: Illinois (+100.0%, 1 to 2)" in map_page.update_ranking({**query, "year_to": "2021"})[2]
    assert "0 significant" in summary
    headers = {c["field"]: c["headerName"] for c in columns}
    assert headers["base_incidents"] == "Incidents 2019" and headers["last_incidents"] == "Incidents 2022"
    shown = list(reversed(rows))[:2]  # as if the grid were sorted the other way and filtered to two rows
    csv = map_page.ranking_card.download(shown, "csv", "ranking_2019_2022")
    assert csv["filename"] == "ranking_2019_2022.csv"
    lines = csv["content"].splitlines()
    assert lines[0].startswith("code,State or province,") and len(lines) == 3
    assert [line.split(",")[0] for line in lines[1:]] == [r["code"] for r in shown]
    xlsx = map_page.ranking_card.download(shown, "xlsx", "ranking_2019_2022")
    import base64

    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["content"])))
    sheet = book["Ranking"]
    assert [c.value for c in sheet[2]][0] == shown[0]["code"] and sheet.max_row == 3
    assert map_page.ranking_card.download([], "csv", "empty")["content"].startswith("code,State or province")
