"""Headline figures computed from small data sets with known answers (not the sample's)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES

KNOWN = FIXTURES / "figures"


def figures(cli, db_url: str) -> dict[str, dict]:
    result = cli("figures", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    return {f["id"]: f for f in json.loads(result.stdout)}


@pytest.fixture
def known(cli, db_url):
    result = cli("etl", KNOWN / "jsa_known.csv", KNOWN / "nibrs_2020_known.csv", "--db", db_url)
    assert result.exit_code == 0, result.output
    return figures(cli, db_url)


def test_change_since_2019_follows_the_data(known):
    f = known["change_since_2019"]
    # U.S. rows: 2019 = 4, 2022 = 6 (the Toronto row is Canadian and does not count)
    assert f["inputs"] == {"incidents_2019": 4, "incidents_2022": 6}
    assert f["value"] == 50.0 and f["numerator"] == 2 and f["denominator"] == 4
    assert f["by_year"] == {"2020": -75.0, "2021": 100.0, "2022": 50.0, "2023": -75.0}
    assert f["published_value"] == 50 and "Partner for Protection" in f["published_source"]
    assert f["verdict"] == "supported"
    assert f["sample_data"] is False
    assert f["unit"] == "percent" and f["formula"]


def test_major_cities_first_half(known):
    f = known["major_cities_theft_robbery_h1"]
    # Jan-Jun 2021: Chicago, Houston, Los Angeles, Seattle, Fresno = 5 (Boise is not a major city,
    # the Houston burglary is not a theft or robbery); Jan-Jun 2022: Chicago, Houston, Los Angeles = 3
    assert f["inputs"] == {"h1_2021_theft_robbery_major_cities": 5, "h1_2022_theft_robbery_major_cities": 3}
    assert f["value"] == -40.0
    assert f["verdict"] == "not supported"
    assert f["published_value"] == 20


def test_property_share_from_a_loaded_fbi_table(known):
    f = known["property_share_2020"]
    assert f["numerator"] == 5_800_000 and f["denominator"] == 8_900_000
    assert f["value"] == 65.2
    assert f["verdict"] == "supported"  # 65.2% of 8.9 million matches the campaign's claim in this data set
    assert f["inputs"]["counts_from"] == "nibrs_2020_known.csv"
    assert f["inputs"]["derived_from_published_percent"] == []


def test_property_share_from_reference_totals_is_not_supported(cli, db_url):
    assert cli("etl", KNOWN / "jsa_known.csv", "--db", db_url).exit_code == 0
    f = figures(cli, db_url)["property_share_2020"]
    # the reference table holds the FBI's published NIBRS 2020 total and class shares
    assert f["verdict"] == "not supported"
    assert f["value"] == f["official_value"]
    assert f["inputs"]["derived_from_published_percent"] == ["persons", "property", "society"]
    assert f["published_value"] == 65


def test_no_data_without_the_base_year(cli, db_url, tmp_path):
    lines = (KNOWN / "jsa_known.csv").read_text().splitlines()
    only_later = "\n".join([lines[0]] + [line for line in lines[1:] if not line.startswith("2019")]) + "\n"
    path = tmp_path / "no2019.csv"
    path.write_text(only_later)
    assert cli("etl", path, "--db", db_url).exit_code == 0
    f = figures(cli, db_url)["change_since_2019"]
    assert f["verdict"] == "no data" and f["value"] is None
    assert f["inputs"]["incidents_2019"] == 0


def test_figures_table_output(cli, db_url, known):
    result = cli("figures", "--db", db_url)
    assert result.exit_code == 0
    # each figure's row of the table: its first line starts with the id (long cells wrap onto more lines)
    header = next(line for line in result.output.splitlines() if "verdict" in line)
    names = [cell.strip() for cell in header.strip("┃").split("┃")]
    verdicts = {}
    for line in result.output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) == len(names) and cells[0] in known:
            verdicts[cells[0]] = cells[names.index("verdict")]
    assert verdicts == {"change_since_2019": "supported", "major_cities_theft_robbery_h1": "not supported",
                        "property_share_2020": "supported"}
