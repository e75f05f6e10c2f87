"""The plain-dict figure the map is built as: the JSON a caller gets is its own, and a plotly figure is there for
whatever reads it as one."""
from __future__ import annotations

import json
import pickle

import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

from dashboard.plain_figure import PlainFigure

DATA = [{"type": "choropleth", "locations": ["CA", "TX"], "z": [1, 3], "marker": {"line": {"color": "white"}}}]
LAYOUT = {"height": 320, "legend": {"orientation": "h"}}


def test_the_json_is_the_dicts_and_a_callers_changes_stay_its_own():
    fig = PlainFigure(DATA, LAYOUT)
    got = fig.to_plotly_json()
    assert got == {"data": DATA, "layout": LAYOUT}
    got["data"][0]["locations"].append("NY")  # as the exporter changes a trace's boundaries
    got["layout"]["legend"]["x"] = 0
    assert fig.to_plotly_json() == {"data": DATA, "layout": LAYOUT}
    assert DATA[0]["locations"] == ["CA", "TX"]


def test_dash_sends_the_same_json_as_the_plotly_figure_of_the_same_dicts():
    layout = {**LAYOUT, "template": {"layout": {"font": {"size": 12}}}}  # the app's layouts name their template
    plain, plotly = PlainFigure(DATA, layout), go.Figure(data=DATA, layout=layout)  # this one validated
    assert json.loads(to_json_plotly(plain)) == json.loads(to_json_plotly(plotly.to_plotly_json()))


def test_reading_it_as_a_plotly_figure_works_and_changes_count():
    fig = PlainFigure(DATA, LAYOUT)
    assert fig.data[0].type == "choropleth" and fig.layout.height == 320
    assert list(fig.data[0].z) == [1, 3]
    fig.update_layout(height=500)  # once a plotly figure is made, it is the figure
    assert fig.to_plotly_json()["layout"]["height"] == 500
    assert fig.plotly() is fig.plotly()


def test_it_survives_pickling_as_the_chart_cache_stores_it():
    fig = PlainFigure(DATA, LAYOUT)
    again = pickle.loads(pickle.dumps(fig))
    assert again.to_plotly_json() == fig.to_plotly_json()
    assert again.layout.height == 320
