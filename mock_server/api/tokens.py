"""OAuth2 client credentials (RFC 6749 §4.4) over plain data: the tokens the mock issues, how
long each lives by the app's clock, and every refusal of the token endpoint.

No HTTP here: `http/oauth.py` reads a request (method, content type, form, Basic header) into a
`TokenRequest` and writes back the answer of `issue_token`, or the `OAuthError` it raised.
Refusals are RFC 6749 §5.2 errors, not Problems: OAuth clients parse that form.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .records import User

Clock = Callable[[], datetime]
DEFAULT_TTL = 1800  # seconds: the deployed API's tokens live 30 minutes
# Issued tokens start with this, so that a scan of logs or reports can find one that leaked.
TOKEN_PREFIX = "mock_at_"
# Expired grants are kept this long past their expiry (in TTLs), so that a late request hears
# "expired" rather than "unknown"; then they are dropped, so that issuing never grows memory.
_KEEP_EXPIRED_TTLS = 1
_PURGE_FLOOR = 1024

# The token endpoint's refusals, kept together: template -> (error code, status, description).
# Descriptions hold no `"` or `\` (RFC 6749 §5.2 restricts `error_description` to printable
# ASCII without them).
TEMPLATES: dict[str, tuple[str, int, str]] = {
    "method_not_allowed": (
        "invalid_request",
        405,
        "The token endpoint takes POST, not {method}.",
    ),
    "content_type": (
        "invalid_request",
        400,
        "The body must be application/x-www-form-urlencoded, not {content_type}.",
    ),
    "unreadable_body": ("invalid_request", 400, "The body cannot be read as a form: {reason}."),
    "too_large": ("invalid_request", 413, "The body is larger than the {limit} bytes accepted."),
    "in_query": (
        "invalid_request",
        400,
        "{names} must be sent in the form body, not in the URL (RFC 6749 section 2.3.1).",
    ),
    "repeated": ("invalid_request", 400, "{name} is given more than once."),
    "missing_grant_type": (
        "invalid_request",
        400,
        "grant_type is required: send grant_type=client_credentials.",
    ),
    "unsupported_grant_type": (
        "unsupported_grant_type",
        400,
        "grant_type {grant_type} is not supported: this endpoint issues client_credentials "
        "tokens only.",
    ),
    "two_methods": (
        "invalid_request",
        400,
        "The client authenticated twice, with HTTP Basic and with client_id/client_secret in "
        "the body: use one.",
    ),
    "secret_without_id": (
        "invalid_request",
        400,
        "client_secret is given without client_id.",
    ),
    "no_client": (
        "invalid_client",
        401,
        "Client authentication is required: HTTP Basic with the client id and secret, or "
        "client_id and client_secret in the body.",
    ),
    "bad_authorization": (
        "invalid_client",
        401,
        "The Authorization header is not HTTP Basic with client_id:client_secret.",
    ),
    "no_secret": (
        "invalid_client",
        401,
        "Client {client_id} must authenticate with its secret.",
    ),
    "unknown_client": ("invalid_client", 401, "There is no client {client_id}."),
    "wrong_secret": ("invalid_client", 401, "The secret of client {client_id} is wrong."),
}

# Request parameters of the token endpoint (RFC 6749 §4.4.2, §2.3.1); others are ignored (§3.2).
PARAMETERS = ("grant_type", "scope", "client_id", "client_secret")


class OAuthError(Exception):
    """A refusal of the token endpoint, rendered as `{"error", "error_description"}`."""

    def __init__(self, template: str, **params: Any) -> None:
        error, status, text = TEMPLATES[template]
        self.error = error
        self.status = status
        self.description = _printable(text.format(**params))
        super().__init__(self.description)

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _printable(text: str) -> str:
    """`text` with only the characters `error_description` may hold."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)


