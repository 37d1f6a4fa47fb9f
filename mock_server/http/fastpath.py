"""`GET /leads/{id}` answered without Connexion's request path when the contract leaves
nothing to check: the commonest read of a frontend, computed in a third of the time.

A request takes this path only when its outcome is certain without routing, security and
validation: a canonical positive id, no query string, a known bearer token, at most the
headers `cache.py` lets through plus `X-MyCRM-Expand-Data` spelt `true` or `false`, and an
answer of `200`. Anything else, including every error, goes the full way, so every error is
still built in one place and every rule checked there. The answer is the one the full path
gives, byte for byte (`tests/mock_server/http/test_fastpath.py` compares them over generated
requests). Off when answers are validated against the contract (`--validate-responses`, the
tests), which needs the full path, and with a configured latency or faults.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ..api.errors import ApiError
from ..api.render import lead_document
from ..api.rights import Principal
from ..data.contract import path_pattern
from .cache import ignored_header
from .handlers import json_body
from .state import MockState

logger = logging.getLogger("mock_server")
# Leading zeros or a sign are the full path's to decide (they address the same lead there).
_ID = "([1-9][0-9]{0,17})"
_EXPAND = {b"true": True, b"false": False}
_ACCEPTED = (b"*/*", b"application/json")
_BEARER = b"Bearer "


class FastReadMiddleware:
    def __init__(
        self, app: ASGIApp, state: MockState, dumps: Callable[[Any], str], template: str
    ) -> None:
        """`template`: the contract's path of the get-by-id operation, `/leads/{id}`."""
        self.app = app
        self.state = state
        self.dumps = dumps
        self.path = re.compile(path_pattern(template, _ID))
        self.served = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = self._answer(scope) if scope["type"] == "http" else None
        except Exception:  # a bug here must not cost the answer: the full path reports it
            logger.exception("fast path failed on %s; taking the full path", scope.get("path"))
            body = None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        self.served += 1
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _answer(self, scope: Scope) -> bytes | None:
        """The answer's body, or None for "take the full path"."""
        if scope["method"] != "GET" or scope.get("query_string"):
            return None
        match = self.path.fullmatch(scope["path"])
        if match is None:
            return None
        token: bytes | None = None
        expand = False
        seen: set[bytes] = set()
        for name, value in scope["headers"]:
            if name in seen and name in (b"authorization", b"x-mycrm-expand-data", b"accept"):
                return None  # repeated: the full path decides what that means
            seen.add(name)
            if name == b"authorization":
                if not value.startswith(_BEARER):
                    return None
                token = value[len(_BEARER) :]
            elif name == b"x-mycrm-expand-data":
                if value not in _EXPAND:
                    return None
                expand = _EXPAND[value]
            elif name == b"accept":
                if not any(wanted in value for wanted in _ACCEPTED):
                    return None
            elif not ignored_header(name, value):
                return None
        if token is None:
            return None
        info = self.state.token_info(token.decode("latin-1"))
        if info is None:
            return None
        who = Principal(user_id=info["user_id"], rights=info["rights"])
        try:
            lead = self.state.service.get_lead(who, int(match.group(1)), expand=expand)
        except ApiError:  # 403, 404: the full path answers them, from the one error builder
            return None
        return json_body(lead_document(lead))
