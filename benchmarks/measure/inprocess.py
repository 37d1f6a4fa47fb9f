"""Requests answered by the app in this process (an ASGI call, no server, no socket): the cost
of the mock's own path, one request at a time, without the HTTP server and the load
generator that share the two cores under wrk."""

from __future__ import annotations

import asyncio
import cProfile
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .load import TOKEN

Request = tuple[str, str, bytes]  # method, path with its query string, body


async def call(app: Any, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    path, _, query = target.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {TOKEN}".encode())]
    if body:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]  # fmt: skip
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def timed(
    app: Any, request: Callable[[int], Request], repeat: int, profile: Path | None = None
) -> dict[str, Any]:
    """Median and p95 of `repeat` requests (`request(i)` gives the i-th); with `profile`,
    the same again under cProfile, written there."""
    loop = asyncio.new_event_loop()

    async def run(count: int, samples: list[float]) -> None:
        for i in range(count):
            method, target, body = request(i)
            started = time.perf_counter()
            status, answer = await call(app, method, target, body)
            samples.append((time.perf_counter() - started) * 1000)
            if status >= 300:
                raise RuntimeError(f"{method} {target} answered {status}: {answer[:300]!r}")

    try:
        loop.run_until_complete(run(3, []))  # first requests build what later ones reuse
        samples: list[float] = []
        loop.run_until_complete(run(repeat, samples))
        if profile is not None:
            profiler = cProfile.Profile()
            profiler.enable()
            loop.run_until_complete(run(repeat, []))
            profiler.disable()
            profiler.dump_stats(str(profile))
    finally:
        loop.close()
    ordered = sorted(samples)
    return {
        "n": repeat,
        "median_ms": statistics.median(samples),
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)],
    }
