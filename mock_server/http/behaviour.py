"""What frontend and QA users expect of a mock beyond the API itself, as ASGI middleware:

- `Prefer: code=404`, `Prefer: example=expanded` answer that documented response (Prism's
  convention) without touching the state; `Prefer: delay=1500` waits 1.5 s;
- a configured latency (fixed or ranged, for all or some operations) and fault rate (503);
- a request log for the control API; a body size limit (413).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api.errors import ApiError, problem_body
from ..data.contract import Contract
from .problems import problem_response

BODY_LIMIT = 1024 * 1024
_PREFER_ITEM = re.compile(r"\s*([a-zA-Z_-]+)\s*=\s*\"?([^\";,]*)\"?\s*")


@dataclass
class Behaviour:
    """Latency and faults, fixed at start-up (options of `leads-mock`)."""

    delay_ms: tuple[int, int] = (0, 0)
    delay_operations: frozenset[str] | None = None  # None: every operation
    fault_rate: float = 0.0
    seed: int | None = None
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        """Whether requests meet a latency or faults."""
        return bool(self.delay_ms[1] or self.fault_rate)

    def describe(self) -> list[str]:
        lines = []
        low, high = self.delay_ms
        if high:
            span = f"{low} ms" if low == high else f"{low}-{high} ms"
            scope = (
                ", ".join(sorted(self.delay_operations))
                if self.delay_operations
                else "every operation"
            )
            lines.append(f"latency: {span} on {scope}")
        if self.fault_rate:
            lines.append(f"faults: {self.fault_rate:.0%} of requests answer 503")
        return lines


def parse_prefer(header: str | None) -> dict[str, str]:
    """`Prefer: code=404, example=expanded` -> {"code": "404", "example": "expanded"}."""
    found: dict[str, str] = {}
    for item in re.split(r"[;,]", header or ""):
        match = _PREFER_ITEM.fullmatch(item)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def _operation_id(scope: Scope) -> str | None:
    routing = scope.get("extensions", {}).get("connexion_routing", {})
    operation_id: str | None = routing.get("operation_id")
    return operation_id


async def _send_json(
    send: Send, status: int, body: Any, media_type: str, headers: dict[str, str]
) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    raw = [(b"content-type", media_type.encode())] if body is not None else []
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class BehaviourMiddleware:
    """Sits after security and validation, so a forced answer still needs a valid request."""

    def __init__(self, app: ASGIApp, contract: Contract, behaviour: Behaviour) -> None:
        self.app = app
        self.contract = contract
        self.behaviour = behaviour

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = _operation_id(scope) if scope["type"] == "http" else None
        if operation_id is None or operation_id not in self.contract.operations:
            await self.app(scope, receive, send)
            return
        prefer = parse_prefer(Headers(scope=scope).get("prefer"))
        await asyncio.sleep(self._delay(operation_id, prefer) / 1000)
        if self.behaviour.fault_rate and self.behaviour.rng.random() < self.behaviour.fault_rate:
            raise ApiError("unavailable")
        if "code" in prefer or "example" in prefer:
            await self._forced(operation_id, prefer, send)
            return
        await self.app(scope, receive, send)

    def _delay(self, operation_id: str, prefer: dict[str, str]) -> int:
        if "delay" in prefer:
            if not prefer["delay"].isdigit() or int(prefer["delay"]) > 60_000:
                raise ApiError("bad_prefer", reason="delay takes milliseconds, 0 to 60000")
            return int(prefer["delay"])
        ops = self.behaviour.delay_operations
        if ops is not None and operation_id not in ops:
            return 0
        low, high = self.behaviour.delay_ms
        return self.behaviour.rng.randint(low, high) if high else 0

    async def _forced(self, operation_id: str, prefer: dict[str, str], send: Send) -> None:
        method, path, op = self.contract.operations[operation_id]
        responses = {code: self.contract.resolve(r) for code, r in op["responses"].items()}
        code = prefer.get("code")
        if code is None:  # `example=` alone: the first documented response that has it
            code = next(
                (
                    c
                    for c, r in responses.items()
                    if any(
                        prefer["example"] in m.get("examples", {})
                        for m in r.get("content", {}).values()
                    )
                ),
                None,
            )
            if code is None:
                raise ApiError(
                    "bad_prefer",
                    reason=f"{method} {path} has no example named {prefer['example']!r}",
                )
        if code not in responses:
            documented = ", ".join(responses)
            raise ApiError(
                "bad_prefer",
                reason=f"{method} {path} documents no {code} response (it documents {documented})",
            )
        response = responses[code]
        content = response.get("content", {})
        if not content:
            await _send_json(send, int(code), None, "", {})
            return
        media_type, media = next(iter(content.items()))
        examples = {
            name: self.contract.resolve(e)["value"] for name, e in media.get("examples", {}).items()
        }
        if "example" in prefer:
            if prefer["example"] not in examples:
                names = ", ".join(examples) or "none"
                reason = f"{method} {path} {code} has no example {prefer['example']!r} ({names})"
                raise ApiError("bad_prefer", reason=reason)
            body = examples[prefer["example"]]
        elif examples:
            body = next(iter(examples.values()))
        elif "example" in media:
            body = media["example"]
        elif media_type == "application/problem+json":
            error = ApiError("forced", status=int(code))
            body = problem_body(error.status, error.detail)
        else:
            raise ApiError(
                "bad_prefer", reason=f"{method} {path} {code} has no example to answer with"
            )
        headers = {
            name: str(self.contract.resolve(header)["example"])
            for name, header in response.get("headers", {}).items()
            if "example" in self.contract.resolve(header)
        }
        headers["Preference-Applied"] = f"code={code}"
        await _send_json(send, int(code), body, media_type, headers)


@dataclass
class RequestRecord:
    at: float
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    request_body: str
    response_body: str


class RequestLog:
    """The last requests with their answers, for `GET /__mock/requests`."""

    def __init__(self, size: int = 200) -> None:
        self.entries: deque[RequestRecord] = deque(maxlen=size)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        return [vars(entry) for entry in list(self.entries)[-limit:]][::-1]


class RequestLogMiddleware:
    """Outermost, so that it sees every answer, errors included; skips the control API.
    The bodies of `private_paths` (the token endpoint: secrets, tokens) are not kept."""

    _KEEP = 10_000  # characters of each body kept
    _PRIVATE = "(not kept: it may hold a client secret or a token)"

    def __init__(
        self,
        app: ASGIApp,
        log: RequestLog,
        skip_prefix: str,
        private_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.log = log
        self.skip_prefix = skip_prefix
        self.private_paths = private_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefix):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        sent: list[bytes] = []
        received: list[bytes] = []
        status = 500

        async def receive_logged() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, received)) < self._KEEP:
                received.append(message.get("body", b""))
            return message

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and sum(map(len, sent)) < self._KEEP:
                sent.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_logged, send_logged)
        finally:
            private = scope["path"] in self.private_paths
            query = scope.get("query_string", b"").decode("latin-1")
            self.log.entries.append(
                RequestRecord(
                    at=time.time(),
                    method=scope["method"],
                    path=scope["path"],
                    query=self._PRIVATE if private and query else query,
                    status=status,
                    duration_ms=round((time.perf_counter() - start) * 1000, 2),
                    request_body=self._PRIVATE
                    if private
                    else b"".join(received).decode("utf-8", "replace")[: self._KEEP],
                    response_body=self._PRIVATE
                    if private
                    else b"".join(sent).decode("utf-8", "replace")[: self._KEEP],
                )
            )


class BodyLimitMiddleware:
    """Refuses bodies over `limit` bytes with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        seen = 0

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge(self.limit)
            return message

        try:
            await self.app(scope, receive_limited, send)
        except _TooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = problem_response(ApiError("too_large", limit=self.limit), instance=scope["path"])
        await response(scope, _no_receive, send)


class _TooLarge(ApiError):
    """Raised while the app reads a streamed body; an ApiError, so that the exception
    middleware inside answers 413 when it catches it first."""

    def __init__(self, limit: int) -> None:
        super().__init__("too_large", limit=limit)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
