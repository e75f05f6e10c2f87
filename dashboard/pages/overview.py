"""Overview: the headline figures (placeholder until the page is built)."""
import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview", title="Jewelry Crime Analytics", order=0)


def layout(**_query):  # noqa: ANN001, ANN201
    return html.Div([html.H1("Overview", className="h3")])
