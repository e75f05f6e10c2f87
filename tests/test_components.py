"""The chart card's grid and CSV: how many decimals the grid shows, and that the CSV keeps them all."""
from __future__ import annotations

import pandas as pd

from dashboard import components
from dashboard.components import ChartResult


def test_the_grid_shows_few_decimals_and_the_csv_keeps_four():
    rows = pd.DataFrame({"year": [2021, 2022], "incidents": [3.0, 4.0], "change_pct": [12.345678, -3.21],
                         "p_value": [0.04321, 0.5], "per_million": [1.23456, 7.5], "name": ["A", "B"]})
    defs = {d["field"]: d for d in components._column_defs(rows)}  # noqa: SLF001
    assert [components.decimals(c, rows[c]) for c in ("year", "incidents", "change_pct", "p_value", "per_million")] \
        == [0, 0, 1, 3, 2]
    assert "',.1f'" in defs["change_pct"]["valueFormatter"]["function"]
    assert "',.3f'" in defs["p_value"]["valueFormatter"]["function"]
    assert "valueFormatter" not in defs["name"]  # text is shown as it is
    csv = components.table_csv(ChartResult(None, rows, ""))
    assert csv.splitlines()[1] == "2021,3,12.3457,0.0432,1.2346,A"  # 4 places; a whole float without ".0"
