"""The token endpoint and the bearer side of OAuth2 (mock_server/http/oauth.py): every answer
of `POST /oauth/token` as its spec (oauth.yaml) documents it, tokens that work, expire and are
revoked by the app's clock, and the RFC 6750 401s of the Leads API."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from mock_server import create_app
from mock_server.api.tokens import TOKEN_PREFIX, OAuthError
from mock_server.data.fixtures import DEFAULT_FIXTURES
from mock_server.http.cache import ResponseCacheMiddleware
from mock_server.http.fastpath import FastPathMiddleware
from mock_server.http.oauth import SPEC, TOKEN_PATH, basic_credentials, check_token_path

from .. import _live
from ..conftest import NOW, FixedClock, auth, layer_of, lead_write, problem

if TYPE_CHECKING:
    from connexion import AsyncApp
    from starlette.testclient import TestClient

GRANT = {"grant_type": "client_credentials"}
ADMIN = ("admin-client", "admin-secret")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_DOC: dict[str, Any] = json.loads(json.dumps(__import__("yaml").safe_load(SPEC.read_text())))
_REGISTRY: Registry[Any] = Registry().with_resource(
    "urn:oauth", Resource.from_contents(_DOC, default_specification=DRAFT4)
)


def conforms(response: Any, without: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The answer is one oauth.yaml documents: its status, its body's schema, its headers
    (but those in `without`)."""
    documented = _DOC["paths"][TOKEN_PATH]["post"]["responses"]
    assert str(response.status_code) in documented, (response.status_code, response.text)
    spec = documented[str(response.status_code)]
    media = next(iter(spec["content"]))
    assert response.headers["content-type"] == media
    schema = spec["content"][media]["schema"]
    body: dict[str, Any] = response.json()
    OAS30ReadValidator({"$ref": f"urn:oauth{schema['$ref']}"}, registry=_REGISTRY).validate(body)
    for name in set(spec.get("headers", {})) - without:
        assert name.lower() in response.headers, name
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    return body


def token(client: TestClient, credentials: tuple[str, str] = ADMIN) -> str:
    response = client.post(TOKEN_PATH, data=GRANT, auth=credentials)
    access: str = conforms(response)["access_token"]
    return access


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def _issued(app: AsyncApp) -> int:
    return len(app.state.tokens._grants)


# --- issuing ----------------------------------------------------------------------------


def test_a_client_authenticated_by_basic_gets_a_token_that_works(client: TestClient) -> None:
    response = client.post(TOKEN_PATH, data=GRANT, auth=ADMIN)
    body = conforms(response)
    assert response.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["access_token"].startswith(TOKEN_PREFIX)
    listed = client.get("/leads", params={"per_page": 100}, headers=bearer(body["access_token"]))
    as_fixture = client.get("/leads", params={"per_page": 100}, headers=auth("admin-token"))
    assert listed.status_code == 200 and listed.json() == as_fixture.json()


def test_a_client_authenticated_in_the_body_gets_a_token(client: TestClient) -> None:
    form = {**GRANT, "client_id": "reader-client", "client_secret": "reader-secret"}
    body = conforms(client.post(TOKEN_PATH, data=form))
    assert client.get("/leads/1", headers=bearer(body["access_token"])).status_code in (200, 403)


def test_an_issued_token_has_its_users_rights(client: TestClient) -> None:
    reader = token(client, ("reader-client", "reader-secret"))
    norights = token(client, ("norights-client", "norights-secret"))
    own = client.get("/leads", params={"per_page": 1}, headers=bearer(reader)).json()["leads"]
    assert client.get("/leads", headers=bearer(reader)).status_code == 200
    problem(client.delete(f"/leads/{own[0]['id']}", headers=bearer(reader)), 403)
    problem(client.get("/leads", headers=bearer(norights)), 403)


def test_a_scope_does_not_narrow_the_token(client: TestClient) -> None:
    form = {**GRANT, "scope": "lead.read"}
    body = conforms(client.post(TOKEN_PATH, data=form, auth=ADMIN))
    assert "lead.update.other" in body["scope"].split()
    created = client.post("/leads", json={"lead": {}}, headers=bearer(body["access_token"]))
    assert created.status_code == 400  # past the rights check: the body is what is wrong


