"""The analysts' notebook runs top to bottom against a database built by the real ETL."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.conftest import FIXTURES

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "headline_figures.ipynb"


def test_notebook_cells_run_and_compute_from_the_data(cli, db_url, monkeypatch):
    assert cli("etl", FIXTURES / "figures" / "jsa_known.csv", "--db", db_url).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", db_url)
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own notebook
    figures = namespace["figures"].set_index("id")
    assert figures.loc["change_since_2019", "value"] == 50.0  # 4 -> 6 in the fixture
    assert namespace["index_2019"][2022] == 150.0
    assert isinstance(namespace["top"], pd.DataFrame) and namespace["top"].iloc[0]["incidents"] >= 1
    assert namespace["latest"] == 2023
