"""Security headers, the Content-Security-Policy and the request-body limit of the dashboard's server."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from dashboard import security
from dashboard.app import create_app
from tests.live_server import SMALL, fetch, running, small_database
from tests.test_serving import NOTICES, SERVE, callback

EXECUTABLE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


@pytest.fixture
def client(cli, db_url):  # noqa: ANN001, ANN201
    assert cli("etl", SMALL, "--db", db_url).exit_code == 0
    return create_app(db_url).server.test_client()


def directives(response) -> dict[str, list[str]]:  # noqa: ANN001
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def first_asset(page: str) -> str:
    return re.search(r'<script src="(/_dash-component-suites/[^"]+)"', page).group(1)


def test_every_kind_of_response_carries_the_headers(client) -> None:  # noqa: ANN001
    page = client.get("/")
    responses = {
        "page": page,
        "asset": client.get(first_asset(page.get_data(as_text=True))),
        "own asset": client.get("/assets/app.css"),
        "api": client.get("/api/v1/charts/trends-yearly.csv?source=JSA"),
        "callback": client.post("/_dash-update-component", json=NOTICES),
        "not found": client.get("/no/such/thing.js"),
    }
    for kind, response in responses.items():
        assert response.status_code in (200, 404), kind
        assert response.headers["X-Frame-Options"] == "DENY", kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Referrer-Policy"] == "same-origin", kind
        assert "X-Powered-By" not in response.headers, kind
        found = directives(response)
        assert found["default-src"] == ["'self'"], kind
        assert found["frame-ancestors"] == ["'none'"] and found["object-src"] == ["'none'"], kind
        assert found["base-uri"] == ["'self'"] and found["form-action"] == ["'self'"], kind
        assert found["img-src"] == ["'self'", "data:", "blob:"], kind
    assert responses["api"].status_code == 200 and responses["callback"].status_code == 200


def test_scripts_run_only_from_the_app_or_by_hash(client) -> None:  # noqa: ANN001
    page = client.get("/")
    html = page.get_data(as_text=True)
    script_src = directives(page)["script-src"]
    assert script_src[0] == "'self'"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "blob:"} & set(script_src)
    assert all(s.startswith("'sha256-") for s in script_src[1:])
    inline = [m["body"] for m in EXECUTABLE.finditer(html)
              if "src=" not in m["attrs"] and "application/json" not in m["attrs"]]
    assert len(inline) >= 2  # Dash's renderer start and the clientside callbacks
    for body in inline:  # every inline script the page holds is allowed by exactly its hash
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, body[:80]
    assert len(script_src) - 1 == len(set(inline))  # and nothing else is allowed


def test_a_body_over_the_limit_gets_413(client) -> None:  # noqa: ANN001
    big = b"x" * (security.MAX_BODY_BYTES + 1)
    assert client.post("/_dash-update-component", data=big, content_type="application/json").status_code == 413
    assert client.post("/", data=big).status_code == 413  # a route that never reads its body too
    padded = json.dumps(NOTICES) + " " * (security.MAX_BODY_BYTES - 1000)  # just under the limit is served
    assert client.post("/_dash-update-component", data=padded, content_type="application/json").status_code == 200


def test_the_real_server_names_no_software(tmp_path: Path) -> None:
    url = small_database(tmp_path)
    with running([*SERVE, "--db", url, "--workers", "1"], tmp_path / "serve.log") as server:
        for path in ("/", "/assets/app.css", "/api/v1/charts/trends-yearly.csv", "/missing"):
            answer = fetch(server.base + path)
            assert answer.headers.get("server") == "jewelcrime", path
            assert "x-powered-by" not in answer.headers
            assert answer.headers["x-frame-options"] == "DENY"
        assert callback(server.base).headers["server"] == "jewelcrime"
        big = fetch(server.base + "/_dash-update-component", b"{" + b" " * (2 * security.MAX_BODY_BYTES) + b"}",
                    {"Content-Type": "application/json"})
        assert big.status == 413
        assert fetch(server.base + "/").status == 200  # and the server goes on answering
    assert "Traceback" not in server.output()
