"""The incident rows behind a chart (dashboard/incidents.py, dashboard/incident_table.py), on a fixture loaded
through the real ETL.

tests/fixtures/incidents/jsa_rows.csv (18 JSA rows, J-01..J-18) and jm_rows.csv (8 JM claims, M-01..M-08),
counted by hand from the files:
  JM links (etl/linking.py): M-01 -> J-11 (Chicago theft, a day apart), M-02 -> J-12 (Houston robbery, same
  day; J-12 and J-13 tie, the lower id wins), M-07 -> J-01 (Houston robbery, a day apart, lower id). M-04
  (water damage) and M-05 (mysterious disappearance) are not crimes. So JSA and JM combined = 18 + M-03,
  M-06, M-08 = 21 (2021: 10, 2022: 11); JM alone = 6 (the linked three count there, the two non-crimes not).
  By region, combined: TX 12 (J-01 02 03 06 09 10 12 13 15 18, M-03 M-06), IL 4, ID 2, ON 3 (J-07 J-16 M-08).
  Loaded in file order, JSA first: incident_id = row order (J-01 = 1 ... J-18 = 18, M-01 = 19 ... M-08 = 26).
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dashboard import incidents as inc
from dashboard.incidents import BadCursor, BadQuery, IncidentQuery
from dashboard.state import Filters
from tests.conftest import FIXTURES

FILES = [FIXTURES / "incidents" / "jsa_rows.csv", FIXTURES / "incidents" / "jm_rows.csv"]
BOTH = Filters(2021, 2022)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    from dashboard.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('incidents') / 'incidents.sqlite'}"
    result = CliRunner().invoke(app, ["etl", *map(str, FILES), "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture(scope="module")
def engine(db: str) -> sa.Engine:
    from etl.config import make_engine

    return make_engine(db)


def every_page(engine: sa.Engine, q: IncidentQuery, size: int) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        rows, cursor = inc.page(engine, q, cursor, size)
        pages.append(rows)
        if cursor is None:
            return pages
        assert len(rows) == size  # only the last page is short


def ids(rows: list[dict]) -> list[str]:
    return [r["source_record_id"] for r in rows]


# ---------------------------------------------------------------- the rows the charts count

def chart_numbers(engine: sa.Engine) -> dict[str, tuple[IncidentQuery, float, int]]:
    """Selection -> (query, the chart's own number from dashboard.queries, the number counted by hand)."""
    from dashboard import queries

    def halves(f: Filters, country: str = "", **where) -> float:
        df = queries.trend_halves(engine, f, country)
        for k, v in where.items():
            df = df[df[k] == v]
        return float(df["incidents"].sum())

    def regions(f: Filters, code: str, year: int | None = None) -> float:
        df = queries.region_year_counts(engine, f)
        df = df[(df["code"] == code) & ((df["year"] == year) if year else True)]
        return float(df["incidents"].sum())

    def mix(f: Filters, subtype: str) -> float:
        df = queries.mix(engine, f)
        return float(df.loc[df["subtype"] == subtype, "incidents"].sum())

    months = queries.trend_months(engine, BOTH, "")
    robbery = Filters(2021, 2022, "robbery")
    return {
        "everything": (IncidentQuery(BOTH), halves(BOTH), 21),
        "JSA only": (IncidentQuery(Filters(2021, 2022, source="JSA")), halves(Filters(2021, 2022, source="JSA")), 18),
        "JM only (linked claims count here)": (IncidentQuery(Filters(2021, 2022, source="JM")),
                                               halves(Filters(2021, 2022, source="JM")), 6),
        "a bar: robbery 2021, Texas": (IncidentQuery(Filters(2021, 2022, "robbery", region="TX"), year=2021),
                                       regions(robbery, "TX", 2021), 2),
        "a map region: Texas": (IncidentQuery(Filters(2021, 2022, region="TX")), regions(BOTH, "TX"), 12),
        "two regions: ON and TX": (IncidentQuery(Filters(2021, 2022, region="ON,TX")),
                                   regions(BOTH, "TX") + regions(BOTH, "ON"), 15),
        # J-10 Austin, J-11 Chicago, J-12 J-13 Houston, M-03 Houston; Boise and Waco are not major cities
        "January-June 2022, major cities, U.S.": (
            IncidentQuery(Filters(2021, 2022, major_only=True), "US", year=2022, half=1),
            halves(Filters(2021, 2022, major_only=True), "US", year=2022, half=1), 5),
        "Canada": (IncidentQuery(BOTH, "CA"), halves(BOTH, "CA"), 3),
        # J-01 J-02 J-03 (M-07 is linked) and J-12 J-13 (M-02 is linked)
        "February of both years": (IncidentQuery(BOTH, month=2), float(months.loc[months["month"] == 2, "incidents"].sum()), 5),
        # J-01 J-02 J-10 J-12 J-13: the Chicago smash-and-grab is not in Texas
        "robbery with no sub-type, Texas": (IncidentQuery(Filters(2021, 2022, "robbery", region="TX"), no_subtype=True),
                                            mix(Filters(2021, 2022, "robbery", region="TX"), ""), 5),
        "a non-crime claim counts once its sub-type is chosen": (
            IncidentQuery(Filters(2021, 2022, "other", "non_crime")), mix(Filters(2021, 2022, "other", "non_crime"),
                                                                          "non_crime"), 1),
    }


def test_count_is_the_charts_number_and_the_pages_hold_exactly_those_rows(engine):
    for name, (q, chart, by_hand) in chart_numbers(engine).items():
        assert inc.count(engine, q) == chart == by_hand, name
        rows = [r for p in every_page(engine, q, 4) for r in p]
        assert len(rows) == by_hand and len({r["incident_id"] for r in rows}) == by_hand, name


def test_city_and_month_in_a_region(engine):
    # Houston, combined: J-01 J-02 J-06 J-12 J-13 J-18 M-03 (M-02 and M-07 are linked to J-12 and J-01)
    houston = IncidentQuery(BOTH, city="hOUs")
    assert inc.count(engine, houston) == 7
    assert sorted(ids(inc.page(engine, houston, size=50)[0])) == ["J-01", "J-02", "J-06", "J-12", "J-13", "J-18", "M-03"]
    # December in Texas: J-09 (Dallas, 2021-12-31) and J-18 (Houston, 2022-12-24)
    december = IncidentQuery(Filters(2021, 2022, region="TX"), month=12)
    assert inc.count(engine, december) == 2 and ids(inc.page(engine, december)[0]) == ["J-18", "J-09"]
    # a % in the text is a percent sign, not a wildcard
    assert inc.count(engine, IncidentQuery(BOTH, city="%")) == 0


# ---------------------------------------------------------------- pages

NEWEST = ["J-18", "M-08", "J-17", "J-16", "J-15", "J-14", "M-03", "J-13", "J-12", "J-11", "J-10", "J-09", "J-08", "J-07",
          "J-06", "M-06", "J-05", "J-04", "J-03", "J-02", "J-01"]
# known losses high to low (J-12 and J-13 tie at 900, J-05 and J-11 at 300: the higher id first), then the four
# unknown ones by id (M-08 = 26, J-16, J-08, J-03)
LARGEST = ["J-15", "J-04", "J-01", "J-09", "J-07", "J-18", "J-02", "J-13", "J-12", "J-10", "M-03", "J-17", "J-11", "J-05",
           "M-06", "J-06", "J-14", "M-08", "J-16", "J-08", "J-03"]


def test_newest_first_with_page_boundaries_inside_ties(engine):
    pages = every_page(engine, IncidentQuery(BOTH), 8)
    # J-13 and J-12 share 2022-02-10, J-03 J-02 J-01 share 2021-02-03: the higher id comes first
    assert [ids(p) for p in pages] == [NEWEST[:8], NEWEST[8:16], NEWEST[16:]]
    oldest = every_page(engine, IncidentQuery(BOTH, descending=False), 8)
    assert [i for p in oldest for i in ids(p)] == ["J-01", "J-02", "J-03", *NEWEST[::-1][3:]]
    assert [len(p) for p in oldest] == [8, 8, 5]


def test_sorted_by_loss_unknown_losses_last_both_ways(engine):
    pages = every_page(engine, IncidentQuery(BOTH, sort="loss_usd"), 4)
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 1]  # a boundary in the 900 tie, one in the unknown ones
    assert [i for p in pages for i in ids(p)] == LARGEST
    up = [i for p in every_page(engine, IncidentQuery(BOTH, sort="loss_usd", descending=False), 3) for i in ids(p)]
    # ascending: a tie's lower id first; the unknown losses still last, by id
    assert up == ["J-14", "J-06", "M-06", "J-05", "J-11", "J-17", "M-03", "J-10", "J-12", "J-13", "J-02", "J-18", "J-07",
                  "J-09", "J-01", "J-04", "J-15", "J-03", "J-08", "J-16", "M-08"]