def test_swagger_uis_empty_scope_counts_as_none(client: TestClient) -> None:
    # Swagger UI 4 sends `scope=` when no scope is chosen.
    body = conforms(
        client.post(
            TOKEN_PATH, content=b"grant_type=client_credentials&scope=", headers=FORM, auth=ADMIN
        )
    )
    assert "scope" not in body


def test_a_charset_utf_8_form_is_a_form(client: TestClient) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    response = client.post(
        TOKEN_PATH, content=b"grant_type=client_credentials", headers=headers, auth=ADMIN
    )
    assert conforms(response)["token_type"] == "Bearer"


def test_basic_credentials_are_form_urlencoded_first() -> None:
    # RFC 6749 §2.3.1: the id and secret are form-urlencoded, then joined by a colon.
    raw = base64.b64encode(b"my%3Aclient:p%40ss+w%3Ard%2B").decode()
    assert basic_credentials(f"Basic {raw}") == ("my:client", "p@ss w:rd+")
    assert basic_credentials(f"basic  {raw} ") == ("my:client", "p@ss w:rd+")
    empty_secret = base64.b64encode(b"id:").decode()
    assert basic_credentials(f"Basic {empty_secret}") == ("id", "")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer admin-token",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret").decode(),
        "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
    ],
)
def test_an_authorization_that_is_not_basic_credentials_is_refused(header: str) -> None:
    with pytest.raises(OAuthError) as raised:
        basic_credentials(header)
    assert raised.value.error == "invalid_client"


# --- every refusal ------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _post(body: bytes, headers: dict[str, str], url: str = TOKEN_PATH) -> dict[str, Any]:
    return {"method": "POST", "url": url, "content": body, "headers": headers}