@dataclass(frozen=True)
class Grant:
    """An issued token: whose it is, what it may do, until when."""

    token: str
    user_id: int
    rights: frozenset[str]
    expires_at: datetime


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenRegistry:
    """The tokens issued by the token endpoint. A token is accepted while `clock()` is before
    its expiry; the fixture tokens are not here (they never expire)."""

    def __init__(
        self, clock: Clock, ttl: int = DEFAULT_TTL, new_token: Callable[[], str] = _new_token
    ) -> None:
        if ttl < 1:
            raise ValueError(f"a token lives at least 1 second, not {ttl}")
        self.clock = clock
        self.ttl = ttl
        self._new_token = new_token
        self._grants: dict[str, Grant] = {}
        self._purge_at = _PURGE_FLOOR
        # Control API handlers run in threads, requests on the event loop.
        self._lock = threading.Lock()

    def issue(self, user: User) -> Grant:
        """A new token for `user`, carrying the user's rights as they are now."""
        with self._lock:
            if len(self._grants) >= self._purge_at:
                self._purge()
            token = self._new_token()
            while token in self._grants:
                token = self._new_token()
            grant = Grant(token, user.id, user.rights, self.clock() + timedelta(seconds=self.ttl))
            self._grants[token] = grant
            return grant

    def find(self, token: str) -> Grant | None:
        """The grant of an issued token, expired or not; None for a token never issued (or
        revoked, or expired long ago)."""
        with self._lock:
            return self._grants.get(token)

    def valid(self, token: str) -> Grant | None:
        """The grant of a token that is accepted now."""
        grant = self.find(token)
        return grant if grant is not None and self.clock() < grant.expires_at else None

    def revoke_all(self) -> int:
        """Forgets every issued token; answers how many were still valid."""
        with self._lock:
            now = self.clock()
            live = sum(1 for grant in self._grants.values() if now < grant.expires_at)
            self._grants.clear()
            self._purge_at = _PURGE_FLOOR
            return live

    def _purge(self) -> None:
        cutoff = self.clock() - timedelta(seconds=self.ttl * _KEEP_EXPIRED_TTLS)
        self._grants = {t: g for t, g in self._grants.items() if g.expires_at > cutoff}
        self._purge_at = max(_PURGE_FLOOR, 2 * len(self._grants))


@dataclass(frozen=True)
class TokenRequest:
    """A token request as the HTTP layer read it: every form field with each value sent (in
    order), and the client id and secret of an HTTP Basic `Authorization` header, decoded;
    `bad_authorization` when an `Authorization` header was sent that is not that."""

    form: Mapping[str, Sequence[str]]
    basic: tuple[str, str] | None = None
    bad_authorization: bool = False


def _single(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    """A parameter's value; an empty one counts as left out (RFC 6749 §3.2)."""
    values = form.get(name, ())
    if len(values) > 1:
        raise OAuthError("repeated", name=name)
    return values[0] if values and values[0] != "" else None


def authenticate_client(request: TokenRequest, clients: Mapping[str, User]) -> User:
    """The user behind the client that authenticated (RFC 6749 §2.3.1), by Basic or body."""
    body_id = _single(request.form, "client_id")
    body_secret = _single(request.form, "client_secret")
    if request.basic is not None or request.bad_authorization:
        if body_id is not None or body_secret is not None:
            raise OAuthError("two_methods")
        if request.basic is None:
            raise OAuthError("bad_authorization")
        client_id, secret = request.basic
    elif body_id is not None:
        if body_secret is None:
            raise OAuthError("no_secret", client_id=body_id)
        client_id, secret = body_id, body_secret
    elif body_secret is not None:
        raise OAuthError("secret_without_id")
    else:
        raise OAuthError("no_client")
    user = clients.get(client_id)
    if user is None or user.client_secret is None:
        raise OAuthError("unknown_client", client_id=client_id)
    if not secrets.compare_digest(secret.encode(), user.client_secret.encode()):
        raise OAuthError("wrong_secret", client_id=client_id)
    return user


def issue_token(
    request: TokenRequest, clients: Mapping[str, User], registry: TokenRegistry
) -> dict[str, Any]:
    """The RFC 6749 §5.1 answer to a client credentials request, or an `OAuthError`.

    The checks run in the order a client can act on: a malformed request (`invalid_request`),
    then the grant type, then the client's credentials. A `scope` does not narrow the token
    (D-38): the token carries the user's rights, and the answer names them in `scope`.
    """
    for name in PARAMETERS:
        _single(request.form, name)  # refuses any repeated parameter first
    grant_type = _single(request.form, "grant_type")
    if grant_type is None:
        raise OAuthError("missing_grant_type")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", grant_type=grant_type)
    user = authenticate_client(request, clients)
    grant = registry.issue(user)
    answer: dict[str, Any] = {
        "access_token": grant.token,
        "token_type": "Bearer",
        "expires_in": registry.ttl,
    }
    if _single(request.form, "scope") is not None:
        answer["scope"] = " ".join(sorted(grant.rights))
    return answer
