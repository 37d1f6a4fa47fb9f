"""A thin HTTP client that keeps each request so a failure can show it as a curl command."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx

QueryPairs = Sequence[tuple[str, str]]

# The longest response text quoted in a failure message; longer bodies are cut.
_MAX_QUOTED = 300
# RFC 6750 §3: the Bearer challenge among those of a WWW-Authenticate, and its error code.
_BEARER_CHALLENGE = re.compile(r"(?i)(?:^|,)\s*bearer(?:\s+(.*)|\s*$)")
_INVALID_TOKEN = re.compile(r'(?i)(?:^|[\s,])error\s*=\s*"?invalid_token\b')


class BearerToken(Protocol):
    """Where a caller's bearer token comes from: fixed (`Credentials`), or fetched and renewed
    from a token endpoint (`tokens.ClientCredentials`).

    `shown` is what curl commands print instead of the token: the token itself for the mock's
    public fixture tokens, `$LEADS_TOKEN`-style references otherwise, so that CI logs never
    carry a secret and the command still replays in a shell that has the variable.
    """

    @property
    def shown(self) -> str: ...

    def current(self) -> str:
        """The token to send now (fetched or renewed first when needed)."""
        ...

    def refused(self, token: str) -> bool:
        """The server answered `token` 401 `invalid_token`: whether a new one may be tried."""
        ...

    def redact(self, text: str) -> str:
        """`text` with every token and secret of these credentials replaced by its `shown`."""
        ...


@dataclass(frozen=True)
class Credentials:
    """A fixed bearer token (`--token`, or a fixture token of the mock)."""

    token: str = field(repr=False)
    shown: str

    def current(self) -> str:
        return self.token

    def refused(self, token: str) -> bool:
        return False

    def redact(self, text: str) -> str:
        return text.replace(self.token, self.shown) if self.token else text


def is_invalid_token(status: int, www_authenticate: str | None) -> bool:
    """RFC 6750 §3.1: a 401 whose Bearer challenge says `error="invalid_token"`, the answer to
    a token the server no longer accepts (expired, revoked)."""
    bearer = _BEARER_CHALLENGE.search(www_authenticate or "") if status == 401 else None
    return bearer is not None and _INVALID_TOKEN.search(bearer.group(1) or "") is not None


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    # Kept out of reprs (pytest prints them on failure): it holds the real token.
    request_headers: Mapping[str, str] = field(repr=False)
    request_body: bytes | None
    status: int
    response_headers: Mapping[str, str]
    response_text: str
    shown_headers: Mapping[str, str] = field(default_factory=dict)
    # `curl -u` credentials as shown (the token endpoint's Basic client authentication).
    shown_user: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.response_text)

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip()

    def curl(self) -> str:
        parts = ["curl", "-g", "-X", self.method]
        if self.shown_user is not None:
            parts.append(f'-u "{self.shown_user}"')
        for name, value in self.shown_headers.items():
            header = f"{name}: {value}"
            # A `$VAR` reference must stay expandable, so it goes in double quotes.
            parts.append("-H " + (f'"{header}"' if "$" in value else shlex.quote(header)))
        if self.request_body is not None:
            parts.append("--data-binary " + _shell_bytes(self.request_body))
        parts.append(shlex.quote(self.url))
        return " ".join(parts)

    def describe_response(self) -> str:
        text = self.response_text
        if len(text) > _MAX_QUOTED:
            text = text[:_MAX_QUOTED] + f"... ({len(self.response_text)} characters)"
        return f"{self.status} {self.content_type or '(no content type)'} {text}".rstrip()


def _shell_bytes(data: bytes) -> str:
    """A shell word for exactly these bytes: quoted text, or `$'...'` with escapes if binary."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return shlex.quote(text)
    escaped = "".join(
        chr(b) if 32 <= b < 127 and chr(b) not in "\\'" else f"\\x{b:02x}" for b in data
    )
    return f"$'{escaped}'"


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Percent-encodes a query but keeps the brackets of PHP-style keys readable.

    The contract allows brackets raw or encoded; raw ones make the printed curl readable
    (and need `curl -g`, which every printed command carries).
    """
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


class ApiClient:
    """Calls the server as one caller (one token, or none). A request its token is refused
    for with 401 `invalid_token` is sent once more with a new token, when the credentials
    can get one (RFC 6750 §3.1: the token expired or was revoked)."""

    def __init__(
        self,
        base_url: str,
        credentials: BearerToken | None,
        *,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._http = http or httpx.Client(timeout=timeout)

    def with_credentials(self, credentials: BearerToken | None) -> ApiClient:
        """The same server as another caller, sharing the connection pool."""
        return ApiClient(self.base_url, credentials, http=self._http)

    def close(self) -> None:
        self._http.close()

    def url(self, path: str, query: QueryPairs = ()) -> str:
        url = self.base_url + path
        return f"{url}?{encode_query(query)}" if query else url

    def request(
        self,
        method: str,
        path: str,
        *,
        query: QueryPairs = (),
        body: Any = None,
        raw_body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        url = self.url(path, query)
        sent: dict[str, str] = {}
        shown: dict[str, str] = {}
        credentials = self.credentials
        token = credentials.current() if credentials is not None else None
        if credentials is not None:
            sent["Authorization"] = f"Bearer {token}"
            shown["Authorization"] = f"Bearer {credentials.shown}"
        content = raw_body
        if body is not None:
            content = json.dumps(body).encode()
        if content is not None:
            sent["Content-Type"] = "application/json"
            shown["Content-Type"] = "application/json"
        for name, value in (headers or {}).items():
            sent[name] = value
            shown[name] = value
        response = self._http.request(method, url, content=content, headers=sent)
        if (
            credentials is not None
            and token is not None
            and sent.get("Authorization") == f"Bearer {token}"
            and is_invalid_token(response.status_code, response.headers.get("www-authenticate"))
            and credentials.refused(token)
        ):
            # A refused request changed nothing (D-20), so it is safe to send again.
            sent["Authorization"] = f"Bearer {credentials.current()}"
            response = self._http.request(method, url, content=content, headers=sent)
        return Exchange(
            method=method,
            url=url,
            request_headers=sent,
            request_body=content,
            status=response.status_code,
            response_headers={k.lower(): v for k, v in response.headers.items()},
            response_text=response.text,
            shown_headers=shown,
        )

    def get(self, path: str, query: QueryPairs = (), **kwargs: Any) -> Exchange:
        return self.request("GET", path, query=query, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("PUT", path, body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("PATCH", path, body=body, **kwargs)

    def delete(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("DELETE", path, body=body, **kwargs)
