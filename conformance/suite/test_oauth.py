"""OAuth2 client credentials, the flow itself (D-38): run when the suite fetches its tokens
(a client id and secret given). The rest of the suite then runs on the tokens it fetched,
renewing them as they expire."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from conformance import checks
from conformance.http.client import ApiClient, BearerToken, Credentials
from conformance.http.tokens import ClientCredentials
from conformance.settings import ENV_NAMES, Settings, flag

_LIST = [("per_page", "1")]


@pytest.fixture(scope="module")
def client(settings: Settings, credentials: dict[str, BearerToken]) -> ClientCredentials:
    """The client of the admin role, or else of the first role that has one."""
    for role in ("token", "reader_token", "norights_token", "agent_token"):
        found = credentials.get(role)
        if isinstance(found, ClientCredentials):
            return found
    pytest.skip(
        f"needs an OAuth2 client: pass {flag('client_id')} and {flag('client_secret')} "
        f"({ENV_NAMES['client_id']}, {ENV_NAMES['client_secret']}), and {flag('token_url')} "
        "unless the contract's token URL is the server's"
    )


@pytest.mark.clauses("token-wrong-secret")
def test_a_wrong_client_secret_is_refused(client: ClientCredentials) -> None:
    exchange, _ = client.request(other_secret="not-the-secret-" + secrets.token_urlsafe(8))
    checks.wrong_secret_is_refused(exchange)


@pytest.mark.clauses("token-issued-works")
def test_an_issued_token_is_a_bearer_token_that_works(
    client: ClientCredentials, settings: Settings, _http: httpx.Client
) -> None:
    exchange, raw = client.request()
    checks.token_answer_is_a_bearer_token(exchange, raw)
    token = json.loads(raw)["access_token"]
    caller = ApiClient(settings.base_url, Credentials(token, client.shown), http=_http)
    listed = caller.get("/leads", _LIST)
    checks.answers_status(
        listed, 200, "a token issued by the token URL is accepted by the API (D-38)"
    )


@pytest.mark.clauses("token-unknown-invalid", "GET /leads 401")
def test_a_token_never_issued_is_401_invalid_token(
    anonymous: ApiClient, run_tag: str, client: ClientCredentials
) -> None:
    headers = {"Authorization": f"Bearer {run_tag}-not-a-token-{secrets.token_urlsafe(12)}"}
    exchange = anonymous.get("/leads", _LIST, headers=headers)
    checks.unknown_token_is_invalid_token(
        exchange,
        'GET /leads with a token never issued: 401, WWW-Authenticate: Bearer error="invalid_token" '
        "(RFC 6750 §3.1, D-38)",
    )
