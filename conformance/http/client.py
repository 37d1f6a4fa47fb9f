"""A thin HTTP client that keeps each request so a failure can show it as a curl command."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

QueryPairs = Sequence[tuple[str, str]]

# The longest response text quoted in a failure message; longer bodies are cut.
_MAX_QUOTED = 300


@dataclass(frozen=True)
class Credentials:
    """A bearer token, and how a curl command should spell it.

    `shown` is what the curl command prints instead of the token: the token itself for the
    mock's public fixture tokens, `$LEADS_TOKEN`-style references for real ones, so that CI
    logs never carry a secret and the command still replays in a shell that has the variable.
    """

    token: str
    shown: str


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int
    response_headers: Mapping[str, str]
    response_text: str
    shown_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.response_text)

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip()

    def curl(self) -> str:
        parts = ["curl", "-g", "-X", self.method]
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
    """Calls the server as one caller (one token, or none)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        *,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._http = http or httpx.Client(timeout=timeout)

    def with_credentials(self, credentials: Credentials | None) -> ApiClient:
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
        if self.credentials is not None:
            sent["Authorization"] = f"Bearer {self.credentials.token}"
            shown["Authorization"] = f"Bearer {self.credentials.shown}"
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