def test_sorted_by_id(engine):
    rows = [r for p in every_page(engine, IncidentQuery(BOTH, sort="incident_id", descending=False), 5) for r in p]
    assert [r["incident_id"] for r in rows] == sorted(r["incident_id"] for r in rows)
    assert len(rows) == 21 and 19 not in [r["incident_id"] for r in rows]  # M-01 is linked: not in combined


def test_a_row_as_shown(engine):
    rows, _ = inc.page(engine, IncidentQuery(Filters(2021, 2022, region="TX"), year=2021), size=1)
    assert list(rows[0]) == inc.COLUMNS
    expected = {"source_record_id": "J-09", "occurred_on": "2021-12-31", "city": "Dallas", "category": "burglary",
                "subtype": None, "loss_usd": 4000.0, "is_major_city": True, "source": "JSA", "file": "jsa_rows.csv",
                "row_number": 10, "country": "US", "year": 2021, "month": 12, "weapon_shown": None}
    assert {k: rows[0][k] for k in expected} == expected


def test_nothing_matches(engine):
    for q in (IncidentQuery(Filters(2021, 2022, "other", source="JSA")), IncidentQuery(Filters(2021, 2022, region="AK")),
              IncidentQuery(BOTH, city="nowhere")):
        assert inc.page(engine, q) == ([], None) and inc.count(engine, q) == 0
        assert list(csv.reader(io.StringIO("".join(inc.iter_csv(engine, q))))) == [inc.COLUMNS]


