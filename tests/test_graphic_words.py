"""The words on campaign graphics (dashboard.graphics.words): plain words on store signs, guidance chosen by the
figure's own incidents, one source named once, the dates of the data shown, and no file names anywhere.

Known answers, counted by hand from small files written here or in tests/fixtures/:

GUIDANCE_ROWS (JSA layout, below): 2022 in the U.S.: 3 smash-and-grab robberies (Los Angeles, Chicago,
Houston), 2 burglaries (Boise, Reno), 2 thefts (Boise, Fresno), 1 grab-and-run (Austin), 1 armed robbery
(Dallas): 9. Also 6 thefts in Toronto in 2022 (Canada) and 5 armed robberies in Houston in 2021.

* g_us (U.S., 2022 against 2021): types 3, 2, 2, 1, 1 of 9; smash-and-grab (3 of 9) is not more than half, with
  burglary (tied with theft at 2; burglary comes first in the taxonomy) 5 of 9 = 56% is: two scenarios,
  smash-and-grab and after-hours burglary, two tips each. Counting Canada or 2021 would make theft or armed
  robbery the top type.
* g_thefts (U.S. thefts, 2022): theft 2 and grab-and-run 1 of 3; theft alone is 67%: one scenario
  (grab-and-run), four tips.
* g_tx (Texas, 2022): smash-and-grab, grab-and-run and armed robbery, 1 each of 3; one is 33%, the first two
  in taxonomy order (smash-and-grab, armed robbery) 67%.
* g_ca_robbery (Canadian robberies, 2022): none, so all jewelry crime in 2022: 15 incidents, thefts 2 + 6 = 8
  (53%).

tests/fixtures/claims (see tests/test_dashboard_claims.py): us_thefts_2022 is supported for 2022 and stale by
2023; burglaries_2022 (3 against a claimed 4) and property_share_2020 (the reference NIBRS totals, 60.5%
against 65%) are not supported; theft_share_2023 is supported and current. Incident months: every month of
2021 to 2023, January to March 2024.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from dashboard import charts, exporter, queries
from dashboard.graphics import words as W, words_guidance as G
from dashboard.graphics.settings import Settings
from etl.config import make_engine
from etl.taxonomy import BY_KEY
from tests.conftest import FIXTURES

CLAIMS_HEADER = ("id,claim,published_value,unit,published_by,url,published_on,metric,numerator,denominator,source,"
                 "country,regions,category,subtype,major_only,nibrs_class,period,compared_with,official_value,"
                 "official_source,tolerance,published_denominator")
GUIDANCE_CLAIMS = [
    "g_us,U.S. jewelry crime rose 80% in 2022,80,percent_change,Test desk,,2023-01,incidents,,,JSA,US,,,,false,,"
    "2022,2021,,,,",
    "g_thefts,3 thefts against U.S. jewelers in 2022,3,count,Test desk,,2023,incidents,,,JSA,US,,theft,,false,,"
    "2022,,,,,",
    "g_tx,3 crimes against Texas jewelers in 2022,3,count,Test desk,,2023,incidents,,,JSA,US,TX,,,false,,2022,,,,,",
    "g_ca_robbery,1 robbery against Canadian jewelers in 2022,1,count,Test desk,,2023,incidents,,,JSA,CA,,robbery,,"
    "false,,2022,,,,,",
]
GUIDANCE_ROWS = """Date,City,State,Crime Type,Loss,Record ID
2021-01-05,Houston,TX,armed robbery,100,G-01
2021-02-05,Houston,TX,armed robbery,100,G-02
2021-03-05,Houston,TX,armed robbery,100,G-03
2021-04-05,Houston,TX,armed robbery,100,G-04
2021-05-05,Houston,TX,armed robbery,100,G-05
2022-01-10,Los Angeles,CA,smash-and-grab,100,G-06
2022-02-10,Chicago,IL,smash-and-grab,100,G-07
2022-03-10,Houston,TX,smash-and-grab,100,G-08
2022-04-10,Boise,ID,burglary,100,G-09
2022-05-10,Reno,NV,burglary,100,G-10
2022-06-10,Boise,ID,theft,100,G-11
2022-07-10,Fresno,CA,theft,100,G-12
2022-08-10,Austin,TX,grab and run,100,G-13
2022-09-10,Dallas,TX,armed robbery,100,G-14
2022-10-01,Toronto,ON,theft,100,G-15
2022-10-02,Toronto,ON,theft,100,G-16
2022-10-03,Toronto,ON,theft,100,G-17
2022-10-04,Toronto,ON,theft,100,G-18
2022-10-05,Toronto,ON,theft,100,G-19
2022-10-06,Toronto,ON,theft,100,G-20
"""
CLAIMS_DIR = FIXTURES / "claims"
STALE_ROW = ("us_thefts_2022,U.S. thefts against jewelers fell 30% in 2022,-30,percent_change,Test desk,,2023-02,"
             "incidents,,,JSA,US,,theft,,false,,2022,2021,,,,")
JARGON = re.compile(r"correct|not supported|\bclaims?\b|verdict|publish", re.IGNORECASE)
SETTINGS = Settings()


def texts(words: W.Words) -> dict[str, str]:
    """Every text a graphic may print or its alt text carries (the settings' call to action aside)."""
    out = {f.name: getattr(words, f.name) for f in dataclasses.fields(words)
           if isinstance(getattr(words, f.name), str) and not f.name.startswith("call_to_action")}
    out.update({f"tip {i}": t for i, t in enumerate(words.tips)})
    return out


def figures(engine) -> dict[str, dict]:  # noqa: ANN001
    return {f["id"]: f for f in queries.headline_figures(engine)}


def claims_file(folder: Path, rows: list[str]) -> Path:
    (folder / "reference").mkdir(exist_ok=True)
    path = folder / "reference" / "claims.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def guidance_db(cli, db_url, tmp_path):
    rows = tmp_path / "guidance_rows.csv"
    rows.write_text(GUIDANCE_ROWS, encoding="utf-8")
    result = cli("etl", rows, claims_file(tmp_path, [CLAIMS_HEADER, *GUIDANCE_CLAIMS]), "--db", db_url)
    assert result.exit_code == 0, result.output
    return make_engine(db_url)


@pytest.fixture
def claims_db(cli, db_url, tmp_path):
    lines = (CLAIMS_DIR / "reference" / "claims.csv").read_text(encoding="utf-8").splitlines()
    result = cli("etl", CLAIMS_DIR / "jsa_claims.csv", claims_file(tmp_path, [*lines, STALE_ROW]), "--db", db_url)
    assert result.exit_code == 0, result.output
    return make_engine(db_url)


# ---------------------------------------------------------------- store signs: no correction words

def test_signs_have_no_correction_words_for_supported_unsupported_and_stale_claims(claims_db):
    figs = figures(claims_db)
    assert figs["theft_share_2023"]["verdict"] == "supported" and not figs["theft_share_2023"]["stale"]
    assert figs["us_thefts_2022"]["verdict"] == "supported" and figs["us_thefts_2022"]["stale"]
    assert figs["burglaries_2022"]["verdict"] == figs["property_share_2020"]["verdict"] == "not supported"
    for fid in ("theft_share_2023", "us_thefts_2022", "burglaries_2022", "property_share_2020"):
        sign = W.figure_words(claims_db, figs[fid], "signage", SETTINGS)
        found = {k: v for k, v in texts(sign).items() if JARGON.search(v)}
        assert found == {}, fid
        assert sign.tips and sign.guidance_title.startswith("What to do: ") and sign.as_of
    stale = W.figure_words(claims_db, figs["us_thefts_2022"], "signage", SETTINGS)
    assert stale.stale == "Out of date: this figure held for 2022, not for the latest period."
    assert stale.as_of == "As of 2023, the latest complete period in the data: -14.3% against 2021."
    share = W.figure_words(claims_db, figs["property_share_2020"], "signage", SETTINGS)
    assert share.statement == "Crimes against property were 60.5% of offenses reported to the FBI's NIBRS in 2020."
    assert share.number == "60.5%" and share.claim == ""
    # the other kinds still say how the number relates to the published claim
    social = W.figure_words(claims_db, figs["property_share_2020"], "social", SETTINGS)
    assert "not supported" in social.claim and "not supported" in social.alt


def test_stat_card_status_is_plain(claims_db):
    figs = figures(claims_db)
    status = {fid: W.figure_words(claims_db, figs[fid], "badge", SETTINGS).status
              for fid in ("theft_share_2023", "burglaries_2022", "property_share_2020")}
    assert status == {"theft_share_2023": "Checked against JSA data", "burglaries_2022": "Computed from JSA data",
                      "property_share_2020": "Computed from FBI NIBRS data"}


def test_a_sample_data_sign_says_sample_in_plain_words(cli, db_url):
    assert cli("etl", FIXTURES / "exports" / "jsa_sample_small.csv", "--db", db_url).exit_code == 0
    engine = make_engine(db_url)
    fig = figures(engine)["change_since_2019"]
    assert fig["sample_data"] and JARGON.search(fig["sample_note"])  # the checker's own note has the words
    sign = W.figure_words(engine, fig, "signage", SETTINGS)
    assert {k: v for k, v in texts(sign).items() if JARGON.search(v)} == {}
    assert sign.sample and sign.sample_note == W.SIGN_SAMPLE_NOTE
    assert sign.alt.endswith("(sample data: synthetic, not real incidents).")


# ---------------------------------------------------------------- the guidance rule

def test_guidance_comes_from_the_types_making_up_more_than_half_of_the_figures_incidents(guidance_db):
    figs = figures(guidance_db)
    us = W.figure_words(guidance_db, figs["g_us"], "signage", SETTINGS)
    assert us.guidance_scenarios == ("smash-and-grab", "after-hours-burglary")
    assert us.guidance_basis == "Smash-and-grab robbery and burglary made up 56% of the 2022 incidents in this figure."
    assert us.guidance_title == "What to do: Smash-and-grab robbery and after-hours burglary"
    assert len(us.tips) == 4 and us.tips[:2] == tuple(G.SCENARIOS["smash-and-grab"].limit_loss[:2])
    assert us.tips[2:] == tuple(G.SCENARIOS["after-hours-burglary"].limit_loss[:2])

    thefts = W.figure_words(guidance_db, figs["g_thefts"], "signage", SETTINGS)
    assert thefts.guidance_scenarios == ("grab-and-run",)
    assert thefts.guidance_basis == "Theft made up 67% of the 2022 incidents in this figure."
    assert thefts.tips == tuple(G.SCENARIOS["grab-and-run"].limit_loss[:4])

    tx = W.figure_words(guidance_db, figs["g_tx"], "signage", SETTINGS)
    assert tx.guidance_scenarios == ("smash-and-grab", "armed-robbery")
    assert tx.guidance_basis == ("Smash-and-grab robbery and armed robbery made up 67% of the 2022 incidents in this "
                                 "figure.")

    none = W.figure_words(guidance_db, figs["g_ca_robbery"], "signage", SETTINGS)
    assert none.guidance_scenarios == ("grab-and-run",)
    assert none.guidance_basis == ("Theft made up 53% of all jewelry crimes recorded in 2022 (the figure has none of "
                                   "its own).")


def test_type_counts_add_up_to_the_figures_own_count(guidance_db):
    fig = figures(guidance_db)["g_us"]
    counts = G.type_counts(guidance_db, G.claim_filters(fig["measure"]["filters"]), G.parse_period("2022"))
    got = {(ct.category, ct.subtype): n for ct, n in counts if n}
    assert got == {("robbery", "smash_and_grab"): 3, ("burglary", None): 2, ("theft", None): 2,
                   ("theft", "grab_and_run"): 1, ("robbery", "armed_robbery"): 1}
    assert sum(got.values()) == fig["inputs"]["incidents_2022"] == 9


def test_the_rule_keeps_two_scenarios_at_most():
    t = lambda category, subtype=None: BY_KEY[(category, subtype)]  # noqa: E731
    # 3 + 3 is exactly half of 12, not more: a third type is needed, but its scenario is a third one and is cut
    counts = [(t("robbery", "smash_and_grab"), 3), (t("burglary", "after_hours_burglary"), 3),
              (t("theft", "distraction_theft"), 2), (t("off_premises", "home_invasion"), 2), (t("theft"), 2)]
    chosen, scenarios, total = G.pick(counts)
    assert scenarios == ["smash-and-grab", "after-hours-burglary"] and total == 12
    assert [(ct.label, n) for ct, n in chosen] == [("Smash-and-grab robbery", 3), ("After-hours burglary", 3)]
    # exactly half is not more than half: the next type is taken too
    chosen, scenarios, total = G.pick([(t("robbery", "smash_and_grab"), 2), (t("theft"), 2)])
    assert scenarios == ["smash-and-grab", "grab-and-run"] and total == 4
    # one type alone over half: one scenario; a non-crime loss counts in the total but is never chosen
    chosen, scenarios, total = G.pick([(t("other", "non_crime"), 5), (t("theft", "sneak_theft"), 6)])
    assert scenarios == ["sneak-theft-and-switch"] and total == 11 and chosen[0][1] == 6


def test_a_nibrs_class_figure_takes_its_class_scenario(claims_db):
    sign = W.figure_words(claims_db, figures(claims_db)["property_share_2020"], "signage", SETTINGS)
    assert sign.guidance_scenarios == ("after-hours-burglary",)
    assert sign.guidance_title == "What to do: After-hours burglary"
    assert "crimes against property reported to the FBI" in sign.guidance_basis


# ---------------------------------------------------------------- sources

@pytest.fixture
def both_sources(cli, db_url, tmp_path):
    rows = tmp_path / "guidance_rows.csv"
    rows.write_text(GUIDANCE_ROWS, encoding="utf-8")
    result = cli("etl", rows, FIXTURES / "incidents" / "jm_rows.csv",
                 claims_file(tmp_path, [CLAIMS_HEADER, *GUIDANCE_CLAIMS]), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert set(queries.sources(make_engine(db_url))) == {"JSA", "JM"}
    return make_engine(db_url)


def chart(engine, chart_id: str, query: dict) -> W.Words:  # noqa: ANN001
    result = charts.build(engine, chart_id, query, export=True)
    return W.chart_words(engine, charts.get(chart_id).title, charts.get(chart_id).kind, result, [], SETTINGS,
                         query=query)


def test_a_jsa_only_figure_or_chart_names_jsa_only(both_sources):
    fig = figures(both_sources)["g_us"]
    for kind in ("social", "badge", "signage"):
        words = W.figure_words(both_sources, fig, kind, SETTINGS)
        assert words.source == "Data derived from Jewelers' Security Alliance", kind
    assert chart(both_sources, "trends-yearly", {"source": "JSA"}).source == \
        "Data derived from Jewelers' Security Alliance"
    assert chart(both_sources, "share-mix-count", {"source": "JM"}).source == "Data derived from Jewelers Mutual Group"
    assert chart(both_sources, "trends-yearly", {}).source == \
        "Data derived from Jewelers' Security Alliance and Jewelers Mutual Group"
    # the map adds its population source; the subtitle names the source in public words
    jsa_map = chart(both_sources, "map", {"source": "JSA"})
    assert jsa_map.source == ("Data derived from Jewelers' Security Alliance; population: U.S. Census Bureau and "
                              "Statistics Canada estimates")
    assert "JSA data" in jsa_map.subtitle and "-style" not in jsa_map.subtitle


def test_combined_with_only_jsa_loaded_names_jsa(guidance_db):
    assert chart(guidance_db, "trends-yearly", {}).source == "Data derived from Jewelers' Security Alliance"


def test_nibrs_source_is_named_once(claims_db):
    fig = figures(claims_db)["property_share_2020"]
    assert fig["extra"]["nibrs_source"] == "FBI, NIBRS 2020 release (December 2021)"
    words = W.figure_words(claims_db, fig, "social", SETTINGS)
    assert words.source == "FBI, National Incident-Based Reporting System (NIBRS), 2020 release (December 2021)"
    assert words.source.count("FBI") == 1 and words.subtitle == "2020; offenses reported to the FBI's NIBRS"


# ---------------------------------------------------------------- dates

def test_a_2020_nibrs_figure_and_chart_say_2020(claims_db):
    fig = figures(claims_db)["property_share_2020"]
    for kind in ("social", "badge", "signage"):
        assert W.figure_words(claims_db, fig, kind, SETTINGS).date_range == "2020"
    assert chart(claims_db, "share-nibrs", {"nibrs_year": "2020"}).date_range == "2020"


def test_a_figure_covers_its_compared_period_and_its_period(claims_db):
    figs = figures(claims_db)
    assert W.figure_words(claims_db, figs["us_thefts_2022"], "social", SETTINGS).date_range == "2021 and 2022"
    assert W.figure_words(claims_db, figs["burglaries_2022"], "badge", SETTINGS).date_range == "2022"


def test_a_chart_filtered_to_years_says_those_years(claims_db):
    years = {"year_from": "2021", "year_to": "2022"}
    for chart_id in ("trends-yearly", "map", "share-mix-count", "risk-top"):
        assert chart(claims_db, chart_id, years).date_range == "2021-2022", chart_id
    assert chart(claims_db, "trends-yearly", {"year_from": "2022", "year_to": "2022"}).date_range == "2022"
    # every year, cut to the months the data has: 2024 has January to March only
    assert chart(claims_db, "trends-yearly", {}).date_range == "Jan 2021 to Mar 2024"
    assert chart(claims_db, "share-mix-count", {"year_from": "2024"}).date_range == "Jan-Mar 2024"
    # without the query, the years the chart's own description names
    result = charts.build(claims_db, "map", years, export=True)
    assert W.chart_words(claims_db, "Map", "Map", result, [], SETTINGS).date_range == "2021-2022"


# ---------------------------------------------------------------- no file names, an "as of" line everywhere

def test_no_words_name_a_loaded_file_and_every_graphic_has_an_as_of_line(cli, db_url, tmp_path):
    mapped = tmp_path / "chicago_crimes_sample.csv"
    shutil.copy(FIXTURES / "mapped" / "chicago_crimes_sample.csv", mapped)
    for args in ([FIXTURES / "figures" / "jsa_known.csv"], [FIXTURES / "incidents" / "jm_rows.csv"],
                 [FIXTURES / "figures" / "nibrs_2020_known.csv"], [mapped, "--map", "chicago"]):
        result = cli("etl", *args, "--db", db_url)
        assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    files = {b["file"] for b in queries.batches(engine)}
    assert {"nibrs_2020_known.csv", "chicago_crimes_sample.csv"} <= files
    assert any("nibrs_2020_known.csv" in str(f["extra"].get("nibrs_source")) for f in queries.headline_figures(engine))
    made: list[W.Words] = [W.figure_words(engine, f, kind, SETTINGS) for f in queries.headline_figures(engine)
                           for kind in ("social", "badge", "signage")]
    for chart_id in exporter.exportable():
        for query in ({}, {"source": "JSA"}, {"source": "Chicago Police open data", "region": "IL"},
                      {"year_from": "2021", "year_to": "2022", "region": "TX"}, {"nibrs_year": "2020"}):
            made.append(chart(engine, chart_id, query))
    for words in made:
        for name, value in texts(words).items():
            assert not any(f in value for f in files) and not re.search(r"\.(csv|xlsx)\b", value), (name, value)
        assert words.as_of.startswith("As of ") or words.as_of == W.NOTHING_LOADED, words.title
    assert chart(engine, "risk-general", {"region": "TX"}).as_of == W.NOTHING_LOADED  # no general-crime table
    assert chart(engine, "map", {"source": "Chicago Police open data"}).as_of == \
        "As of Mar 2022, the latest month in the data."
    mapped_words = chart(engine, "trends-yearly", {"source": "Chicago Police open data"})
    assert mapped_words.source == "Chicago Police open data"
    assert mapped_words.subtitle.endswith("; all crime types; Chicago Police open data; U.S. and Canada")
    assert mapped_words.date_range == "Jan-Mar 2022"  # the mapped file's rows: January to March 2022
    nibrs = W.figure_words(engine, figures(engine)["property_share_2020"], "social", SETTINGS)
    assert nibrs.source == "FBI, National Incident-Based Reporting System (NIBRS)"