_OK = b"grant_type=client_credentials"
_ADMIN = _basic(*ADMIN)
REFUSALS: dict[str, tuple[dict[str, Any], int, str]] = {
    "GET": ({"method": "GET", "url": TOKEN_PATH, "headers": _ADMIN}, 405, "invalid_request"),
    "PUT": (
        {"method": "PUT", "url": TOKEN_PATH, "content": _OK, "headers": {**FORM, **_ADMIN}},
        405,
        "invalid_request",
    ),
    "DELETE": ({"method": "DELETE", "url": TOKEN_PATH}, 405, "invalid_request"),
    "JSON body": (
        _post(
            b'{"grant_type": "client_credentials"}', {"Content-Type": "application/json", **_ADMIN}
        ),
        400,
        "invalid_request",
    ),
    "no content type": (_post(_OK, _ADMIN), 400, "invalid_request"),
    "multipart": (
        _post(b"--x--", {"Content-Type": "multipart/form-data; boundary=x", **_ADMIN}),
        400,
        "invalid_request",
    ),
    "latin-1 charset": (
        _post(
            _OK, {"Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1", **_ADMIN}
        ),
        400,
        "invalid_request",
    ),
    "body not UTF-8": (_post(_OK + b"&x=\xff", {**FORM, **_ADMIN}), 400, "invalid_request"),
    "secret in the URL": (
        _post(_OK, {**FORM}, url=f"{TOKEN_PATH}?client_id=admin-client&client_secret=admin-secret"),
        400,
        "invalid_request",
    ),
    "body too large": (
        _post(_OK + b"&pad=" + b"x" * 20_000, {**FORM, **_ADMIN}),
        413,
        "invalid_request",
    ),
    "grant_type twice": (_post(_OK + b"&" + _OK, {**FORM, **_ADMIN}), 400, "invalid_request"),
    "no grant_type": (_post(b"scope=x", {**FORM, **_ADMIN}), 400, "invalid_request"),
    "empty body": (_post(b"", {**FORM, **_ADMIN}), 400, "invalid_request"),
    "password grant": (
        _post(b"grant_type=password&username=a&password=b", {**FORM, **_ADMIN}),
        400,
        "unsupported_grant_type",
    ),
    "Basic and body credentials": (
        _post(_OK + b"&client_id=admin-client&client_secret=admin-secret", {**FORM, **_ADMIN}),
        400,
        "invalid_request",
    ),
    "secret without id": (
        _post(_OK + b"&client_secret=admin-secret", FORM),
        400,
        "invalid_request",
    ),
    "no client authentication": (_post(_OK, FORM), 401, "invalid_client"),
    "a bearer token instead": (_post(_OK, {**FORM, **auth("admin-token")}), 401, "invalid_client"),
    "Basic not base64": (_post(_OK, {**FORM, "Authorization": "Basic ***"}), 401, "invalid_client"),
    "id without secret": (_post(_OK + b"&client_id=admin-client", FORM), 401, "invalid_client"),
    "unknown client": (
        _post(_OK, {**FORM, **_basic("nobody", "admin-secret")}),
        401,
        "invalid_client",
    ),
    "wrong secret": (
        _post(_OK, {**FORM, **_basic("admin-client", "reader-secret")}),
        401,
        "invalid_client",
    ),
    "wrong secret in the body": (
        _post(_OK + b"&client_id=admin-client&client_secret=nope", FORM),
        401,
        "invalid_client",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_bad_token_request_has_its_rfc_6749_answer(
    case: str, app: AsyncApp, client: TestClient
) -> None:
    request, status, error = REFUSALS[case]
    before = _issued(app)
    response = client.request(**request)
    body = conforms(response)
    assert (response.status_code, body["error"]) == (status, error), body
    assert _issued(app) == before, "a refused request issued a token"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic realm=")
    if status == 405:
        assert response.headers["allow"] == "POST"
    assert "admin-secret" not in response.text


def test_a_page_script_gets_its_401_without_a_basic_challenge(client: TestClient) -> None:
    """A browser shown `WWW-Authenticate: Basic` holds the answer back and prompts for a
    password (headless Chromium waits forever), so a script's request gets none."""
    page = {"X-Requested-With": "XMLHttpRequest"}
    response = client.post(TOKEN_PATH, data=GRANT, auth=("admin-client", "wrong"), headers=page)
    body = conforms(response, without=frozenset({"WWW-Authenticate"}))
    assert (response.status_code, body["error"]) == (401, "invalid_client")
    assert "www-authenticate" not in response.headers
    ok = client.post(TOKEN_PATH, data=GRANT, auth=ADMIN, headers=page)
    assert conforms(ok)["token_type"] == "Bearer"


def test_a_head_request_is_405_without_a_body(client: TestClient) -> None:
    response = client.head(TOKEN_PATH)
    assert (response.status_code, response.headers["allow"], response.content) == (405, "POST", b"")


def test_two_authorization_headers_are_refused(client: TestClient) -> None:
    headers = [
        ("content-type", FORM["Content-Type"]),
        ("authorization", _ADMIN["Authorization"]),
        ("authorization", _ADMIN["Authorization"]),
    ]
    response = client.post(TOKEN_PATH, content=_OK, headers=headers)
    assert (response.status_code, conforms(response)["error"]) == (401, "invalid_client")


def test_a_path_beside_the_token_endpoint_is_the_leads_apis_404(client: TestClient) -> None:
    problem(client.post(TOKEN_PATH + "/", data=GRANT, auth=ADMIN), 404)


# --- the Leads API's side (RFC 6750 §3.1) ---------------------------------------------------


def test_a_token_expires_after_its_ttl_by_the_apps_clock(
    client: TestClient, clock: FixedClock
) -> None:
    issued = token(client)
    clock.advance(seconds=1799)
    assert client.get("/leads/1", headers=bearer(issued)).status_code == 200
    clock.advance(seconds=1)
    response = client.get("/leads/1", headers=bearer(issued))
    body = problem(response, 401)
    assert "expired at 2026-11-29T12:30:00.000Z" in body["detail"]
    assert response.headers["www-authenticate"] == (
        f'Bearer error="invalid_token", error_description="{body["detail"]}"'
    )
    renewed = token(client)
    assert client.get("/leads/1", headers=bearer(renewed)).status_code == 200


def test_fixture_tokens_never_expire(client: TestClient, clock: FixedClock) -> None:
    clock.advance(days=400)
    assert client.get("/leads", headers=auth("admin-token")).status_code == 200


@pytest.mark.parametrize(
    "value", ["garbage", TOKEN_PREFIX + "never-issued", "admin-secret", "admin-token-x"]
)
def test_a_token_never_issued_is_401_invalid_token(client: TestClient, value: str) -> None:
    response = client.get("/leads", headers=bearer(value))
    body = problem(response, 401)
    assert "unknown" in body["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "admin-token"},
    ],
)
def test_no_bearer_token_is_401_with_a_bare_challenge(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/leads", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"  # no error code without a token


def test_a_reset_keeps_issued_tokens(client: TestClient) -> None:
    issued = token(client)
    assert client.post("/__mock/reset").status_code == 200
    assert client.get("/leads", headers=bearer(issued)).status_code == 200


def test_loading_a_fixture_set_revokes_issued_tokens(app: AsyncApp, client: TestClient) -> None:
    issued = token(client)
    try:
        assert client.post("/__mock/fixtures/default").status_code == 200
        response = client.get("/leads", headers=bearer(issued))
        problem(response, 401)
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert client.get("/leads", headers=auth("admin-token")).status_code == 200
    finally:
        app.state.reset()


def test_the_control_api_revokes_issued_tokens(client: TestClient, clock: FixedClock) -> None:
    client.delete("/__mock/tokens")
    expired = token(client)
    clock.advance(seconds=1800)
    live = [token(client), token(client, ("reader-client", "reader-secret"))]
    revoked = client.delete("/__mock/tokens")
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 2}
    for value in [expired, *live]:
        response = client.get("/leads", headers=bearer(value))
        assert (response.status_code, "unknown" in response.json()["detail"]) == (401, True)
    assert client.get("/leads", headers=auth("reader-token")).status_code == 200


def test_the_request_log_keeps_no_secret_and_no_token(client: TestClient) -> None:
    client.delete("/__mock/requests")
    form = {**GRANT, "client_id": "admin-client", "client_secret": "admin-secret"}
    issued = conforms(client.post(TOKEN_PATH, data=form))["access_token"]
    client.post(f"{TOKEN_PATH}?client_secret=admin-secret", data=GRANT)
    logged = client.get("/__mock/requests").json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in logged] == [
        ("POST", TOKEN_PATH, 400),
        ("POST", TOKEN_PATH, 200),
    ]
    text = json.dumps(logged)
    assert "admin-secret" not in text and issued not in text