def test_bad_cursors_are_refused(engine):
    q = IncidentQuery(BOTH)
    _rows, cursor = inc.page(engine, q, size=3)
    by_loss = inc.page(engine, IncidentQuery(BOTH, sort="loss_usd"), size=3)[1]
    upward = inc.page(engine, IncidentQuery(BOTH, descending=False), size=3)[1]
    import base64

    def made(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    for bad in ("", "not a cursor!", "A" * 201, made("[1, 2"), made('{"a": 1}'), made('["occurred_on", 1, "x", 3]'),
                made('["occurred_on", 1, 19000, -1]'), made('["occurred_on", 1, true, 3]'), by_loss, upward, 12):
        with pytest.raises(BadCursor):
            inc.page(engine, q, bad)
    assert inc.page(engine, q, cursor)[0][0]["source_record_id"] == "J-16"  # the good one still works
    with pytest.raises(BadQuery):
        inc.page(engine, q, size=0)


def test_queries_are_checked():
    for bad in (dict(sort="city"), dict(country="MX"), dict(month=13), dict(half=3), dict(year="2021"),
                dict(city="x" * 101), dict(descending="yes"), dict(filters=Filters(category="arson")),
                dict(filters=Filters(region="tx")), dict(filters=Filters(subtype="non_crime"), no_subtype=True)):
        with pytest.raises(BadQuery):
            IncidentQuery(**{"filters": BOTH, **bad})


# ---------------------------------------------------------------- downloads

def test_csv_is_the_rows_paged(engine):
    q = IncidentQuery(BOTH, sort="loss_usd")
    chunks = list(inc.iter_csv(engine, q))
    assert chunks[0] == ",".join(inc.COLUMNS) + "\n"  # the header comes first, alone
    lines = list(csv.reader(io.StringIO("".join(chunks))))
    paged = [r for p in every_page(engine, q, 5) for r in p]
    assert lines[1:] == [[inc.csv_cell(r[c]) for c in inc.COLUMNS] for r in paged]
    assert lines[1][inc.COLUMNS.index("loss_usd")] == "10000" and lines[-1][inc.COLUMNS.index("loss_usd")] == ""


def test_xlsx_opens_and_holds_the_same_rows(engine, monkeypatch):
    q = IncidentQuery(BOTH)
    buffer = io.BytesIO()
    assert inc.write_xlsx(engine, q, buffer) == 21
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    rows = list(book["Incidents"].iter_rows(values_only=True))
    assert list(rows[0]) == inc.COLUMNS
    paged = [r for p in every_page(engine, q, 7) for r in p]
    assert [r[inc.COLUMNS.index("incident_id")] for r in rows[1:]] == [r["incident_id"] for r in paged]
    assert rows[1][1].date().isoformat() == "2022-12-24" and rows[1][inc.COLUMNS.index("loss_usd")] == 2000
    # past the sheet's row limit the rows go on: 21 rows at 8 a sheet -> 8, 8, 5
    monkeypatch.setattr(inc, "XLSX_SHEET_ROWS", 8)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(inc.iter_xlsx(engine, q))), read_only=True)
    assert book.sheetnames == ["Incidents", "Incidents 2", "Incidents 3"]
    assert [len(list(book[s].iter_rows())) - 1 for s in book.sheetnames] == [8, 8, 5]


