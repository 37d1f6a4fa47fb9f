"""CORS over real HTTP (mock_server/http/app.py): what a page on another localhost port needs.

A real `python -m mock_server` process rather than the test client, so that preflights go
through uvicorn and the whole middleware stack as a browser's would. The QA story (export the
state, import it elsewhere) is here too: it needs no browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .._live import client, mock_server

FRONTEND = "http://localhost:5173"
ADMIN = {"Authorization": "Bearer admin-token"}
READER = {"Authorization": "Bearer reader-token"}
# What the example page sends (examples/frontend/app.js): each of these forces a preflight.
PAGE_HEADERS = {"authorization", "x-mycrm-expand-data", "prefer"}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with mock_server(tmp_path_factory.mktemp("cors")) as base_url, client(base_url) as http:
        yield http


def _listed(response: httpx.Response, header: str) -> set[str]:
    return {item.strip().lower() for item in response.headers.get(header, "").split(",")} - {""}


def _preflight(
    mock: httpx.Client, origin: str, method: str, path: str, headers: set[str]
) -> httpx.Response:
    return mock.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": ", ".join(sorted(headers)),
        },
    )


@pytest.mark.parametrize("origin", [FRONTEND, "http://127.0.0.1:3000", "http://[::1]:8081"])
def test_preflight_from_any_localhost_port_allows_the_page_headers(
    mock: httpx.Client, origin: str
) -> None:
    response = _preflight(mock, origin, "GET", "/leads", PAGE_HEADERS)
    assert response.status_code == 200, response.text
    assert response.headers.get("access-control-allow-origin") == origin
    assert _listed(response, "access-control-allow-headers") >= PAGE_HEADERS
    assert "GET" in {m.upper() for m in _listed(response, "access-control-allow-methods")}
    assert "origin" in _listed(response, "vary")  # caches must not serve it to another origin


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/leads"), ("PUT", "/leads/264"), ("PATCH", "/leads/264"), ("DELETE", "/leads/264")],
)
def test_preflight_allows_every_write(mock: httpx.Client, method: str, path: str) -> None:
    response = _preflight(mock, FRONTEND, method, path, {"authorization", "content-type"})
    assert response.status_code == 200, response.text
    assert response.headers.get("access-control-allow-origin") == FRONTEND
    assert method in {m.upper() for m in _listed(response, "access-control-allow-methods")}
    assert _listed(response, "access-control-allow-headers") >= {"authorization", "content-type"}


# Errors must carry the CORS headers too: without them the browser hides the problem+json
# from the page, which then cannot tell a 401 from a network failure.
ANSWERS: dict[str, tuple[str, str, dict[str, str], int]] = {
    "listed": ("GET", "/leads?per_page=10", {**ADMIN, "X-MyCRM-Expand-Data": "true"}, 200),
    "no token": ("GET", "/leads", {}, 401),
    "unknown token": ("GET", "/leads", {"Authorization": "Bearer no-such-token"}, 401),
    "forced 403": ("GET", "/leads", {**ADMIN, "Prefer": "code=403"}, 403),
    "reader may not delete": ("DELETE", "/leads/264", READER, 403),
    "invalid query": ("GET", "/leads?per_page=1000", ADMIN, 400),
}


@pytest.mark.parametrize("case", list(ANSWERS))
def test_answers_and_errors_are_readable_from_localhost(mock: httpx.Client, case: str) -> None:
    method, path, headers, status = ANSWERS[case]
    response = mock.request(method, path, headers={"Origin": FRONTEND, **headers})
    assert response.status_code == status, response.text
    assert response.headers.get("access-control-allow-origin") == FRONTEND
    assert "origin" in _listed(response, "vary")
    exposed = _listed(response, "access-control-expose-headers")
    assert {"location", "www-authenticate", "preference-applied"} <= exposed
    if status >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status and body["title"] and body["detail"], body


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost.evil.example",  # a look-alike host
        "http://localhost:5173.evil.example",
        "null",  # a page opened from file:// (serve it over http instead)
    ],
)
def test_other_origins_get_no_allow_origin(mock: httpx.Client, origin: str) -> None:
    preflight = _preflight(mock, origin, "GET", "/leads", PAGE_HEADERS)
    assert preflight.status_code == 400, preflight.text
    assert "access-control-allow-origin" not in preflight.headers
    # A simple request is still answered (CORS is enforced by browsers), but without the
    # header a browser does not let the page read the answer.
    answer = mock.get("/leads?per_page=1", headers={"Origin": origin, **ADMIN})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


def _seen(mock: httpx.Client) -> dict[str, Any]:
    """What a tester sees: a changed lead, a deleted one, and the first page of the list."""
    expanded = {**ADMIN, "X-MyCRM-Expand-Data": "true"}
    return {
        path: (answer.status_code, answer.json())
        for path in ("/leads/264", "/leads/209", "/leads?per_page=10&sort=updated&sort_order=DESC")
        for answer in [mock.get(path, headers=expanded)]
    }


def test_exported_state_reproduces_the_reporters_answers(mock: httpx.Client) -> None:
    # The reporter's mock: a lead patched, another deleted; then `GET /__mock/state`.
    patch = {"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}
    try:
        assert mock.patch("/leads/264", json=patch, headers=ADMIN).status_code == 204
        assert mock.delete("/leads/209", headers=ADMIN).status_code == 204
        reported = _seen(mock)
        export = mock.get("/__mock/state", headers={"Origin": FRONTEND})
        assert export.status_code == 200, export.text
        assert export.headers.get("access-control-allow-origin") == FRONTEND
        state = export.json()

        # The QA engineer's mock, fresh from the fixtures, answers differently...
        assert mock.post("/__mock/reset").status_code == 200
        assert _seen(mock) != reported
        # ...until the export is imported: then it answers as the reporter's did.
        imported = mock.put("/__mock/state", json=state)
        assert imported.status_code == 200, imported.text
        assert imported.json()["leads"] == len(state["leads"])
        assert _seen(mock) == reported
        assert reported["/leads/264"][1]["lead"]["status"] == "qualified"
        assert reported["/leads/209"][0] == 404
        assert mock.get("/__mock/state").json()["leads"] == state["leads"]
    finally:
        mock.post("/__mock/reset")