def test_the_token_endpoint_answers_browsers_on_localhost(client: TestClient) -> None:
    origin = {"Origin": "http://localhost:5173"}
    preflight = client.options(
        TOKEN_PATH,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    response = client.post(TOKEN_PATH, data=GRANT, auth=ADMIN, headers=origin)
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert conforms(response)["token_type"] == "Bearer"


def test_the_served_contract_names_the_mocks_token_url(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["oauth2"]["flows"]["clientCredentials"] == {"tokenUrl": TOKEN_PATH, "scopes": {}}


def test_the_control_api_serves_the_token_endpoints_spec(client: TestClient) -> None:
    served = client.get("/__mock/oauth/openapi.json").json()
    validate(served)
    assert list(served["paths"]) == [TOKEN_PATH]
    page = client.get("/__mock/ui/").text
    assert "/__mock/oauth/openapi.json" in page and "OAuth2 token endpoint" in page


# --- an app of its own: another token path, the cache and the fast path ---------------------


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AsyncApp, FixedClock]]:
    """Token endpoint at /connect/token, 60-second tokens, a reader secret with characters
    that Basic must carry form-urlencoded, and no response validation: so the response cache
    and the fast path are on."""
    folder = tmp_path_factory.mktemp("fixtures") / "default"
    shutil.copytree(DEFAULT_FIXTURES, folder)
    users = json.loads((folder / "users.json").read_text())
    users[1]["client_secret"] = "p@ss:w rd+%"
    (folder / "users.json").write_text(json.dumps(users))
    clock = FixedClock()
    yield create_app(fixtures=folder, clock=clock, token_ttl=60, token_path="/connect/token"), clock


def test_the_token_path_and_ttl_are_the_apps(other: tuple[AsyncApp, FixedClock]) -> None:
    app, _ = other
    client = app.test_client()
    response = client.post("/connect/token", data=GRANT, auth=ADMIN)
    assert (response.status_code, response.json()["expires_in"]) == (200, 60)
    problem(client.post(TOKEN_PATH, data=GRANT, auth=ADMIN), 404)
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"] == "/connect/token"
    assert list(client.get("/__mock/oauth/openapi.json").json()["paths"]) == ["/connect/token"]