def test_url_parameters_round_trip_and_bad_ones_are_refused():
    years, regions, sources = [2021, 2022], ["TX", "ON", "IL", "ID"], ["JSA", "JM"]
    for q in (IncidentQuery(BOTH), IncidentQuery(Filters(2021, 2022, "robbery", region="ON,TX"), "US", "loss_usd", False,
                                                  2021, 2, 1, "hou"),
              IncidentQuery(Filters(2021, 2021, "theft", "grab_and_run", "JM", major_only=True)),
              IncidentQuery(Filters(2021, 2022, "robbery"), no_subtype=True)):
        assert inc.from_params(inc.to_params(q), years, regions, sources) == q
    page_url = {"year_from": "2022", "metric": "per_million", "base_year": "2021", "layer": "jewelry"}
    assert inc.from_params(page_url, years, regions, sources).filters.years == (2022, 2022)
    assert inc.from_params({}, years, regions, sources).filters.year_from is None  # every year
    for bad in ({"year": "1999"}, {"year_from": "x"}, {"category": "arson"}, {"region": "TX,ZZ"}, {"sort": "city"},
                {"dir": "up"}, {"month": "0"}, {"half": "3"}, {"source": "LAPD"}, {"country": "MX"},
                {"subtype": "safe_attack", "category": "robbery"}, {"major_only": "maybe"}, {"limit": "10"},
                {"year_from": "2022", "year_to": "2021"}, {"city": "x" * 201}):
        with pytest.raises(BadQuery):
            inc.from_params(bad, years, regions, sources)


def test_describe():
    from dashboard.incident_table import describe

    names = {"TX": "Texas", "ON": "Ontario"}
    q = IncidentQuery(Filters(2021, 2022, "robbery", region="TX"), year=2021)
    assert describe(q, names) == "Robbery, 2021, Texas; JSA and JM combined"
    q = IncidentQuery(Filters(2019, 2022, major_only=True, source="JSA"), "US", month=2)
    assert describe(q, names) == "All crime types, February 2019-2022, United States, major cities only; " \
                                     "JSA-style incidents"
    assert describe(IncidentQuery(Filters(region="ON,TX"), half=1), names) == \
        "All crime types, January-June, every year, Ontario and Texas; JSA and JM combined"


def test_new_databases_have_the_keyset_indexes(engine):
    names = {ix["name"] for ix in sa.inspect(engine).get_indexes("incident")}
    assert {"ix_incident_day", "ix_incident_loss"} <= names


# ---------------------------------------------------------------- the modal: clicks, the grid, the downloads

@pytest.fixture(scope="module")
def app(db: str):
    from dashboard import incident_table
    from dashboard.app import create_app

    dash_app = create_app(db)
    incident_table.register_routes(dash_app.server)
    with dash_app.server.app_context():
        yield dash_app


def pick(chart: str, filters: dict, **point) -> dict:
    """What the browser sends on "Show incidents": the chart, its page's store, its last clicked point."""
    return {"chart": chart, "filters": {"year_from": 2021, "year_to": 2022, "source": "combined", **filters},
            "point": point or None}


