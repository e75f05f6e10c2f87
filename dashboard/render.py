"""Static images of plotly figures: kaleido 1.x driving Debian's Chromium, fully offline.

One Chromium stays open for the life of the process (kaleido's sync server),
so a batch of images pays the browser start once. Everything it loads is
local: plotly.js from the plotly package, the base-map topojson from the
dashboard's assets, and no MathJax. kaleido's server is not safe for two
callers at once, so calls are serialised with a lock (two exports at the
same time both succeed, one after the other).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import plotly
import plotly.graph_objects as go

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CHROMIUM = Path(__file__).parent / "bin" / "chromium-offline"  # Debian's chromium without background traffic
# Any request that still tries to leave goes to this proxy: by default a closed local port, so it goes nowhere.
PROXY_ENV = "JEWELCRIME_RENDER_PROXY"
TOPOJSON_DIR = Path(__file__).parent / "assets" / "topojson"
FORMATS = ("png", "svg", "pdf")

_lock = threading.Lock()


class RenderError(RuntimeError):
    """The browser could not draw the figure (message says why)."""


def _server() -> None:
    import kaleido
    from kaleido import _sync_server

    if not _sync_server.GlobalKaleidoServer().is_running():
        kaleido.start_sync_server(plotlyjs=str(PLOTLY_JS), mathjax=False, silence_warnings=True, path=str(CHROMIUM),
                                  enable_extensions=False, proxy_server=os.environ.get(PROXY_ENV, "127.0.0.1:9"))


def render(fig: go.Figure, fmt: str, width: int, height: int) -> bytes:
    """The figure as PNG, SVG or PDF bytes at exactly width x height (pixels; a PDF page at 96 px per inch)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    import kaleido

    with _lock:
        try:
            _server()
            return kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": int(width), "height": int(height), "scale": 1},
                                         topojson=TOPOJSON_DIR.as_uri() + "/")
        except Exception as exc:  # kaleido reports browser problems with its own exception types
            raise RenderError(f"could not render the image ({type(exc).__name__}: {exc}); is Debian's chromium "
                              "installed (apt-get install -y chromium)?") from exc


def shutdown() -> None:
    import kaleido
    from kaleido import _sync_server

    with _lock:
        if _sync_server.GlobalKaleidoServer().is_running():
            kaleido.stop_sync_server(silence_warnings=True)
