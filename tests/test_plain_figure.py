"""The plain-dict figure the map is built as: the JSON a caller gets is its own, and a plotly figure is there for
whatever reads it as one."""
from __future__ import annotations

import json
import pickle

import plotly.graph_objects as go
import pytest
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


def test_the_stacked_bars_and_the_period_bars_built_from_plain_dicts_are_valid_plotly_figures():
    """plotly's own checks on the trends figures built as plain dicts: an unknown or ill-typed property raises."""
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from dashboard import figures_period, figures_trends, metrics_period
    from tests.test_period import MONTHLY, SPAN

    table = pd.DataFrame({"year": [2021, 2022], "robbery": [4, 9], "theft": [1, 3], "total": [5, 12],
                          "change_pct": [np.nan, 140.0], "reliable": [True, False]})
    built = figures_trends.stacked_by_category(table, ["robbery", "theft"], {"robbery": "Robbery"}, {"robbery": "robbery"})
    stacked = go.Figure(built.to_dict())  # numbers arrive as typed arrays here: read them from `built`
    assert [(t.type, t.name) for t in stacked.data] == [("bar", "Robbery"), ("bar", "theft"), ("bar", "Change")]
    assert list(built.data[0].y) == [4, 9] and list(stacked.data[2].text) == ["", "+140.0%*"]
    assert stacked.data[0].marker.color == figures_trends.theme.CATEGORY_COLOURS["robbery"]
    assert stacked.layout.yaxis.range == (0, 12 * 1.15 + 1) and stacked.layout.xaxis.title.text == "Year"
    assert stacked.layout.annotations[0].text == figures_trends.UNRELIABLE_NOTE  # one change is unreliable

    period = go.Figure(figures_period.period_figure(metrics_period.ytd(MONTHLY, (2024, 6), SPAN), {}).to_dict())
    assert [t.orientation for t in period.data] == ["h", "h"]
    assert period.data[1].marker.color == figures_period.NOW_COLOUR
    assert period.layout.annotations[-1].name == "note" and period.layout.yaxis.autorange is False


def test_the_general_crime_bars_and_scatter_built_from_plain_dicts_are_valid_plotly_figures():
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from dashboard import figures_context

    rows = pd.DataFrame({"measure": ["robbery", "theft"], "label": ["Robbery", "Theft"], "year": [2023, 2023],
                         "rate": [90.0, np.nan], "rank": [3, np.nan], "ranked": [8, 8], "change_pct": [12.5, np.nan],
                         "national_rate": [75.0, np.nan], "times_national": [1.2, np.nan]})
    bars = go.Figure(figures_context.general_bars(rows, "Texas").to_dict())
    assert len(bars.data) == 1 and bars.data[0].orientation == "h" and list(bars.data[0].text) == ["1.20×"]
    assert bars.layout.annotations[0].text.startswith("<b>Robbery</b>: 90.0 per 100,000<br>rank 3 of 8")
    (national,) = bars.layout.shapes
    assert (national.x0, national.x1, national.yref, national.line.dash) == (1, 1, "y domain", "dash")
    points = pd.DataFrame({"code": ["TX", "ON"], "name": ["Texas", "Ontario"], "country": ["US", "CA"],
                           "general_rate": [90.0, 60.0], "jewelry_per_million": [0.2, 0.3], "ratio": [1.0, 2.0]})
    scatter = go.Figure(figures_context.scatter_figure(points, 0.002, "General robbery", "Jewelry crime").to_dict())
    assert [t.name for t in scatter.data] == ["Proportional to general crime", "United States", "Canada"]
    assert list(scatter.data[1].text) == ["TX"] and scatter.layout.xaxis.type == "log"
    assert scatter.layout.yaxis.title.text == "Jewelry crime" and scatter.layout.yaxis.range == (0, 0.3 * 1.15)


