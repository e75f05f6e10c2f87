"""The analysts' notebooks, each run top to bottom in a real Jupyter kernel (nbclient, the `python3` kernel of
this virtualenv) against a database built by the real ETL, with their key values checked against answers
counted by hand.

tests/fixtures/notebooks/jsa_notebooks.csv (JSA-style, every row U.S. but Ontario's; each of 2019, 2022
and 2023 has rows in every month):

    2019  TX  4 smash-and-grab @ mall $10,000 each, 6 burglary @ standalone $2,000
          CA  4 grab-and-run @ mall $1,000;  IL 10 grab-and-run @ strip center $1,000
          ON  2 armed robbery @ downtown $5,000                                       26 rows, $76,000
    2022  TX  6 smash-and-grab @ mall $10,000, 10 burglary @ standalone $2,000
          CA  6 grab-and-run @ mall $1,000
          IL  8 grab-and-run @ strip center $1,000, 4 armed robbery @ downtown $5,000
          ON  2 armed robbery @ downtown $5,000                                       36 rows, $124,000
    2023  TX 15 smash-and-grab @ mall $10,000, 10 burglary @ standalone $2,000
          CA  4 smash-and-grab @ strip center $10,000, 4 grab-and-run @ mall $1,000
          IL  8 grab-and-run @ strip center $1,000, 4 armed robbery @ downtown $5,000
          ON  1 armed robbery @ downtown $5,000;  NY 3 burglary @ standalone, loss unknown  49 rows, $247,000

Counted from it: incidents 2019 / 2022 / 2023: TX 10 / 16 / 25, CA 4 / 6 / 8, IL 10 / 12 / 12, ON 2 / 2 / 1,
NY 0 / 0 / 3; U.S. 24 / 34 / 48; U.S. burglaries 6 / 10 / 13; Illinois thefts 10 / 8 / 8.
Known losses by crime type: smash-and-grab 290,000 (29 rows), armed robbery 65,000 (13), burglary 52,000
(29 rows, 26 known), grab-and-run 40,000 (40); by location: mall 264,000 (39 rows), strip center 66,000 (30),
downtown 65,000 (13), standalone 52,000 (29). Smash-and-grab share of losses: 2019 40,000 / 76,000 = 52.63%,
2022 60,000 / 124,000 = 48.39%, 2023 190,000 / 247,000 = 76.92%; U.S. 2023: 190,000 / 242,000 = 78.5%.

tests/fixtures/notebooks/reference/claims.csv replaces the bundled claims:
    us_up_since_2019     +40% 2022 against 2019: 24 -> 34 = +41.7% (supported); latest 2023 against 2019:
                         24 -> 48 = +100.0% (not supported): stale, moved by 34 -> 48
    us_burglaries_2022   10 in 2022: 10 (supported); latest 2023: 13 (not supported): stale
    sg_loss_share_2023   80% of U.S. losses in 2023: 78.5% (not supported, 1.5 points off); 2023 is the latest
    il_thefts_flat_2023  0% 2023 against 2022: 8 -> 8 (supported, and still)

General crime: tests/fixtures/context/dashboard/fbi_estimated_small.csv and statcan_crime_small.csv (counted in
tests/test_dashboard_context.py): robbery per 100,000 in 2023 TX 90, CA 100, IL 110, ON 60 (and places with no
jewelry incidents). Jewelry rates per million use the bundled reference populations.
"""
from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from etl.config import REFERENCE_DIR
from tests.conftest import FIXTURES, Cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
HERE = FIXTURES / "notebooks"
CONTEXT = FIXTURES / "context" / "dashboard"
EXPECTED = {"claims.ipynb", "fastest_rising.ipynb", "general_crime.ipynb", "losses.ipynb", "headline_figures.ipynb"}
MARK = "NOTEBOOK-RESULTS "
# a notebook reads the database through the project's Python API only, never SQL of its own
SQL_SIGNS = ("sa.text(", "sqlalchemy.text(", "read_sql", "exec_driver_sql", "select ", "SELECT ")


def load(db_url: str, *paths: Path) -> str:
    cli = Cli()
    for path in paths:
        result = cli("etl", path, "--db", db_url)
        assert result.exit_code == 0, result.output
    return db_url


