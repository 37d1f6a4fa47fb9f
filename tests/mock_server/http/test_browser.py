"""The example page (examples/frontend/) in a real headless Chromium, from another origin.

The page is served on one free port and the mock on another, so every call is a
cross-origin, preflighted request that the browser itself checks. Chromium runs once per
scenario with `--dump-dom`; the page writes its state into ids and data-* attributes.

Swagger UI's OAuth2 login (the contract's client-credentials flow) needs clicks and typing,
so that test drives Chromium over the DevTools protocol instead (`DevTools`, on a pipe). The
example page keeps its fixed token: a client secret does not belong in a browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import time
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


# --- Swagger UI's Authorize box: OAuth2 client credentials, in a browser driven over CDP -----


class DevToolsError(Exception):
    """The browser refused a command (e.g. the page navigated while a script ran)."""


class DevTools:
    """Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
    messages ending in NUL on file descriptors 3 and 4), with nothing but the standard library."""

    def __init__(self, profile: Path) -> None:
        self._to_browser_r, self._to_browser = os.pipe()
        self._from_browser, self._from_browser_w = os.pipe()
        reads, writes = self._to_browser_r, self._from_browser_w
        argv = [str(CHROMIUM), *FLAGS[:-1], f"--user-data-dir={profile}"]
        # bash puts the pipe's ends on descriptors 3 and 4, where Chromium expects them: no
        # preexec_fn, unsafe in a process with threads (xdist workers have them), and not
        # dash, which reads one-digit descriptors only.
        placed = f'exec "$0" "$@" 3<&{reads} 4>&{writes} {reads}<&- {writes}>&-'
        self.browser = subprocess.Popen(
            ["/bin/bash", "-c", placed, *argv, "--remote-debugging-pipe", "about:blank"],
            pass_fds=(reads, writes),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(profile)},
            start_new_session=True,
        )
        os.close(self._to_browser_r)
        os.close(self._from_browser_w)
        self._buffer = b""
        self._next_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + BROWSER_TIMEOUT
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer: dict[str, Any] = json.loads(raw)
                if answer.get("id") == self._next_id:
                    if "error" in answer:
                        raise DevToolsError(f"{method}: {answer['error']}")
                    result: dict[str, Any] = answer["result"]
                    return result
            left = deadline - time.monotonic()
            assert left > 0 and select.select([self._from_browser], [], [], left)[0], method
            chunk = os.read(self._from_browser, 1 << 16)
            assert chunk, f"chromium closed the pipe during {method}"
            self._buffer += chunk

    def open(self, url: str) -> str:
        """A new tab on `url`; answers the session to evaluate scripts in."""
        target = self.call("Target.createTarget", url=url)["targetId"]
        session: str = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        deadline = time.monotonic() + BROWSER_TIMEOUT
        while time.monotonic() < deadline:
            loaded = "location.href.startsWith(%s) && document.readyState === 'complete'"
            with contextlib.suppress(DevToolsError):  # the tab may still be on about:blank
                if self.run(session, f"return {loaded % json.dumps(url)};"):
                    return session
            time.sleep(0.05)
        raise AssertionError(f"{url} did not load")

    def run(self, session: str, script: str) -> Any:
        """The value of an async function's body run in the page."""
        result = self.call(
            "Runtime.evaluate",
            session,
            expression=f"(async () => {{ {script} }})()",
            awaitPromise=True,
            returnByValue=True,
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.call("Browser.close")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.browser.pid, signal.SIGKILL)
        self.browser.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


# Helpers for the page: wait for a condition, type into a React-controlled input.
_PAGE_HELPERS = """
const wait = async (found, what) => {
  for (const start = Date.now(); Date.now() - start < 15000; ) {
    const value = found();
    if (value) return value;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error("timed out waiting for " + what);
};
const type = (input, text) => {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, text);
  input.dispatchEvent(new Event("input", { bubbles: true }));
};
"""


def _authorize(secret: str) -> str:
    """Opens the Authorize box, fills the OAuth2 client credentials and authorizes; answers
    what the oauth2 section shows then: `Authorized`, or its error."""
    return (
        _PAGE_HELPERS
        + f"""
if (!document.querySelector("#client_id")) {{
  (await wait(() => document.querySelector(".btn.authorize"), "the Authorize button")).click();
}}
const id = await wait(() => document.querySelector("#client_id"), "the client_id field");
const section = id.closest(".auth-container");
type(id, "admin-client");
type(section.querySelector("#client_secret"), {json.dumps(secret)});
section.querySelector(".btn.modal-btn.auth.authorize").click();
return await wait(() => {{
  const errors = section.querySelector(".errors");
  if (errors && errors.textContent.trim()) return "error: " + errors.textContent;
  return section.textContent.includes("Authorized") ? "Authorized" : null;
}}, "the token endpoint's answer");
"""
    )


_TRY_LIST_LEADS = (
    _PAGE_HELPERS
    + """
document.querySelector(".btn-done, .modal-ux .close-modal").click();
const op = await wait(() => document.querySelector("#operations-Leads-list_leads"), "GET /leads");
op.querySelector(".opblock-summary-control").click();
(await wait(() => op.querySelector(".try-out__btn"), "Try it out")).click();
(await wait(() => op.querySelector(".execute"), "Execute")).click();
const status = await wait(
  () => op.querySelector(".live-responses-table tbody .response-col_status"), "the answer");
return status.textContent.trim();
"""
)


def test_swagger_ui_logs_in_with_client_credentials_and_calls_the_api(
    servers: Servers, mock: httpx.Client, tmp_path: Path
) -> None:
    """The contract's oauth2 scheme in Swagger UI (/ui/): a wrong secret is shown refused, the
    right one fetches a token from the mock's token endpoint, and Try it out on GET /leads
    is answered 200 with it (no fixture token is typed anywhere)."""
    browser = DevTools(tmp_path / "profile")
    try:
        page = browser.open(f"{servers.mock}/ui/")
        refused = browser.run(page, _authorize("not-the-secret"))
        assert refused.startswith("error: ") and "invalid_client" in refused, refused
        assert browser.run(page, _authorize("admin-secret")) == "Authorized"
        token = browser.run(
            page, "return window.ui.authSelectors.authorized().toJS().oauth2.token.access_token;"
        )
        status = browser.run(page, _TRY_LIST_LEADS)
    finally:
        browser.close()
    assert status == "200"
    recent = mock.get("/__mock/requests", params={"limit": 50}).json()["requests"]
    seen = [
        (r["method"], r["path"], r["status"])
        for r in reversed(recent)
        if r["path"] in ("/oauth/token", "/leads")
    ]
    assert seen == [
        ("POST", "/oauth/token", 401),
        ("POST", "/oauth/token", 200),
        ("GET", "/leads", 200),
    ]
    # The token Swagger UI holds is one the mock issued, and it is what made GET /leads work.
    assert token.startswith("mock_at_")
    assert mock.get("/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 200
