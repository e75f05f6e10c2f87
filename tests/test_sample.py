"""The bundled sample data: deterministic, loadable without quarantine, calibrated.

The expected values are read from data/raw/reference/jsa_annual.csv, the same
file the generator follows; nothing is typed in here. The files are generated
and loaded once per module (through the real CLI) to keep the suite fast.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from etl import geo, sample
from etl.cli import app
from etl.config import PROJECT_ROOT, RAW_DIR, REFERENCE_DIR, make_engine
from etl.regions import city_key
from etl.sample import data as sample_data
from etl.sample import jsa as sample_jsa
from etl.sample import places as sample_places

US_JSA = "source = 'JSA' AND country = 'US'"
# jsa_annual.csv metric -> the rows it counts
PUBLISHED_COUNTS = {
    "smash_and_grab": "subtype = 'smash_and_grab'",
    "grab_and_run": "subtype = 'grab_and_run'",
    "distraction_thefts": "subtype = 'distraction_theft'",
    "safe_attacks": "subtype = 'safe_attack'",
    "off_premises": "category = 'off_premises'",
    "robberies": "category = 'robbery'",
    "burglaries": "category = 'burglary'",
    "thefts": "category = 'theft'",
}


def reference() -> dict[str, dict[int, float]]:
    """metric -> {year: value} from the reference file."""
    out: dict[str, dict[int, float]] = {}
    with (REFERENCE_DIR / "jsa_annual.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["metric"], {})[int(row["year"])] = float(row["value"])
    return out


def run(*args: object):  # noqa: ANN201
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, sample.generate(out)


@pytest.fixture(scope="module")
def loaded(generated, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """(database URL, result of `jewelcrime etl <sample folder>`)."""
    out, _ = generated
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sample.sqlite'}"
    return url, run("etl", out, "--db", url)


@pytest.fixture(scope="module")
def db(loaded) -> sa.Connection:  # noqa: ANN001
    url, _ = loaded
    with make_engine(url).connect() as conn:
        yield conn


def by_year(db: sa.Connection, sql: str) -> dict[int, float]:
    return {int(y): v for y, v in db.execute(sa.text(sql)).all()}


# ------------------------------------------------------------------ files

def test_writes_both_files_with_row_counts(generated):  # noqa: ANN001
    out, written = generated
    assert {p.relative_to(out).as_posix() for p in written} == {
        "jsa/jsa_incidents_2010_2024_sample.csv", "jm/jm_claims_2018_2024_sample.xlsx"}
    jsa = next(p for p in written if p.suffix == ".csv")
    with jsa.open(newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.reader(fh)) - 1 == written[jsa]


def test_same_seed_gives_identical_bytes(generated, tmp_path: Path):  # noqa: ANN001
    out, written = generated
    again = sample.generate(tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in again) == sorted(p.relative_to(out) for p in written)
    for path in written:
        assert path.read_bytes() == (tmp_path / path.relative_to(out)).read_bytes(), path.name


def test_committed_files_are_a_fresh_generation(generated):  # noqa: ANN001
    out, written = generated
    for path in written:
        committed = RAW_DIR / path.relative_to(out)
        assert committed.exists(), f"{committed} is missing; run `jewelcrime sample`"
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale; run `jewelcrime sample`"


def test_seed_and_scale_change_the_draw(tmp_path: Path):
    small = sample.generate(tmp_path / "a", scale=0.1)
    other = sample.generate(tmp_path / "b", seed=7, scale=0.1)
    totals = reference()["total_crimes"]
    jsa_rows = next(n for p, n in small.items() if p.suffix == ".csv")
    us_and_canada = sum(totals.values()) * (1 + sample_jsa.CANADA_PER_US_CRIME)
    assert jsa_rows == pytest.approx(0.1 * us_and_canada, rel=0.02)
    for (p, _), (q, _) in zip(sorted(small.items()), sorted(other.items())):
        assert p.name == q.name and p.read_bytes() != q.read_bytes()


# ------------------------------------------------------------------ places

def test_places_table_agrees_with_the_reference_lists():
    ref = sample_data.load_reference()
    table = sample_places.read_places()
    book = sample_places.city_book(ref, table)
    majors = {(r, city_key(c)) for r, cs in ref.major.items() for c, _ in cs}
    assert {(p.region, city_key(p.city)) for p in table if p.weight is None} == majors
    assert majors <= set(book.coords)  # every major city has a point inside its region
    assert {p.region for p in table} == set(ref.names)


@pytest.mark.parametrize("change, message", [
    (lambda p: dataclasses.replace(p, weight=5.0) if p.city == "Phoenix" else p, "weight must be blank"),
    (lambda p: dataclasses.replace(p, weight=None) if p.city == "Scottsdale" else p, "weight must be a number"),
    (lambda p: dataclasses.replace(p, region="ZZ") if p.city == "Scottsdale" else p, "not a region"),
])
def test_a_places_row_that_contradicts_the_reference_is_refused(change, message: str):  # noqa: ANN001
    ref = sample_data.load_reference()
    with pytest.raises(ValueError, match=message):
        sample_places.city_book(ref, tuple(change(p) for p in sample_places.read_places()))


def test_places_use_the_etl_boundaries_and_ship_with_the_package():
    etl_polygons = dict(zip(geo.boundaries()["code"], geo.boundaries().geometry))
    assert all(sample_places.region_shapes()[code] is poly for code, poly in etl_polygons.items())
    package_data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = package_data["tool"]["setuptools"]["package-data"]["etl.sample"]
    assert sample_places.PLACES_FILE.name in shipped and sample_places.PLACES_FILE.parent.name == "sample"


# ------------------------------------------------------------------ loading

def test_every_row_loads_without_quarantine(loaded, generated, db):  # noqa: ANN001
    _, result = loaded
    _, written = generated
    assert result.exit_code == 0, result.output
    assert db.execute(sa.text("SELECT COUNT(*) FROM quarantine")).scalar_one() == 0
    assert db.execute(sa.text("SELECT SUM(quarantined), SUM(duplicates) FROM load_batch WHERE format IN ('jsa', 'jm')")
                      ).one() == (0, 0)
    assert db.execute(sa.text("SELECT COUNT(*) FROM incident")).scalar_one() == sum(written.values())


def test_every_row_is_sample(db):  # noqa: ANN001
    rows = db.execute(sa.text("SELECT source, MIN(is_sample), COUNT(*) FROM incident GROUP BY source")).all()
    assert {s for s, _, _ in rows} == {"JSA", "JM"}
    assert all(flag for _, flag, _ in rows)


def test_claims_link_to_incidents(loaded, db):  # noqa: ANN001
    _, result = loaded
    linked = db.execute(sa.text("SELECT COUNT(*) FROM incident WHERE source = 'JM' AND linked_incident_id IS NOT NULL")
                        ).scalar_one()
    assert linked > 0
    assert f"JM claims linked to a JSA incident (counted once in combined figures): {linked:,}" in result.output
    incidents = db.execute(sa.text("SELECT COUNT(*) FROM incident WHERE source = 'JSA' AND year BETWEEN 2018 AND 2024")
                           ).scalar_one()
    assert 0.20 <= linked / incidents <= 0.30
    # JM also holds what JSA never saw: unlinked crimes, non-crime losses, Canadian stores, every status
    facts = db.execute(sa.text(
        "SELECT SUM(category = 'other'), SUM(category <> 'other' AND linked_incident_id IS NULL), SUM(country = 'CA'), "
        "COUNT(DISTINCT claim_status), MIN(year), MAX(year) FROM incident WHERE source = 'JM'")).one()
    assert facts[0] > 0 and facts[1] > 0 and facts[2] > 0
    assert facts[3:] == (3, 2018, 2024)


# ------------------------------------------------------------------ calibration

def test_yearly_us_totals_and_losses(db):  # noqa: ANN001
    ref = reference()
    totals = by_year(db, f"SELECT year, COUNT(*) FROM incident WHERE {US_JSA} GROUP BY year")
    assert totals == {y: int(v) for y, v in ref["total_crimes"].items()}
    losses = by_year(db, f"SELECT year, SUM(loss_usd) FROM incident WHERE {US_JSA} AND loss_usd IS NOT NULL GROUP BY year")
    for year, published in ref["losses_usd"].items():
        assert losses[year] == pytest.approx(published, rel=0.01), year
    blank = db.execute(sa.text(f"SELECT AVG(loss_usd IS NULL), MIN(loss_usd) FROM incident WHERE {US_JSA}")).one()
    assert 0.03 <= blank[0] <= 0.07 and blank[1] > 0  # unknown is blank, never zero


@pytest.mark.parametrize("metric", sorted(PUBLISHED_COUNTS))
def test_published_counts_are_exact(db, metric: str):  # noqa: ANN001
    published = reference()[metric]
    got = by_year(db, f"SELECT year, COUNT(*) FROM incident WHERE {US_JSA} AND {PUBLISHED_COUNTS[metric]} GROUP BY year")
    assert {y: got.get(y, 0) for y in published} == {y: int(v) for y, v in published.items()}


def test_unpublished_years_have_a_consistent_mix(db):  # noqa: ANN001
    ref = reference()
    rows = db.execute(sa.text(
        f"SELECT year, SUM(category = 'theft'), SUM(subtype = 'grab_and_run'), SUM(category = 'robbery'), "
        f"SUM(subtype = 'smash_and_grab'), SUM(category = 'burglary'), SUM(subtype = 'safe_attack'), "
        f"SUM(category = 'off_premises') FROM incident WHERE {US_JSA} GROUP BY year")).all()
    for year, thefts, gnr, robberies, sng, burglaries, safes, off in rows:
        assert thefts >= gnr and robberies >= sng and burglaries >= safes, year
        assert min(thefts, robberies, burglaries, off) > 0, year
        assert thefts + robberies + burglaries + off == ref["total_crimes"][year]


def test_homicides(db):  # noqa: ANN001
    killed = by_year(db, f"SELECT year, SUM(killed) FROM incident WHERE {US_JSA} GROUP BY year")
    assert {y: killed[y] for y in reference()["homicides"]} == {y: int(v) for y, v in reference()["homicides"].items()}


def test_california_share_of_robberies(db):  # noqa: ANN001
    for year, pct in reference()["ca_share_of_robberies_pct"].items():
        ca, n = db.execute(sa.text(f"SELECT SUM(region_code = 'CA'), COUNT(*) FROM incident "
                                   f"WHERE {US_JSA} AND category = 'robbery' AND year = {year}")).one()
        assert abs(100 * ca / n - pct) <= 1.0, year


def test_state_and_province_mix(db):  # noqa: ANN001
    states = db.execute(sa.text(f"SELECT region_code FROM incident WHERE {US_JSA} GROUP BY region_code "
                                "ORDER BY COUNT(*) DESC LIMIT 4")).scalars().all()
    assert states == ["CA", "TX", "NY", "FL"]
    provinces = db.execute(sa.text("SELECT region_code FROM incident WHERE source = 'JSA' AND country = 'CA' "
                                   "GROUP BY region_code ORDER BY COUNT(*) DESC LIMIT 4")).scalars().all()
    assert provinces == ["ON", "QC", "BC", "AB"]
    per_year = by_year(db, "SELECT year, COUNT(*) FROM incident WHERE source = 'JSA' AND country = 'CA' GROUP BY year")
    assert set(per_year) == set(reference()["total_crimes"]) and all(40 <= n <= 120 for n in per_year.values())


def test_november_december_peak(db):  # noqa: ANN001
    rows = db.execute(sa.text(f"SELECT year, month, COUNT(*) FROM incident WHERE {US_JSA} GROUP BY year, month")).all()
    months: dict[int, dict[int, int]] = {}
    for year, month, n in rows:
        months.setdefault(year, {})[month] = n
    for year, counts in months.items():
        average = sum(counts.values()) / 12
        assert counts[11] > 1.1 * average and counts[12] > 1.1 * average, year


def test_some_coordinates(db):  # noqa: ANN001
    share = db.execute(sa.text("SELECT AVG(latitude IS NOT NULL) FROM incident WHERE source = 'JSA'")).scalar_one()
    assert 0.15 <= share <= 0.25


def test_headline_figures(loaded):  # noqa: ANN001
    url, _ = loaded
    result = run("figures", "--json", "--db", url)
    assert result.exit_code == 0, result.output
    figures = {f["id"]: f for f in json.loads(result.output)}
    totals = reference()["total_crimes"]
    assert figures["change_since_2019"]["value"] == round((totals[2022] - totals[2019]) / totals[2019] * 100, 1) == 53.8
    assert 18 <= figures["major_cities_theft_robbery_h1"]["value"] <= 22
    assert figures["change_since_2019"]["sample_data"] and figures["major_cities_theft_robbery_h1"]["sample_data"]
