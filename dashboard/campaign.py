"""Small text helpers the Campaign page shows beside a graphic (the graphics themselves: dashboard.graphics)."""
from __future__ import annotations

from dashboard import claims_view
from dashboard.graphics.words import _claim


def figure_value(fig: dict) -> str:
    """The computed number read by the claim's unit (+12.5%, 40.0%, 1,234, $1,234)."""
    return claims_view.value_text(fig)


def claim_line(fig: dict) -> tuple[str, str]:
    """(text, tone): how the computed number relates to the published claim."""
    return _claim(fig)
