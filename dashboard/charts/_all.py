"""The registry itself: every chart module's CHARTS, in the order of the site's pages. A new chart module is
one line here; a new chart is one entry in its module's CHARTS."""
from __future__ import annotations

from dashboard.charts import Chart, guidance, map, risk, share, trends, trends_period

MODULES = (map, trends, trends_period, share, risk, guidance)
REGISTRY: dict[str, Chart] = {c.id: c for module in MODULES for c in module.CHARTS}
