"""Response headers and request limits for every route of the dashboard's server.

The Content-Security-Policy lets the page load and run only what the app itself serves. Scripts: files from
the app's own origin, plus the few inline scripts Dash writes into the page (its renderer start and the
clientside callbacks), each allowed by its hash (`dash.Dash.csp_hashes`), never by 'unsafe-inline'.
Styles: 'unsafe-inline' is allowed because plotly.js and AG Grid add <style> elements while they draw
(plotly's hover and modebar rules, the grid's theme); an injected style cannot run code, and with every
other fetch limited to 'self' a style rule cannot send data elsewhere either.
"""
from __future__ import annotations

import dash
import flask
from flask import Response, abort, request

MAX_BODY_BYTES = 1024 * 1024  # no callback or API request comes near this; the biggest are the chart-rows states
SERVER_NAME = "jewelcrime"  # what the Server header says: no server product, no version

FIXED_POLICY = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def policy(app: dash.Dash) -> str:
    """The Content-Security-Policy of the app's responses, with the hashes of the inline scripts it writes."""
    parts = {"script-src": " ".join(["'self'", *dict.fromkeys(app.csp_hashes())]), **FIXED_POLICY}
    return "; ".join(f"{name} {value}" for name, value in sorted(parts.items(), key=lambda kv: kv[0] != "default-src"))


def hide_server_software() -> None:
    """Send `Server: jewelcrime` instead of the WSGI server's own name, under gunicorn and the debug server.

    gunicorn writes its Server header from a module constant (an app-set Server header would be a second one);
    Werkzeug's debug server adds its name and Python's version unless told otherwise."""
    try:
        from gunicorn.http import wsgi as gunicorn_wsgi
    except ImportError:  # gunicorn runs on Unix only
        pass
    else:
        gunicorn_wsgi.SERVER = SERVER_NAME
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda _handler: SERVER_NAME  # what http.server puts in the header


def install(app: dash.Dash) -> None:
    """Security headers on every response of the app's Flask server, and the request-body limit (413 above it)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # bodies sent without a length are cut here too

    @server.before_request
    def limit_body() -> None:
        # refuse by the declared length before any route reads the body (a route that never reads it included)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            abort(413)

    @server.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not flask.current_app.debug:  # Werkzeug's debugger pages (loopback only) are inline scripts
            response.headers["Content-Security-Policy"] = policy(app)
        response.headers.pop("X-Powered-By", None)
        return response
