"""Response headers and request limits for every route of the dashboard's server."""
from __future__ import annotations

import dash
from flask import Response


def install(app: dash.Dash) -> None:
    """Security headers on every response of the app's Flask server."""
    server = app.server

    @server.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
