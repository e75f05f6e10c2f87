"""The Overview page's "Check a number" form (being built): any measure, filters and periods, judged."""
from __future__ import annotations

from typing import Any

from dash import html

FORM = "check-form"


def layout(query: dict[str, Any]) -> html.Div:
    """The form, filled in from the URL's `check_*` parameters."""
    return html.Div(id=FORM)