@pytest.fixture(scope="module")
def full_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('notebooks') / 'full.sqlite'}"
    return load(url, HERE / "jsa_notebooks.csv", HERE / "reference" / "claims.csv",
                CONTEXT / "fbi_estimated_small.csv", CONTEXT / "statcan_crime_small.csv")


@pytest.fixture(scope="module")
def bare_db(tmp_path_factory) -> str:
    """Incidents only: no general-crime table."""
    return load(f"sqlite:///{tmp_path_factory.mktemp('notebooks') / 'bare.sqlite'}", HERE / "jsa_notebooks.csv")


class Run:
    """A notebook as executed: its cells with their outputs, and the `results` it left."""

    def __init__(self, nb: nbformat.NotebookNode) -> None:
        self.nb = nb
        tail = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
        line = next(x for x in tail.splitlines() if x.startswith(MARK))
        payload = json.loads(line[len(MARK):])
        self.results: dict[str, Any] = payload["results"]
        self.prefix: str = payload["prefix"]

    def markdown(self) -> str:
        """Every Markdown the notebook displayed (its conclusion among them)."""
        return "\n".join(o["data"]["text/markdown"] for c in self.nb.cells if c.cell_type == "code"
                         for o in c.outputs if "data" in o and "text/markdown" in o["data"])

    def printed(self) -> str:
        return "".join(o.get("text", "") for c in self.nb.cells if c.cell_type == "code"
                       for o in c.outputs if o.output_type == "stream")


