"""Tokens the suite fetches and renews (conformance/http/tokens.py), and the client's retry on
401 `invalid_token` (client.py), against a fake authorization server with a fake clock."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import httpx
import pytest

from conformance.http.client import ApiClient, Credentials, Exchange, is_invalid_token
from conformance.http.tokens import (
    ClientCredentials,
    ShownClient,
    TokenError,
    renewing_call,
    schemathesis_auth,
)

TOKEN_URL = "http://auth.test/oauth/token"
SECRET = "s3cr:et+&%"  # characters HTTP Basic must carry form-urlencoded (RFC 6749 §2.3.1)
SHOWN = ShownClient("$LEADS_TOKEN", "$LEADS_CLIENT_ID", "$LEADS_CLIENT_SECRET")
INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Server:
    """A token endpoint and one API path: it accepts the tokens in `valid`."""

    expires_in: Any = 100
    token_type: str = "Bearer"
    valid: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    refuse_all: bool = False
    challenge: dict[str, str] = field(default_factory=lambda: dict(INVALID))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/oauth/token":
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token in self.valid and not self.refuse_all:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"status": 401}, headers=self.challenge)

    def _token(self, request: httpx.Request) -> httpx.Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        form = parse_qs(request.content.decode())
        if (scheme, unquote_plus(client_id), unquote_plus(secret)) != ("Basic", "me", SECRET):
            return httpx.Response(401, json={"error": "invalid_client"})
        if form != {"grant_type": ["client_credentials"]}:
            return httpx.Response(400, json={"error": "invalid_request"})
        token = f"tok{len(self.issued)}"
        self.issued.append(token)
        self.valid.add(token)
        answer: dict[str, Any] = {"access_token": token, "token_type": self.token_type}
        if self.expires_in is not None:
            answer["expires_in"] = self.expires_in
        return httpx.Response(200, json=answer, headers={"Cache-Control": "no-store"})

    def api_calls(self) -> list[str]:
        return [r.headers.get("authorization", "") for r in self.seen if r.url.path == "/leads"]


def _setup(server: Server, clock: Clock | None = None) -> tuple[ClientCredentials, ApiClient]:
    http = httpx.Client(transport=httpx.MockTransport(server))
    credentials = ClientCredentials(http, TOKEN_URL, "me", SECRET, SHOWN, clock=clock or Clock())
    return credentials, ApiClient("http://api.test", credentials, http=http)


def test_a_token_is_fetched_once_and_reused() -> None:
    server = Server()
    credentials, client = _setup(server)
    for _ in range(5):
        assert client.get("/leads").status == 200
    assert server.issued == ["tok0"] and credentials.fetched == 1
    assert server.api_calls() == ["Bearer tok0"] * 5


def test_the_client_authenticates_by_basic_with_its_id_and_secret_form_urlencoded() -> None:
    server = Server()
    credentials, _ = _setup(server)
    credentials.current()
    request = server.seen[0]
    assert request.method == "POST" and str(request.url) == TOKEN_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    raw = base64.b64decode(request.headers["authorization"].removeprefix("Basic "))
    assert raw == b"me:s3cr%3Aet%2B%26%25"


def test_a_token_is_renewed_a_tenth_of_its_life_before_it_expires() -> None:
    server, clock = Server(expires_in=100), Clock()
    credentials, client = _setup(server, clock)
    client.get("/leads")
    clock.now += 89.9
    client.get("/leads")
    clock.now += 0.1
    client.get("/leads")
    assert server.api_calls() == ["Bearer tok0", "Bearer tok0", "Bearer tok1"]
    assert (credentials.fetched, credentials.renewed_before_expiry) == (2, 1)


def test_a_long_token_is_renewed_a_minute_before_it_expires() -> None:
    server, clock = Server(expires_in=1800), Clock()
    credentials, _ = _setup(server, clock)
    assert credentials.current() == "tok0"
    clock.now += 1739.9
    assert credentials.current() == "tok0"
    clock.now += 0.1
    assert credentials.current() == "tok1"


@pytest.mark.parametrize("expires_in", [None, "soon", 0, True])
def test_without_a_usable_expires_in_a_token_is_renewed_only_when_refused(expires_in: Any) -> None:
    server, clock = Server(expires_in=expires_in), Clock()
    _, client = _setup(server, clock)
    client.get("/leads")
    clock.now += 10**9
    client.get("/leads")
    assert server.issued == ["tok0"]
    server.valid.clear()
    assert client.get("/leads").status == 200
    assert server.issued == ["tok0", "tok1"]


def test_a_token_refused_as_invalid_is_renewed_and_the_request_sent_once_more() -> None:
    server = Server()
    credentials, client = _setup(server)
    client.get("/leads")
    server.valid.clear()  # revoked, or expired early
    exchange = client.post("/leads", {"lead": {}})
    assert exchange.status == 200 and exchange.json == {"ok": True}
    posts = [r for r in server.seen if r.method == "POST" and r.url.path == "/leads"]
    assert [r.headers["authorization"] for r in posts] == ["Bearer tok0", "Bearer tok1"]
    assert posts[0].content == posts[1].content == b'{"lead": {}}'
    assert credentials.renewed_after_refusal == 1


def test_a_new_token_refused_too_is_not_retried_again() -> None:
    server = Server(refuse_all=True)
    _, client = _setup(server)
    exchange = client.get("/leads")
    assert exchange.status == 401
    assert server.api_calls() == ["Bearer tok0", "Bearer tok1"]  # one retry, then the answer


@pytest.mark.parametrize(
    "challenge", [{"WWW-Authenticate": "Bearer"}, {"WWW-Authenticate": 'Bearer error="x"'}, {}]
)
def test_a_401_that_is_not_invalid_token_is_not_retried(challenge: dict[str, str]) -> None:
    server = Server(refuse_all=True, challenge=challenge)
    _, client = _setup(server)
    assert client.get("/leads").status == 401
    assert server.api_calls() == ["Bearer tok0"]


def test_a_fixed_token_is_never_retried() -> None:
    server = Server()
    http = httpx.Client(transport=httpx.MockTransport(server))
    client = ApiClient("http://api.test", Credentials("fixed", "$LEADS_TOKEN"), http=http)
    assert client.get("/leads").status == 401
    assert server.api_calls() == ["Bearer fixed"]


def test_a_request_with_its_own_authorization_is_not_retried() -> None:
    server = Server()
    _, client = _setup(server)
    exchange = client.get("/leads", headers={"Authorization": "Bearer garbage"})
    assert exchange.status == 401
    assert server.api_calls() == ["Bearer garbage"]


def test_a_refused_client_is_a_token_error_that_names_no_secret() -> None:
    server = Server()
    http = httpx.Client(transport=httpx.MockTransport(server))
    credentials = ClientCredentials(http, TOKEN_URL, "me", "wrong-secret", SHOWN)
    with pytest.raises(TokenError) as raised:
        credentials.current()
    message = str(raised.value)
    assert "invalid_client" in message
    assert 'curl -g -X POST -u "$LEADS_CLIENT_ID:$LEADS_CLIENT_SECRET"' in message
    assert "wrong-secret" not in message


@pytest.mark.parametrize(
    "answer", [{"token_type": "mac"}, {"access_token": "", "token_type": "Bearer"}, "not json"]
)
def test_a_200_without_a_bearer_token_is_a_token_error(answer: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, str):
            return httpx.Response(200, text=answer)
        return httpx.Response(200, json={"access_token": "secret-tok", **answer})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    credentials = ClientCredentials(http, TOKEN_URL, "me", SECRET, SHOWN)
    with pytest.raises(TokenError, match="without a bearer access_token") as raised:
        credentials.current()
    assert "secret-tok" not in str(raised.value)


def test_an_unreachable_token_endpoint_is_a_token_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(TokenError, match="does not answer"):
        ClientCredentials(http, TOKEN_URL, "me", SECRET, SHOWN).current()


def test_output_shows_references_never_the_tokens_or_the_secret() -> None:
    server = Server()
    credentials, client = _setup(server)
    client.get("/leads")
    server.valid.clear()
    exchange = client.get("/leads")
    text = f"tok0 then tok1, secret {SECRET}"
    assert credentials.redact(text) == "$LEADS_TOKEN then $LEADS_TOKEN, secret $LEADS_CLIENT_SECRET"
    assert (
        "tok" not in exchange.curl() and '"Authorization: Bearer $LEADS_TOKEN"' in exchange.curl()
    )
    for shown in (repr(exchange), repr(credentials), repr(Credentials("tok9", "$X"))):
        assert "tok0" not in shown and "tok1" not in shown and "tok9" not in shown, shown
        assert SECRET not in shown


def test_a_token_request_shows_the_answer_without_its_token() -> None:
    server = Server()
    credentials, _ = _setup(server)
    exchange, raw = credentials.request()
    assert json.loads(raw)["access_token"] == "tok0"
    assert "tok0" not in exchange.describe_response() and "$LEADS_TOKEN" in exchange.response_text
    assert "tok0" not in credentials.redact(raw)  # a token fetched apart is redacted too
    refused, _ = credentials.request(other_secret="not-it")
    assert refused.status == 401 and '-u "$LEADS_CLIENT_ID:not-it"' in refused.curl()


@dataclass
class _Case:
    """What `renewing_call` uses of a schemathesis case."""

    server: Server
    headers: dict[str, str] = field(default_factory=dict)

    def call(self, **kwargs: Any) -> httpx.Response:
        request = httpx.Request("GET", "http://api.test/leads", headers=self.headers)
        return self.server(request)


def test_schemathesis_cases_get_the_current_token_and_are_renewed_when_refused() -> None:
    server = Server()
    credentials, _ = _setup(server)
    provider = schemathesis_auth(credentials)()
    case = _Case(server, {"X-Other": "kept"})
    provider.set(case, provider.get(case, None), None)
    assert case.headers == {"X-Other": "kept", "Authorization": "Bearer tok0"}
    server.valid.clear()
    response = renewing_call(case, credentials)
    assert response.status_code == 200
    assert server.api_calls() == ["Bearer tok0", "Bearer tok1"]
    assert case.headers["Authorization"] == "Bearer tok1"


def test_a_schemathesis_case_without_our_token_is_sent_once() -> None:
    server = Server()
    credentials, _ = _setup(server)
    response = renewing_call(_Case(server, {"Authorization": "Basic eDp5"}), credentials)
    assert response.status_code == 401 and server.api_calls() == ["Basic eDp5"]


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (401, 'Bearer error="invalid_token", error_description="x"', True),
        (401, 'bearer realm="r", error=invalid_token', True),
        (401, 'Basic realm="r", Bearer error="invalid_token"', True),
        (401, "Bearer", False),
        (401, 'Bearer error="invalid_tokens"', False),
        (401, 'Bearer error="insufficient_scope"', False),
        (401, 'Bearerx error="invalid_token"', False),
        (401, None, False),
        (403, 'Bearer error="invalid_token"', False),
    ],
)
def test_invalid_token_is_read_from_the_bearer_challenge(
    status: int, header: str | None, expected: bool
) -> None:
    assert is_invalid_token(status, header) is expected


def test_an_exchange_curl_shows_basic_client_authentication_as_u() -> None:
    exchange = Exchange(
        "POST",
        TOKEN_URL,
        {},
        b"grant_type=client_credentials",
        200,
        {},
        "",
        shown_user="$LEADS_CLIENT_ID:$LEADS_CLIENT_SECRET",
    )
    assert exchange.curl() == (
        'curl -g -X POST -u "$LEADS_CLIENT_ID:$LEADS_CLIENT_SECRET" --data-binary '
        f"grant_type=client_credentials {TOKEN_URL}"
    )