def test_a_click_on_each_chart_selects_what_it_drew(app, engine):
    from dashboard import incident_table as table

    label = "Robbery, sub-type not recorded"
    cases = [  # (pick, count by hand, words)
        # 2021 robberies in the U.S.: J-01 J-02 (Houston) and J-04 (Chicago); J-07 is in Toronto, M-07 linked
        (pick("trends-yearly", {"country": "US"}, x=2021, name="Robbery", customdata=["guidance:x", "Robbery"]), 3,
         "Robbery, 2021, United States; JSA and JM combined"),
        # thefts January-June 2022: J-11 (Chicago) and J-14 (Boise); M-01 is linked to J-11
        (pick("trends-half", {"country": "US"}, x=2022, name="Theft"), 2, "Theft, January-June 2022, United States"),
        (pick("trends-half", {"country": "US", "major_only": True}, x=2022), 5, "major cities only"),
        # the trends page's regions: 2022 robberies in Ontario and Texas are J-10, J-12, J-13 (M-02 linked)
        (pick("trends-yearly", {"region": "TX,ON"}, x=2022, name="Robbery"), 3, "Robbery, 2022, Ontario and Texas"),
        (pick("trends-monthly", {}, x="Feb", name="Average 2021-2022"), 5, "February 2021-2022"),
        (pick("trends-monthly", {}, x="Feb", name="2022"), 2, "February 2022"),
        (pick("trends-index", {"source": "JM"}, x=2021.0), 2, "2021, U.S. and Canada; JM-style claims"),
        (pick("map", {"major_only": True}, location="TX"), 12, "All crime types, 2021-2022, Texas"),  # no switch there
        (pick("ranking", {}, location="IL"), 4, "Illinois"),
        (pick("risk-top", {}, customdata=["ON", "High"]), 3, "Ontario"),
        (pick("risk-trend", {"region": "TX"}, x=2022, name="Robbery"), 3, "Robbery, 2022, Texas"),
        (pick("risk-types", {"region": "TX"}, y=label, customdata=["guidance:x", label]), 5, label + ", 2021-2022"),
        (pick("trends-yearly", {}), 21, "All crime types, 2021-2022, U.S. and Canada"),  # no click yet: the page
        (pick("trends-yearly", {"country": "MX"}, x="1999", name="Arson"), 21, "U.S. and Canada"),  # nonsense ignored
    ]
    for chosen, n, words in cases:
        q = table.selection(engine, chosen)
        assert inc.count(engine, q) == n, chosen
        _open, title, params, _cursors = table.open_incidents(chosen)
        assert words in title and title.endswith(f": {n} incidents"), title
        assert inc.from_params(params, [2021, 2022], ["TX", "IL", "ON", "ID"], ["JSA", "JM"]) == q
    assert table.selection(engine, pick("risk-types", {})).startswith("Choose a state or province")
    assert table.selection(engine, {"chart": "share-nibrs"}) == "This chart has no incident list."
    assert set(table.CLICK_RULES) >= {"trends-yearly", "map", "risk-types", "trends-half", "trends-monthly",
                                      "risk-trend"}


def test_the_grid_pages_by_key_with_its_own_sort_and_filters(app, engine):
    from dashboard import incident_table as table

    params = inc.to_params(IncidentQuery(BOTH))
    request = {"startRow": 0, "endRow": 8, "sortModel": [{"colId": "occurred_on", "sort": "desc"}], "filterModel": {}}
    first, cursors, shown, csv_href, _xlsx = table.get_rows(request, params, None)
    assert ids(first["rowData"]) == NEWEST[:8] and first["rowCount"] == -1 and shown == ""
    second, cursors, *_ = table.get_rows({**request, "startRow": 8, "endRow": 16}, params, cursors)
    last, *_ = table.get_rows({**request, "startRow": 16, "endRow": 24}, params, cursors)
    assert ids(second["rowData"]) == NEWEST[8:16] and ids(last["rowData"]) == NEWEST[16:] and last["rowCount"] == 21
    # a block whose start has no cursor (the store was lost) is walked to by key: the same rows
    again, *_ = table.get_rows({**request, "startRow": 16, "endRow": 24}, params, None)
    assert ids(again["rowData"]) == NEWEST[16:]
    # the grid's sort and filters: Houston only, by loss
    request = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "loss_usd", "sort": "desc"}],
               "filterModel": {"city": {"filterType": "text", "type": "contains", "filter": "houst"}}}
    rows, _c, shown, csv_href, xlsx_href = table.get_rows(request, params, cursors)
    assert ids(rows["rowData"]) == ["J-01", "J-18", "J-02", "J-13", "J-12", "M-03", "J-06"] and rows["rowCount"] == 7
    assert shown.startswith("Filtered by city") and csv_href.startswith("/download/incidents.csv?")
    assert "city=houst" in csv_href and "sort=loss_usd" in xlsx_href
    regions = ["TX", "IL", "ON", "ID"]
    text = lambda kind, *v: {"filterType": "text", "operator": "OR",  # noqa: E731
                             "conditions": [{"filterType": "text", "type": kind, "filter": x} for x in v]}
    q = table.grid_query(IncidentQuery(BOTH), [], {"region_code": text("equals", "on", "tx")}, regions)
    assert q.filters.region == "ON,TX" and inc.count(engine, q) == 15
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {"region_code": text("equals", "on", "tx")}}
    assert table.get_rows(request, params, None)[2] == "15 match the table's filters."
    assert table.grid_query(IncidentQuery(Filters(2021, 2022, region="TX")), [],
                            {"region_code": text("equals", "ON")}, regions) is None  # outside the selection
    assert table.grid_query(IncidentQuery(Filters(2021, 2022, "theft")), [],
                            {"category": text("equals", "Robbery")}, regions) is None
    assert table.grid_query(IncidentQuery(BOTH), [{"colId": "city", "sort": "asc"}],
                            {"city": text("startsWith", "x")}, regions) == IncidentQuery(BOTH)  # not offered: ignored
    nothing = ({"rowData": [], "rowCount": 0}, None, "", None, None)  # and no download link
    assert table.get_rows({"startRow": -1, "endRow": 5}, params, None) == nothing
    assert table.get_rows(request, {"category": "arson"}, None) == nothing


