"""OAuth2 client credentials on the wire: the mock's token endpoint (RFC 6749 §4.4), and the
bearer check of the Leads API that accepts what it issues (RFC 6750 §3).

The endpoint is not an operation of the Leads API, so it sits before Connexion as ASGI
middleware and answers in OAuth's own form (`{"error", "error_description"}`, RFC 6749 §5.2),
which OAuth clients parse, rather than problem+json. It is documented by its own small spec,
`oauth.yaml` beside this file, which the control API serves. What it decides lives in
`api/tokens.py`; this reads the request and writes the answer.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api.tokens import PARAMETERS, OAuthError, TokenRequest, issue_token
from ..data.contract import load_yaml
from .state import MockState

TOKEN_PATH = "/oauth/token"
SPEC = Path(str(files(__package__) / "oauth.yaml"))
BODY_LIMIT = 16 * 1024  # a token request is a few hundred bytes
FORM = "application/x-www-form-urlencoded"
# RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
BASIC_CHALLENGE = 'Basic realm="leads-mock", charset="UTF-8"'
# Paths the token endpoint may not take: the Leads API's, the control API's, the docs'.
_RESERVED = ("/leads", "/lead", "/__mock", "/ui", "/openapi.json", "/openapi.yaml")


def check_token_path(path: str) -> str:
    """`path` if the token endpoint can live there; a ValueError saying why not otherwise."""
    if not path.startswith("/") or path == "/" or path.endswith("/"):
        raise ValueError(f"{path!r}: a path such as /oauth/token (leading /, no trailing /)")
    if any(c in path for c in "?#{} ") or not path.isascii():
        raise ValueError(f"{path!r}: a plain path, without query, fragment or template")
    for reserved in _RESERVED:
        if path == reserved or path.startswith(reserved.rstrip("/") + "/"):
            raise ValueError(f"{path!r}: {reserved} belongs to the Leads API or the mock")
    return path


def spec(token_path: str = TOKEN_PATH) -> dict[str, Any]:
    """The token endpoint's own OpenAPI document, at the path the mock serves it on."""
    with SPEC.open(encoding="utf-8") as fh:
        document: dict[str, Any] = load_yaml(fh)
    document["paths"] = {token_path: document["paths"][TOKEN_PATH]}
    return document


def invalid_token_challenge(description: str) -> str:
    """RFC 6750 §3: the `WWW-Authenticate` of a request whose bearer token is not accepted."""
    text = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in description)
    return f'Bearer error="invalid_token", error_description="{text}"'


def bearer_check(state: MockState) -> Callable[[str], dict[str, Any]]:
    """What Connexion calls with each bearer token: the caller's token info, or the 401 of a
    token the mock does not accept now (never issued, expired, revoked)."""

    def check(token: str) -> dict[str, Any]:
        info = state.token_info(token)
        if info is None:
            error = state.token_refusal(token)
            error.headers["WWW-Authenticate"] = invalid_token_challenge(error.detail)
            raise error
        return info

    return check


def basic_credentials(authorization: str) -> tuple[str, str]:
    """Client id and secret from an HTTP Basic header: base64 of `id:secret`, each
    form-urlencoded first (RFC 6749 §2.3.1)."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("bad_authorization")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("bad_authorization") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise OAuthError("bad_authorization")
    return unquote_plus(client_id), unquote_plus(secret)


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError("unreadable_body", reason="it is not UTF-8") from None
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def _from_a_page(scope: Scope) -> bool:
    """A request a page's script marked as such (`X-Requested-With: XMLHttpRequest`, which
    Swagger UI sends). A Basic challenge in answer to it would make the browser hold the
    answer back and ask its user for a password, so the page would never see the error:
    such requests get their 401 without it (as Spring Security does for them)."""
    requested_with = Headers(scope=scope).get("x-requested-with", "")
    return requested_with.lower() == "xmlhttprequest"


class TokenEndpointMiddleware:
    """Answers every request to the token path; passes everything else on."""

    def __init__(
        self, app: ASGIApp, state: MockState, path: str = TOKEN_PATH, limit: int = BODY_LIMIT
    ) -> None:
        self.app = app
        self.state = state
        self.path = path
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers: list[tuple[str, str]] = []
        try:
            status, body = 200, await self._issue(scope, receive)
        except OAuthError as exc:
            status, body = exc.status, exc.body()
            if exc.status == 401 and not _from_a_page(scope):
                headers.append(("WWW-Authenticate", BASIC_CHALLENGE))
            if exc.status == 405:
                headers.append(("Allow", "POST"))
        await _send_json(send, status, body, headers, with_body=scope["method"] != "HEAD")

    async def _issue(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        if scope["method"] != "POST":
            raise OAuthError("method_not_allowed", method=scope["method"])
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        media, *params = (part.strip().lower() for part in content_type.split(";"))
        if media != FORM:
            raise OAuthError("content_type", content_type=content_type or "no content type")
        charset = next((p.split("=", 1)[1].strip('"') for p in params if "=" in p), "utf-8")
        if charset.replace("-", "") != "utf8":
            raise OAuthError("unreadable_body", reason=f"charset {charset}; send UTF-8")
        in_query = sorted(
            {name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"))}
            & set(PARAMETERS)
        )
        if in_query:
            raise OAuthError("in_query", names=", ".join(in_query))
        form = _form(await self._body(receive))
        authorizations = headers.getlist("authorization")
        basic, bad = None, False
        if authorizations:
            try:
                if len(authorizations) > 1:
                    raise OAuthError("bad_authorization")
                basic = basic_credentials(authorizations[0])
            except OAuthError:
                bad = True  # refused in its turn, after the checks of the form (oauth.yaml)
        request = TokenRequest(form, basic, bad)
        return issue_token(request, self.state.fixtures.reference.clients, self.state.tokens)

    async def _body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise OAuthError("too_large", limit=self.limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[str, str]], with_body: bool
) -> None:
    payload = json.dumps(body).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        # RFC 6749 §5.1: a token must not be cached; errors neither (they may hold a client id).
        (b"cache-control", b"no-store"),
        (b"pragma", b"no-cache"),
        *((name.lower().encode(), value.encode()) for name, value in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload if with_body else b""})
