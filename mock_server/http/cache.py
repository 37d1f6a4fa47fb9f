"""A cache of read answers: a repeated `GET /leads...` is answered with the bytes the full
request path produced the first time, as long as no lead has changed since.

Why: a read costs the framework's routing, security, validation and rendering (1 to 2 ms),
and frontends poll the same list and lead again and again. The answer to a read depends
only on the request and on the data, so it is kept under

- the request: path, query string, and the headers an answer can depend on
  (`Authorization`, `X-MyCRM-Expand-Data`, and `Accept` to be safe);
- the data: `version`, which changes with every write to the store, every reset, import
  and fixture-set load (`MockState.data_version`), and today's date (date filters are
  relative to it).

A kept answer is given again only while its `Authorization` is still accepted (`accepts`):
an issued token expires, and then the full path answers 401.

Only what is certainly the same is answered from the cache: `GET` of a read operation,
no body, no header the contract or the mock's behaviour could react to (a `Prefer`, a
`Content-Type`...), and only `200` answers are kept. Anything else goes the full way.
The cache sits inside the request log and CORS, so those still see every request.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..data.contract import path_pattern

# Headers that cannot change an answer of the Leads API: transport, browser metadata, and
# CORS (`Origin`: the CORS middleware outside the cache adds its headers to every answer).
_IGNORED = frozenset(
    {
        b"host",
        b"user-agent",
        b"accept-encoding",
        b"accept-language",
        b"connection",
        b"keep-alive",
        b"origin",
        b"referer",
        b"cache-control",
        b"pragma",
        b"dnt",
        b"te",
        b"priority",
    }
)
# Headers that can change an answer, and so are part of the key.
_KEYED = (b"authorization", b"x-mycrm-expand-data", b"accept")

Key = tuple[str, bytes, tuple[tuple[bytes, bytes], ...]]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Least recently used answers, bounded in number and in bytes. Not thread-safe: it is
    used from the event loop only."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, tuple[Hashable, Answer]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def get(self, key: Key, version: Hashable) -> Answer | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found[1]

    def put(self, key: Key, version: Hashable, answer: Answer) -> None:
        if len(answer.body) > self.max_bytes:
            return
        self.discard(key)
        self._entries[key] = (version, answer)
        self._bytes += len(answer.body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= len(dropped.body)

    def discard(self, key: Key) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old[1].body)

    def __len__(self) -> int:
        return len(self._entries)


def read_paths(templates: Iterable[str]) -> re.Pattern[str]:
    """One pattern for the paths of the read operations: `/leads/{id}` -> `/leads/[^/]+`."""
    return re.compile("|".join(f"(?:{path_pattern(t)})" for t in templates))


def request_key(scope: Scope, paths: re.Pattern[str]) -> Key | None:
    """The cache key of a request, or None when it must go the full way."""
    if scope["type"] != "http" or scope["method"] != "GET" or not paths.fullmatch(scope["path"]):
        return None
    keyed = []
    for name, value in scope["headers"]:
        if name in _KEYED:
            keyed.append((name, value))
        elif not ignored_header(name, value):  # Prefer, Content-Type, a body, the unknown
            return None
    return scope["path"], scope.get("query_string", b""), tuple(sorted(keyed))


def _authorization(key: Key) -> bytes:
    return next((value for name, value in key[2] if name == b"authorization"), b"")


def ignored_header(name: bytes, value: bytes) -> bool:
    """Whether a request header cannot change the answer to a read."""
    if name in _IGNORED or name.startswith(b"sec-"):
        return True
    return name == b"content-length" and value.strip() == b"0"


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        paths: re.Pattern[str],
        version: Callable[[], Hashable],
        accepts: Callable[[bytes], bool] = lambda authorization: True,
    ) -> None:
        self.app = app
        self.cache = cache
        self.paths = paths
        self.version = version
        self.accepts = accepts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_key(scope, self.paths)
        if key is None:
            await self.app(scope, receive, send)
            return
        version = self.version()
        answer = self.cache.get(key, version)
        if answer is not None and self.accepts(_authorization(key)):
            await send(
                {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
            )
            await send({"type": "http.response.body", "body": answer.body})
            return
        start: Message = {}
        body: list[bytes] = []

        async def send_kept(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_kept)
        # Kept only if no write happened while it was computed: a write in between (the
        # control API's handlers run in threads) changes the version.
        if start.get("status") == 200 and self.version() == version:
            headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
            self.cache.put(key, version, Answer(200, headers, b"".join(body)))
