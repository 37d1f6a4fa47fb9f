"""The example page (examples/frontend/) in a real headless Chromium, from another origin.

The page is served on one free port and the mock on another, so every call is a
cross-origin, preflighted request that the browser itself checks. Chromium runs once per
scenario with `--dump-dom`; the page writes its state into ids and data-* attributes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlencode

import httpx
import pytest

from mock_server.data.fixtures import DEFAULT_FIXTURES

from .._live import PAGE_DIR, client, mock_server, static_site

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get install -y --no-install-recommends chromium"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"needs Debian's headless Chromium: {INSTALL}"
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-proxy-server",  # straight to 127.0.0.1, whatever the environment says
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # Virtual time stands still while a fetch is pending, so the delayed answer is awaited;
    # the DOM is dumped once nothing is left to run.
    "--virtual-time-budget=15000",
]
BROWSER_TIMEOUT = 30.0  # seconds of wall time for one page
TOKEN = "admin-token"


class Element(NamedTuple):
    attrs: dict[str, str]
    text: str


class _Elements(HTMLParser):
    """Every element with an id (and every table row with a data-id, as `row-<id>`)."""

    _VOID: ClassVar[frozenset[str]] = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, Element] = {}
        self._open: list[tuple[str, str | None]] = []
        self._text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        key = named.get("id") or (f"row-{named['data-id']}" if "data-id" in named else None)
        if key is not None:
            self.found[key] = Element(named, "")
            self._text[key] = []
        if tag not in self._VOID:
            self._open.append((tag, key))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, key = self._open.pop()
            if key is not None:
                self.found[key] = self.found[key]._replace(text=" ".join(self._text[key]))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            if key is not None and data.strip():
                self._text[key].append(data.strip())


def elements(dom: str) -> dict[str, Element]:
    parser = _Elements()
    parser.feed(dom)
    parser.close()
    return parser.found


class Servers(NamedTuple):
    site: str
    mock: str


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    logs = tmp_path_factory.mktemp("browser")
    with static_site(PAGE_DIR, logs) as site, mock_server(logs) as mock:
        yield Servers(site, mock)


@pytest.fixture
def mock(servers: Servers) -> Iterator[httpx.Client]:
    with client(servers.mock) as http:
        assert http.post("/__mock/reset").status_code == 200
        assert http.delete("/__mock/requests").status_code == 204
        yield http


def open_page(site: str, mock: str, run: str, profile: Path) -> dict[str, Element]:
    """Loads the page with `?api=...&token=...&run=...` and returns its elements once done."""
    url = f"{site}/index.html?" + urlencode({"api": mock, "token": TOKEN, "run": run})
    argv = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url]
    env = {**os.environ, "HOME": str(profile)}  # nothing written outside the temporary folder
    # A session of its own, so that the browser's helper processes go with it.
    browser = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        dom, errors = browser.communicate(timeout=BROWSER_TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGKILL)
        browser.communicate()
    found = elements(dom.decode())
    app = found.get("app")
    assert app is not None and app.attrs.get("data-done") == "true", (
        f"the page did not finish {run!r}: {app}\n"
        f"chromium exited {browser.returncode}:\n{errors.decode(errors='replace')[-2000:]}"
    )
    return found


def mock_requests(mock: httpx.Client, path: str) -> list[dict[str, Any]]:
    """What the mock received on `path`, oldest first."""
    recent = mock.get("/__mock/requests", params={"limit": 50}).json()["requests"]
    return [r for r in reversed(recent) if r["path"] == path]


def _newest_fixture_lead() -> dict[str, Any]:
    leads: list[dict[str, Any]] = json.loads(
        (DEFAULT_FIXTURES / "leads.json").read_text(encoding="utf-8")
    )
    return max(leads, key=lambda lead: (lead["created_at"], -lead["id"]))


def test_page_lists_leads_across_origins(
    servers: Servers, mock: httpx.Client, tmp_path: Path
) -> None:
    page = open_page(servers.site, servers.mock, "list", tmp_path)
    assert page["app"].attrs["data-state"] == "loaded"
    assert page["app"].attrs["data-history"] == "loading loaded"
    total = mock.get("/__mock/health").json()["leads"]
    assert page["lead-count"].text == "10"
    assert page["lead-total"].text == str(total)
    newest = _newest_fixture_lead()
    row = page[f"row-{newest['id']}"].text
    assert newest["first_name"] in row and newest["last_name"] in row, row
    # The browser asked first (X-MyCRM-Expand-Data and Authorization are not "simple").
    seen = [(r["method"], r["status"]) for r in mock_requests(mock, "/leads")]
    assert seen == [("OPTIONS", 200), ("GET", 200)]


def test_page_shows_a_spinner_while_the_answer_is_delayed(
    servers: Servers, mock: httpx.Client, tmp_path: Path
) -> None:
    page = open_page(servers.site, servers.mock, "delayed", tmp_path)
    app = page["app"].attrs
    assert app["data-state"] == "loaded"
    assert app["data-history"] == "loading loaded"
    # The spinner was on screen (frames painted) and still there when the answer arrived.
    assert app["data-spinner-visible-at-answer"] == "true"
    assert int(app["data-spinner-frames"]) >= 1
    assert "hidden" in page["spinner"].attrs  # and gone after it
    assert page["lead-count"].text == "10"
    # The mock did hold the answer back (the page's own clock is virtual under --dump-dom).
    (answer,) = [r for r in mock_requests(mock, "/leads") if r["method"] == "GET"]
    assert answer["duration_ms"] >= 1500


def test_page_renders_a_forced_403(servers: Servers, mock: httpx.Client, tmp_path: Path) -> None:
    page = open_page(servers.site, servers.mock, "forbidden", tmp_path)
    forced = {"Authorization": f"Bearer {TOKEN}", "Prefer": "code=403"}
    problem = mock.get("/leads", headers=forced).json()
    assert page["app"].attrs["data-state"] == "error"
    assert page["error-status"].text == "403"
    assert page["error-title"].text == problem["title"] == "Forbidden"
    assert page["error-detail"].text == problem["detail"]
    assert "hidden" not in page["error"].attrs
    assert "hidden" in page["result"].attrs


def test_page_opened_from_a_file_cannot_read_the_mock(
    servers: Servers, mock: httpx.Client, tmp_path: Path
) -> None:
    # A page opened from disk has the origin "null", which the mock does not allow: the
    # browser, not the mock, stops the page (the reason is only in the console).
    page = open_page(PAGE_DIR.as_uri(), servers.mock, "list", tmp_path)
    assert page["app"].attrs["data-state"] == "error"
    assert page["error-status"].text == "0"
    assert page["error-title"].text == "Network or CORS error"
    # The preflight was refused, so the browser never sent the request itself.
    seen = [(r["method"], r["status"]) for r in mock_requests(mock, "/leads")]
    assert seen == [("OPTIONS", 400)]
