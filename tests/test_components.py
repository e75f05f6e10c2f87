"""The chart card's grid and CSV: how many decimals the grid shows, and that the CSV keeps them all."""
from __future__ import annotations

import pandas as pd
import pytest

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


def _records_cell_by_cell(rows: pd.DataFrame) -> list[dict]:
    """The plain definition `records` is built column-wise for speed: to_dict, then every NaN, NaT and NA as None."""
    from dashboard.chart_result import _json_value  # noqa: PLC0415

    return [{k: _json_value(v) for k, v in r.items()} for r in rows.round(4).to_dict("records")]


@pytest.mark.filterwarnings("ignore:obj.round has no effect:UserWarning")  # the date column: rounded by neither
def test_records_match_the_cell_by_cell_definition_for_every_kind_of_column():
    import numpy as np  # noqa: PLC0415

    rows = pd.DataFrame({
        "float": [1.234567, np.nan, 2.0],
        "int": [1, 2, 3],
        "nullable_int": pd.array([1, None, 3], dtype="Int64"),
        "nullable_bool": pd.array([True, None, False], dtype="boolean"),
        "bool": [True, False, True],
        "text": ["a", None, "c"],
        "arrow_text": pd.array(["x", None, "z"], dtype="string[pyarrow]"),
        "category": pd.Categorical(["p", None, "q"]),
        "mixed": [np.int64(4), np.float64(np.nan), [1, 2]],
        "day": pd.to_datetime(["2022-01-02", None, "2022-03-04"]),
    })
    fast, plain = components.records(rows), _records_cell_by_cell(rows)
    assert fast == plain
    # and the types, which == alone would not tell apart (1 == 1.0 == True)
    assert [[type(v) for v in r.values()] for r in fast] == [[type(v) for v in r.values()] for r in plain]
    assert fast[1]["float"] is None and fast[1]["nullable_int"] is None and fast[1]["day"] is None
    assert fast[0]["float"] == 1.2346 and type(fast[0]["mixed"]) is int and fast[2]["mixed"] == [1, 2]
    assert components.records(rows.iloc[:0]) == [] and components.records(pd.DataFrame(index=[0, 1])) == [{}, {}]
    text_only = pd.DataFrame({"a": ["x", None], "b": [np.int64(2), "y"]}, dtype=object)  # one block: a read-only view
    assert components.records(text_only) == [{"a": "x", "b": 2}, {"a": None, "b": "y"}]