def test_download_routes_stream_every_row_and_refuse_bad_parameters(app):
    client = app.server.test_client()
    got = client.get("/download/incidents.csv?year_from=2021&year_to=2022&category=robbery&region=TX&year=2021")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="jewelcrime_incidents_')
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert [r["source_record_id"] for r in rows] == ["J-02", "J-01"]
    got = client.get("/download/incidents.xlsx?source=JM&sort=loss_usd&dir=asc")
    book = openpyxl.load_workbook(io.BytesIO(got.get_data()), read_only=True)
    claims = [r[inc.COLUMNS.index("source_record_id")] for r in list(book.active.iter_rows(values_only=True))[1:]]
    # JM alone, losses (paid + reserve) low to high: 200, 300, 600, 900, 1000, unknown; M-04 and M-05 are no crimes
    assert claims == ["M-06", "M-01", "M-03", "M-02", "M-07", "M-08"]
    for query, words in (("year=1990", "year='1990' is not allowed"), ("region=XX", "region 'XX'"),
                         ("sort=city", "sort='city'"), ("nope=1", "unknown parameter 'nope'"),
                         ("year=2021&year=2022", "give each parameter once")):
        got = client.get(f"/download/incidents.csv?{query}")
        assert got.status_code == 400 and got.mimetype == "text/plain" and words in got.get_data(as_text=True), query


@pytest.mark.postgres
def test_the_same_pages_on_postgresql(cli, pg_url, engine):
    """The SQL is portable: on PostgreSQL the same rows in the same order, page boundaries, CSV and counts."""
    from etl.config import make_engine

    assert cli("etl", *FILES, "--db", pg_url).exit_code == 0
    pg = make_engine(pg_url)
    for q in (IncidentQuery(BOTH), IncidentQuery(BOTH, sort="loss_usd"), IncidentQuery(BOTH, sort="loss_usd", descending=False),
              IncidentQuery(Filters(2021, 2022, region="TX"), month=12), IncidentQuery(BOTH, city="hou"),
              IncidentQuery(Filters(2021, 2022, "robbery", region="ON,TX"), no_subtype=True)):
        strip = lambda pages: [[{k: v for k, v in r.items() if k != "incident_id"} for r in p] for p in pages]  # noqa: E731
        assert strip(every_page(pg, q, 4)) == strip(every_page(engine, q, 4)), q
        assert inc.count(pg, q) == inc.count(engine, q)
        text = lambda e: [line.split(",")[1:] for line in "".join(inc.iter_csv(e, q)).splitlines()]  # noqa: E731
        assert text(pg) == text(engine)


def test_the_document_names_what_the_code_does():
    """docs/incidents.md lists every column, sort, chart rule, URL parameter and index (in backticks)."""
    from pathlib import Path

    from dashboard import incident_table
    from etl import schema

    doc = (Path(__file__).resolve().parents[1] / "docs" / "incidents.md").read_text(encoding="utf-8")
    names = [*inc.COLUMNS, *inc.SORTABLE, *incident_table.CLICK_RULES, *inc.ROW_PARAMS, *inc.PAGE_ONLY,
             *(ix.name for ix in schema.KEYSET_INDEXES), "/download/incidents.csv", "/download/incidents.xlsx",
             f"subtype={inc.NO_SUBTYPE}", "KEYSET_INDEXES", "CLICK_RULES"]
    assert [n for n in names if f"`{n}`" not in doc] == []
    assert "BENCHMARK_RESULTS" not in doc  # the numbers are filled in