def test_the_regional_pages_bars_built_from_plain_dicts_are_valid_plotly_figures():
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from dashboard import figures_risk

    types = pd.DataFrame({"label": ["Smash and grab", "Burglary"], "category": ["robbery", "burglary"],
                          "slug": ["smash-and-grab", "burglary"], "incidents": [12, 3]})
    bars = go.Figure(figures_risk.type_bars(types).to_dict())
    assert list(bars.data[0].y) == ["Burglary", "Smash and grab"]  # the largest on top
    assert bars.layout.yaxis.range == (2 - 0.5 - 5, 2 - 0.5) and bars.layout.xaxis.title.text == "Incidents"
    hours = go.Figure(figures_risk.hour_bars(pd.DataFrame({"hour": range(24), "incidents": range(24)})).to_dict())
    assert hours.layout.xaxis.dtick == 2 and hours.layout.xaxis.title.text.startswith("Hour of day")
    where = pd.DataFrame({"label": ["Mall", "Home"], "incidents": [5, 1]})
    across = go.Figure(figures_risk.pattern_bars(where, "Where").to_dict())
    assert list(across.data[0].x) == ["Mall", "Home"] and list(across.data[0].text) == ["5", "1"]
    down = go.Figure(figures_risk.pattern_bars(where, "Where", horizontal=True).to_dict())
    assert down.data[0].orientation == "h" and list(down.data[0].y) == ["Home", "Mall"]
    top = pd.DataFrame({"code": ["TX", "WY"], "name": ["Texas", "Wyoming"], "value": [3.5, np.nan],
                        "risk_class": [4, np.nan], "risk_label": ["High crime", "No data"]})
    ranked = go.Figure(figures_risk.top_regions(top, "Per million", "per_million").to_dict())
    assert list(ranked.data[0].marker.color) == [figures_risk.theme.NO_DATA_COLOUR, figures_risk.theme.CLASS_COLOURS[4]]
    assert ranked.data[0].marker.line.width == 0.5 and ranked.layout.showlegend is False


def test_yearly_totals_by_category_counted_by_hand():
    """2019 has no rows (a real zero), 2020's theft value is unknown (adds nothing), a category that appears
    only in one year is a column of zeros elsewhere; the change on the year before is a percent only where that
    year had incidents, and reliable only where both years reach ten."""
    import numpy as np
    import pandas as pd

    from dashboard import metrics_trends

    rows = pd.DataFrame({"year": [2020, 2020, 2021, 2021, 2022, 2022, 1999],
                         "category": ["robbery", "theft", "robbery", "robbery", "theft", "robbery", "robbery"],
                         "incidents": [2.0, np.nan, 5.0, 7.0, 10.0, 4.0, 50.0]})
    t = metrics_trends.by_year(rows, [2019, 2020, 2021, 2022])
    assert list(t.columns) == ["year", "robbery", "theft", "total", "change", "change_pct", "reliable"]
    assert t["robbery"].tolist() == [0, 2, 12, 4] and t["theft"].tolist() == [0, 0, 0, 10]
    assert t["total"].tolist() == [0, 2, 12, 14] and str(t["total"].dtype) == "int64"
    assert np.isnan(t["change"].iloc[0]) and t["change"].tolist()[1:] == [2.0, 10.0, 2.0]
    assert np.isnan(t["change_pct"].iloc[1]) and t["change_pct"].iloc[2] == 500.0  # 2019 had none: no percent
    assert t["change_pct"].iloc[3] == pytest.approx(100 / 6)
    assert t["reliable"].tolist() == [False, False, False, True]