def test_a_secret_with_reserved_characters_travels_form_urlencoded(
    other: tuple[AsyncApp, FixedClock],
) -> None:
    client = other[0].test_client()
    encoded = base64.b64encode(b"reader-client:p%40ss%3Aw+rd%2B%25").decode()
    headers = {**FORM, "Authorization": f"Basic {encoded}"}
    assert client.post("/connect/token", content=_OK, headers=headers).status_code == 200
    form = {**GRANT, "client_id": "reader-client", "client_secret": "p@ss:w rd+%"}
    assert client.post("/connect/token", data=form).status_code == 200


def test_an_expired_token_is_not_answered_from_the_cache(
    other: tuple[AsyncApp, FixedClock],
) -> None:
    app, clock = other
    client = app.test_client()
    cache = layer_of(app, ResponseCacheMiddleware)
    assert cache is not None
    issued = client.post("/connect/token", data=GRANT, auth=ADMIN).json()["access_token"]
    query = {"filters[status]": "prospect", "per_page": 7}
    first = client.get("/leads", params=query, headers=bearer(issued))
    hits = cache.cache.hits
    assert client.get("/leads", params=query, headers=bearer(issued)).json() == first.json()
    assert cache.cache.hits == hits + 1, "the second read was not answered from the cache"
    clock.advance(seconds=60)
    response = client.get("/leads", params=query, headers=bearer(issued))
    problem(response, 401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    clock.now = NOW


def test_an_expired_token_does_not_take_the_fast_path(other: tuple[AsyncApp, FixedClock]) -> None:
    app, clock = other
    client = app.test_client()
    fast = layer_of(app, FastPathMiddleware)
    assert fast is not None
    issued = client.post("/connect/token", data=GRANT, auth=ADMIN).json()["access_token"]
    served = fast.served["get_lead"]
    assert client.get("/leads/2", headers=bearer(issued)).status_code == 200
    assert fast.served["get_lead"] == served + 1
    clock.advance(seconds=61)
    before = dict(fast.served)
    problem(client.get("/leads/2", headers=bearer(issued)), 401)
    # The list, create and patch fast paths refuse it to the full path too.
    problem(client.get("/leads", params={"per_page": 3}, headers=bearer(issued)), 401)
    problem(client.post("/leads", json=lead_write(), headers=bearer(issued)), 401)
    patch = {"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}
    problem(client.patch("/leads/2", json=patch, headers=bearer(issued)), 401)
    assert dict(fast.served) == before
    clock.now = NOW


@pytest.mark.parametrize(
    "path",
    [
        "oauth/token",
        "/",
        "/oauth/token/",
        "/leads/token",
        "/__mock/token",
        "/ui/token",
        "/o auth",
        "/oauth/{x}",
        "/tok?en",
    ],
)
def test_a_token_path_the_mock_cannot_serve_is_refused(path: str) -> None:
    with pytest.raises(ValueError):
        check_token_path(path)
    assert check_token_path("/connect/token") == "/connect/token"


# --- a real server, real time ---------------------------------------------------------------


def test_a_live_mock_issues_tokens_that_expire_in_real_time(tmp_path: Path) -> None:
    """`leads-mock --token-ttl 2`: the banner names the token URL and the clients, a token
    works at once and is refused once two seconds have passed."""
    with (
        _live.mock_server(tmp_path, "--token-ttl", "2") as base_url,
        _live.client(base_url) as http,
    ):
        started = time.monotonic()
        response = http.post(TOKEN_PATH, data=GRANT, auth=ADMIN)
        assert (response.status_code, response.json()["expires_in"]) == (200, 2)
        issued = response.json()["access_token"]
        assert http.get("/leads/1", headers=bearer(issued)).status_code == 200
        time.sleep(max(0.0, started + 2.2 - time.monotonic()))
        refused = http.get("/leads/1", headers=bearer(issued))
        assert refused.status_code == 401
        assert "expired" in refused.json()["detail"]
        assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        banner = next(tmp_path.glob("mock-*.log")).read_text()
    assert f"{base_url}{TOKEN_PATH}" in banner and "tokens live 2 s" in banner
    assert "admin-token     admin-client:admin-secret" in banner