def run(name: str, db_url: str, **params: Any) -> Run:
    """Execute notebooks/NAME in a fresh kernel with DATABASE_URL set and the parameters injected after the
    cell tagged `parameters` (as papermill does), in notebooks/ as the working folder."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if params:
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        source = "\n".join(f"{k} = {v!r}" for k, v in params.items())
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json, sys as _sys\n"
        f"print({MARK!r} + _json.dumps({{'results': results, 'prefix': _sys.prefix}}, default=str))"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", db_url)  # the kernel inherits this process's environment
        NotebookClient(nb, kernel_name="python3", timeout=300,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    out = Run(nb)
    assert out.prefix == sys.prefix  # the kernel ran this virtualenv's Python
    return out


def population() -> dict[str, int]:
    """The latest population of each region in the bundled reference file (what rates per million divide by)."""
    latest: dict[str, tuple[int, int]] = {}
    with open(REFERENCE_DIR / "region_population.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            year, pop = int(row["year"]), int(row["population"])
            if row["region_code"] not in latest or year > latest[row["region_code"]][0]:
                latest[row["region_code"]] = (year, pop)
    return {code: pop for code, (_, pop) in latest.items()}


def p_value(old: int, new: int) -> float:
    """Two-sided exact test of an unchanged Poisson rate: twice the binomial(old + new, 1/2) tail."""
    n, k = old + new, min(old, new)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


# ---------------------------------------------------------------- committed clean

def test_every_notebook_is_committed_clean_and_says_what_it_answers():
    found = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert EXPECTED <= found
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        first = nb.cells[0]
        assert first.cell_type == "markdown", path.name
        assert "**Question.**" in first.source and "**Data.**" in first.source, path.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell in code:
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.get('id')} has output"
            assert not any(s in cell.source for s in SQL_SIGNS), f"{path.name}: SQL in cell {cell.get('id')}"
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
        assert nb.metadata["kernelspec"]["name"] == "python3"


# ---------------------------------------------------------------- each notebook, run

def test_claims_notebook_checks_every_claim_then_and_now(full_db):
    r = run("claims.ipynb", full_db)
    res = r.results
    assert res["claims"] == 4
    assert res["supported"] == ["us_up_since_2019", "us_burglaries_2022", "il_thefts_flat_2023"]
    assert res["still_supported"] == ["il_thefts_flat_2023"]
    assert res["stale"] == ["us_up_since_2019", "us_burglaries_2022"]
    assert res["not_supported"] == ["sg_loss_share_2023"]
    v = res["values"]
    assert (v["us_up_since_2019"]["value"], v["us_up_since_2019"]["latest_value"]) == (41.7, 100.0)
    assert v["us_up_since_2019"]["latest_period"] == "2019 to 2023"
    assert v["us_up_since_2019"]["moved_by"] == \
        "incidents_2019: 24 -> 24 (unchanged); incidents_2022 -> incidents_2023: 34 -> 48 (+14)"
    assert (v["us_burglaries_2022"]["value"], v["us_burglaries_2022"]["latest_value"]) == (10, 13)
    assert v["us_burglaries_2022"]["moved_by"] == "2022_burglary -> 2023_burglary: 10 -> 13 (+3)"
    assert (v["sg_loss_share_2023"]["value"], v["sg_loss_share_2023"]["latest_verdict"]) == (78.5, "not supported")
    assert v["il_thefts_flat_2023"]["latest_verdict"] == "supported"
    assert "nothing has moved it" in v["il_thefts_flat_2023"]["moved_by"]
    words = r.markdown()
    assert "Of **4** claims, **3** are supported for their own period and **1** for the latest" in words
    assert "**2** are stale" in words
    assert "`us_up_since_2019`: +41.7% for 2019 to 2022, but +100.0% for 2019 to 2023" in words
    assert "`sg_loss_share_2023` is not supported even for its own period" in words


def test_fastest_rising_notebook_ranks_with_the_dashboards_test(full_db):
    r = run("fastest_rising.ipynb", full_db)
    res = r.results
    assert (res["base_year"], res["year_to"]) == (2019, 2023)
    assert res["order"] == ["TX", "CA", "IL", "ON", "NY"]  # by percent change; no base-year count last
    tx = res["fastest"]
    assert (tx["code"], tx["base_incidents"], tx["last_incidents"], tx["change_abs"], tx["change_pct"]) == \
           ("TX", 10, 25, 15, 150.0)
    assert tx["p_value"] == pytest.approx(p_value(10, 25)) and tx["p_value"] < 0.05 and tx["significant"]
    places = res["places"]
    assert places["IL"]["p_value"] == pytest.approx(p_value(10, 12)) and places["IL"]["reading"] == "not significant"
    assert places["CA"]["reading"] == "fewer than 10 incidents" and not places["CA"]["significant"]
    assert (places["ON"]["change_abs"], places["ON"]["change_pct"]) == (-1, -50.0)
    assert places["NY"]["change_pct"] is None and places["NY"]["reading"] == "no base-year incidents"
    assert (res["largest_rise"], res["significant_rises"], res["from_zero"]) == ("TX", ["TX"], ["NY"])
    assert res["fastest_reliable"] == "TX"  # 10 or more incidents in both years: TX and IL
    words = r.markdown()
    assert "The fastest rise is **Texas**: 10 to 25 incidents (+150.0%, +15), p = 0.017, significant." in words
    assert "**1** rise(s) are significant at the 5% level: Texas." in words


def test_fastest_rising_notebook_takes_its_base_year_as_a_parameter(full_db):
    res = run("fastest_rising.ipynb", full_db, base_year=2022).results
    tx = res["fastest"]
    assert (tx["code"], tx["base_incidents"], tx["last_incidents"], tx["change_abs"], tx["change_pct"]) == \
           ("TX", 16, 25, 9, 56.25)
    assert tx["p_value"] == pytest.approx(p_value(16, 25)) and tx["p_value"] > 0.05 and not tx["significant"]
    assert res["order"] == ["TX", "CA", "IL", "ON", "NY"]  # +56.25%, +33.3%, 0%, -50%, none
    assert res["places"]["IL"]["change_pct"] == 0.0 and res["significant_rises"] == []


def test_general_crime_notebook_sets_jewelry_beside_general_robbery(full_db):
    r = run("general_crime.ipynb", full_db)
    res = r.results
    assert res["context_loaded"] and res["year"] == 2023 and res["measure"] == "robbery"
    assert res["places"] == ["CA", "IL", "ON", "TX"]  # the places with both figures
    assert res["general_rate"] == pytest.approx({"TX": 90.0, "CA": 100.0, "IL": 110.0, "ON": 60.0})
    pop = population()
    counts = {"TX": 25, "CA": 8, "IL": 12, "ON": 1}
    per_million = {c: n / pop[c] * 1e6 for c, n in counts.items()}
    assert res["jewelry_per_million"] == pytest.approx(per_million)
    slope = sum(counts.values()) * 1e6 / sum(res["general_rate"][c] * pop[c] for c in counts)
    assert res["slope"] == pytest.approx(slope)
    ratio = {c: per_million[c] / (res["general_rate"][c] * slope) for c in counts}
    assert res["ratio"] == pytest.approx(ratio)
    assert res["top_above"] == max(ratio, key=ratio.get) and res["lowest"] == min(ratio, key=ratio.get)
    # ranks by jewelry per million (IL, TX, CA, ON) against robbery (IL, CA, TX, ON): 1 - 6 * 2 / (4 * 15)
    assert res["spearman"] == pytest.approx(0.8)
    words = r.markdown()
    assert f"slope of {slope:.4f}" in words and "not directly comparable across the border" in words


def test_general_crime_notebook_without_context_data_says_so(bare_db):
    r = run("general_crime.ipynb", bare_db)  # nbclient raises on any error: it ran to the end
    assert r.results == {"context_loaded": False, "ready": False, "measure": "robbery"}
    assert "General-crime context data is not loaded: this database has no FBI or Statistics Canada table" \
        in r.printed()
    assert "General-crime context data is not loaded, so there is nothing to compare" in r.markdown()


def test_losses_notebook_by_crime_type_location_and_year(full_db):
    r = run("losses.ipynb", full_db)
    res = r.results
    assert res["years"] == [2019, 2023] and res["rows_read"] == 111 and res["total_losses"] == 447_000
    assert res["by_type"] == {"Smash-and-grab robbery": 290_000, "Armed robbery": 65_000,
                              "Burglary, sub-type not given": 52_000, "Grab-and-run theft": 40_000}
    assert res["by_location"] == {"mall": 264_000, "strip_center": 66_000, "downtown": 65_000, "standalone": 52_000}
    assert res["location_incidents"] == {"mall": 39, "strip_center": 30, "downtown": 13, "standalone": 29}
    assert res["smash_and_grab_share"] == {"2019": 52.63, "2022": 48.39, "2023": 76.92}
    assert (res["top_type"], res["top_location"]) == ("Smash-and-grab robbery", "mall")
    words = r.markdown()
    assert "known losses add up to **$447,000** (108 records with a known loss of 111 incidents)" in words
    assert "**52.6%** of known losses in 2019 and **76.9%** in 2023 (+24.3 points)" in words


def test_losses_notebook_takes_its_years_as_parameters(full_db):
    res = run("losses.ipynb", full_db, year_from=2022).results
    assert res["years"] == [2022, 2023] and res["rows_read"] == 85 and res["total_losses"] == 371_000
    assert res["by_location"] == {"mall": 220_000, "strip_center": 56_000, "downtown": 55_000, "standalone": 40_000}
    assert res["smash_and_grab_share"] == {"2022": 48.39, "2023": 76.92}


def test_headline_figures_notebook(full_db):
    r = run("headline_figures.ipynb", full_db)
    res = r.results
    assert res["figures"] == {"us_up_since_2019": 41.7, "us_burglaries_2022": 10, "sg_loss_share_2023": 78.5,
                              "il_thefts_flat_2023": 0.0}
    assert res["verdicts"]["sg_loss_share_2023"] == "not supported"
    assert res["index"] == {"2019": 100.0, "2022": 141.7, "2023": 200.0}  # U.S. JSA 24, 34, 48
    assert res["latest"] == 2023 and res["totals"] == {"2019": 26, "2022": 36, "2023": 49}
    assert res["top"] == ["TX", "IL", "CA", "NY", "ON"]
    assert res["top_incidents"] == {"TX": 25, "IL": 12, "CA": 8, "NY": 3, "ON": 1}
    assert "U.S. JSA-style incidents went from 24 in 2019 to 48 in 2023 (index 200.0, 2019 = 100)" in r.markdown()