def test_the_share_risk_and_empty_figures_built_from_plain_dicts_are_valid_plotly_figures():
    """plotly's own checks on the figures that were built through add_bar, add_vrect, add_hline and
    update_layout: an unknown or ill-typed property raises here."""
    import pandas as pd
    import plotly.graph_objects as go

    from dashboard import figures, figures_context, figures_risk, figures_share

    years = pd.DataFrame({"year": [2021, 2022, 2021], "category": ["robbery", "robbery", "theft"],
                          "label": ["Robbery", "Robbery", "Theft"], "slug": ["robbery", "robbery", ""],
                          "incidents": [4, 6, 1]})
    built = figures_risk.trend_bars(years, (2022, 2022))
    trend = go.Figure(built.to_dict())  # numbers arrive as typed arrays here: read them from `built`
    assert [(t.name, list(t.y)) for t in built.data] == [("Robbery", [4, 6]), ("Theft", [1])]
    (band,) = trend.layout.shapes
    assert (band.type, band.x0, band.x1, band.yref, band.layer) == ("rect", 2021.5, 2022.5, "y domain", "below")
    label = trend.layout.annotations[0]  # the band ends at the last year: labelled inside its right edge
    assert (label.text, label.x, label.xanchor) == ("selected", 2022.5, "right")
    inner = go.Figure(figures_risk.trend_bars(years, (2021, 2021)).to_dict()).layout.annotations[0]
    assert (inner.x, inner.xanchor) == (2020.5, "left")
    assert trend.layout.xaxis.range == (2020.5, 2022.5) and trend.layout.barmode == "stack"
    assert trend.data[0].customdata[0][0] == "guidance:robbery"
    scenario = go.Figure(figures_risk.scenario_bars(years.assign(label=["Smash", "Smash", "Grab"])).to_dict())
    assert [t.name for t in scenario.data] == ["Smash", "Grab"] and scenario.layout.yaxis.title.text == "Incidents"
    assert scenario.data[1].marker.color == "#0072B2"  # the palette's second colour
    nothing = go.Figure(figures.empty("Nothing loaded", 480).to_dict())
    assert nothing.data == () and nothing.layout.height == 480 and nothing.layout.xaxis.visible is False
    assert nothing.layout.annotations[0].text == "Nothing loaded"

    classes = pd.DataFrame({"crimes_against": ["property", "persons"], "label": ["Property", "Persons"],
                            "offenses": [600, 400], "share_pct": [60.0, 40.0], "derived": [False, True]})
    claim = {"share": 65.0, "row": "Property", "label": "Campaign claim: 65%"}
    nibrs = go.Figure(figures_share.nibrs_classes_figure(classes, 1000, claim).to_dict())
    assert [t.type for t in nibrs.data] == ["bar", "scatter"] and list(nibrs.data[0].y) == ["Persons", "Property"]
    assert list(nibrs.data[0].marker.pattern.shape) == ["/", ""]  # the derived count is hatched
    assert [a.y for a in nibrs.layout.annotations] == ["Persons", "Property"]
    assert nibrs.layout.xaxis.range == (0, 65.0 * 1.15) and nibrs.layout.showlegend is True
    exported = go.Figure(figures_share.nibrs_classes_figure(classes, 1000, None, axis_labels=True).to_dict())
    assert exported.layout.annotations == () and exported.layout.yaxis.ticktext[1].startswith("<b>Property</b>")
    shares = pd.DataFrame({"year": [2020, 2021], "share_pct": [60.5, 61.0], "property": [605, 610], "total": [1000, 1000]})
    by_year = go.Figure(figures_context.share_years_figure(shares, 2020, 65.0).to_dict())
    assert list(by_year.data[0].x) == ["2020", "2021"] and by_year.layout.shapes[0].y0 == 65.0
    assert by_year.layout.annotations[0].text == "campaign claim (2020): 65%"
    states = pd.DataFrame({"code": ["TX", "CA"], "name": ["Texas", "California"], "share_pct": [61.0, 55.5],
                           "property": [61, 55], "total": [100, 99]})
    by_state = go.Figure(figures_context.share_states_figure(states, 58.2).to_dict())
    assert list(by_state.data[0].y) == ["California", "Texas"] and by_state.layout.shapes[0].x0 == 58.2
    assert by_state.layout.annotations[0].text == "national 58.2%"
    mix = pd.DataFrame({"category": ["robbery", "theft"], "category_label": ["Robbery", "Theft"],
                        "label": ["Armed", "Grab"], "tag": ["guidance:a", ""], "incidents": [5, 2],
                        "losses": [1.5e6, 2500.0], "share_incidents_pct": [71.4, 28.6], "share_losses_pct": [99.8, 0.2]})
    losses = go.Figure(figures_share.mix_figure(mix, "losses").to_dict())
    assert [list(t.text) for t in losses.data] == [["$1.5M (99.8%)"], ["$2K (0.2%)"]]
    assert losses.layout.xaxis.tickprefix == "$" and losses.layout.xaxis.range == (0, 1.5e6 * 1.3)
