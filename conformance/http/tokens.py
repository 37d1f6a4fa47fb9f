"""Bearer tokens the suite fetches for itself: OAuth2 client credentials (RFC 6749 §4.4).

`ClientCredentials` posts the client's id and secret to the token URL, keeps the token, fetches
a new one shortly before `expires_in` runs out, and once more when the server refuses the
token with 401 `invalid_token` (RFC 6750 §3.1). It is a `client.BearerToken`, so the suite's
own client uses it as it uses a fixed token, and `schemathesis_auth` hands it to schemathesis
as an auth provider. Secrets never leave it: curl commands show `$LEADS_CLIENT_ID`-style
references, and `redact` replaces every token it was given by its `$LEADS_TOKEN` reference.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx

from .client import BearerToken, Exchange, is_invalid_token

# A token is renewed this long before it expires: a tenth of its life, at most a minute, so
# that a request sent just before the renewal still arrives in time.
_MAX_MARGIN = 60.0
_MARGIN_SHARE = 0.1


class TokenError(Exception):
    """The token endpoint did not issue a token; the message shows the request as curl, with
    references for the client id and secret."""


@dataclass(frozen=True)
class ShownClient:
    """How output spells a client: its id and secret as shell references, its tokens too."""

    token: str = "$LEADS_TOKEN"
    client_id: str = "$LEADS_CLIENT_ID"
    client_secret: str = "$LEADS_CLIENT_SECRET"


def token_request(
    http: httpx.Client,
    token_url: str,
    client_id: str,
    client_secret: str,
    shown: ShownClient,
) -> tuple[Exchange, str]:
    """One client credentials request, the client authenticated by HTTP Basic (the method
    every authorization server must support, RFC 6749 §2.3.1: id and secret form-urlencoded,
    then joined by a colon). Answers the exchange as output may show it (the secret and any
    access token replaced by their references) and the answer's raw text."""
    basic = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    headers = {
        "Authorization": "Basic " + base64.b64encode(basic).decode("ascii"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    body = urlencode({"grant_type": "client_credentials"}).encode()
    try:
        response = http.post(token_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise TokenError(f"the token endpoint {token_url} does not answer: {exc}") from None
    raw = response.text
    text = raw.replace(client_secret, shown.client_secret) if client_secret else raw
    try:
        token = json.loads(raw).get("access_token")
    except (ValueError, AttributeError):
        token = None
    if isinstance(token, str) and token:
        text = text.replace(token, shown.token)
    exchange = Exchange(
        method="POST",
        url=token_url,
        request_headers=headers,
        request_body=body,
        status=response.status_code,
        response_headers={k.lower(): v for k, v in response.headers.items()},
        response_text=text,
        shown_headers={"Content-Type": headers["Content-Type"]},
        shown_user=f"{shown.client_id}:{shown.client_secret}",
    )
    return exchange, raw


def token_of(exchange: Exchange, text: str) -> tuple[str, float | None]:
    """The access token and its lifetime (None: not said) of a token answer's raw text; a
    `TokenError` naming what is wrong otherwise."""
    if exchange.status != 200:
        raise TokenError(
            f"the token endpoint refused the client: {exchange.describe_response()}\n"
            f"  {exchange.curl()}"
        )
    try:
        answer: Any = json.loads(text)
    except ValueError:
        answer = None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    kind = answer.get("token_type") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token or str(kind).lower() != "bearer":
        raise TokenError(
            "the token endpoint answered 200 without a bearer access_token "
            f"(RFC 6749 §5.1): {exchange.describe_response()}\n  {exchange.curl()}"
        )
    expires_in = answer.get("expires_in")
    valid = isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
    return token, float(expires_in) if valid and expires_in > 0 else None


class ClientCredentials:
    """A `BearerToken` fetched from `token_url` with a client id and secret, and renewed."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        client_secret: str,
        shown: ShownClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.token_url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self.shown_as = shown or ShownClient()
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._given: list[str] = []  # every token handed out, for `redact`
        self._lock = threading.RLock()
        self.fetched = 0
        self.renewed_before_expiry = 0
        self.renewed_after_refusal = 0

    def __repr__(self) -> str:
        return f"ClientCredentials({self.token_url!r}, client {self.shown_as.client_id})"

    @property
    def shown(self) -> str:
        return self.shown_as.token

    def current(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                if self._token is not None:
                    self.renewed_before_expiry += 1
                self._fetch()
            assert self._token is not None
            return self._token

    def refused(self, token: str) -> bool:
        with self._lock:
            if token == self._token:
                # Renewed on the next `current`; a token renewed meanwhile is already new.
                self._token = None
                self.renewed_after_refusal += 1
            return True

    def redact(self, text: str) -> str:
        with self._lock:
            given = list(self._given)
        for token in given:
            text = text.replace(token, self.shown_as.token)
        return text.replace(self._secret, self.shown_as.client_secret)

    def request(self, other_secret: str | None = None) -> tuple[Exchange, str]:
        """A token request of this client apart from the token it keeps: the exchange as
        output may show it, and the answer's raw text. With `other_secret`, that secret is
        sent instead of the client's (and shown as it is: it is not the client's)."""
        secret, shown = self._secret, self.shown_as
        if other_secret is not None:
            secret, shown = other_secret, replace(shown, client_secret=other_secret)
        exchange, raw = token_request(self._http, self.token_url, self._client_id, secret, shown)
        try:
            token = json.loads(raw).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if isinstance(token, str) and token:
            with self._lock:
                self._given.append(token)
        return exchange, raw

    def _fetch(self) -> None:
        started = self._clock()
        exchange, raw = self.request()
        token, expires_in = token_of(exchange, raw)
        self._token = token
        self.fetched += 1
        if expires_in is None:  # renewed only when refused
            self._renew_at = float("inf")
        else:
            margin = min(_MAX_MARGIN, expires_in * _MARGIN_SHARE)
            self._renew_at = started + expires_in - margin


def schemathesis_auth(credentials: BearerToken) -> type:
    """An auth provider class for schemathesis (`schema.auth(refresh_interval=None)(...)`):
    each generated case is sent with the credentials' current token. Caching is left to the
    credentials, which know when their token expires; a refusal is `renewing_call`'s."""

    class BearerAuth:
        def get(self, case: Any, context: Any) -> str:
            return credentials.current()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return BearerAuth


def renewing_call(case: Any, credentials: BearerToken, **kwargs: Any) -> Any:
    """`case.call(**kwargs)`, sent once more with a new token when the server refused the
    token the auth provider set with 401 `invalid_token`."""
    response = case.call(**kwargs)
    sent = (case.headers or {}).get("Authorization", "")
    token = sent.removeprefix("Bearer ")
    challenge = response.headers.get("WWW-Authenticate") or response.headers.get("www-authenticate")
    if isinstance(challenge, list):
        challenge = ", ".join(challenge)
    if (
        sent.startswith("Bearer ")
        and is_invalid_token(response.status_code, challenge)
        and credentials.refused(token)
    ):
        case.headers = {**case.headers, "Authorization": f"Bearer {credentials.current()}"}
        response = case.call(**kwargs)
    return response
