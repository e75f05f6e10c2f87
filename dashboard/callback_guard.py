"""Checks on what reaches the Dash callback endpoint, before any callback runs."""
from __future__ import annotations

import dash


def install(app: dash.Dash) -> None:
    """Nothing yet: malformed callback requests are refused here (issue 12)."""
