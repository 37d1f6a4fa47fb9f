"""Correct servers that chose differently: the mock changed in what the contract leaves open.

The mutants (`variants.py`) prove the suite catches what breaks the contract; these prove it
does not fail a server for what the contract allows. `test_tolerated.py` runs the suite's
quick profile through each variant alone and through all of them together, and requires it
to pass. Each changes one app instance only, as the mutants do (`build`), and some answers on
their way out (`rewriting`).

What the contract leaves open, and the variant for it:
- the precision of times and the form of UTC: second precision (`...T03:04:05Z`), and
  `+00:00` for `Z`;
- the bytes of a JSON answer: key order and whitespace;
- the wording of problems: `title`, `detail` and each error's `message`;
- headers the contract does not name, compression (gzip when the client accepts it), and
  `Connection: close` on every answer;
- the order of the arrays the contract leaves unordered: `errors` of a problem (D-37 fixes
  the order of a lead's arrays, D-17 and D-18 that of a list);
- ids: not consecutive, not starting at 1;
- other clients: a lead someone else creates between two pages of a listing.
`per_page`'s default (20) and maximum (100) are fixed by the contract (D-18): no variant.
"""

from __future__ import annotations

import copy
import gzip
import itertools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from connexion import AsyncApp
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import create_app
from mock_server.api.rights import Principal

from .variants import Rewrite, reanswering, rewriting

Variant = Callable[[AsyncApp, ASGIApp], ASGIApp]
_INSTANT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$")


@dataclass(frozen=True)
class Tolerated:
    name: str
    choice: str  # what the server chose that the contract leaves open
    wrap: Variant


TOLERATED: dict[str, Tolerated] = {}


def tolerated(name: str, choice: str) -> Callable[[Variant], Variant]:
    def register(wrap: Variant) -> Variant:
        TOLERATED[name] = Tolerated(name, choice, wrap)
        return wrap

    return register


def build(names: list[str], **options: Any) -> tuple[AsyncApp, ASGIApp]:
    """A new mock with the variants `names` applied, in order; and what to serve."""
    app = create_app(**options)
    served: ASGIApp = app
    for name in names:
        served = TOLERATED[name].wrap(app, served)
    return app, served


def _walk(node: Any, change: Callable[[Any], Any]) -> Any:
    node = change(node)
    if isinstance(node, dict):
        return {k: _walk(v, change) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, change) for v in node]
    return node


def _json_answers(change: Callable[[Any], Any]) -> Rewrite:
    def rewrite(scope: Scope, status: int, headers: Any, body: bytes) -> bytes:
        kind = dict(headers).get(b"content-type", b"")
        if not body or b"json" not in kind:
            return body
        return json.dumps(change(json.loads(body))).encode()

    return rewrite


def _times(form: Callable[[re.Match[str]], str]) -> Callable[[Any], Any]:
    def change(node: Any) -> Any:
        if isinstance(node, str) and (match := _INSTANT.match(node)):
            return form(match)
        return node

    return change


@tolerated("seconds", "times kept and answered to the second: `2026-01-02T03:04:05Z`")
def _seconds(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    # Kept to the second, not only shown so: a server that sorts by milliseconds it does not
    # show would order ties differently from what it answers.
    service = app.state.service
    clock = service.clock
    service.clock = lambda: clock().replace(microsecond=0)
    store = app.state.store

    def second(moment: datetime) -> datetime:
        return moment.replace(microsecond=0)

    seed = []
    for lead in store.all():
        kept = copy.copy(lead)
        kept["created_at"], kept["updated_at"] = (
            second(lead["created_at"]),
            second(lead["updated_at"]),
        )
        kept["notes"] = [{**n, "created_at": second(n["created_at"])} for n in lead["notes"]]
        seed.append(kept)
    store.reset(sorted(seed, key=lambda lead: lead["id"]))
    return rewriting(served, _json_answers(lambda body: _walk(body, _times(lambda m: m[1] + "Z"))))


@tolerated("offset", "UTC written `+00:00` rather than `Z`")
def _offset(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    form = _times(lambda m: f"{m[1]}{m[2] or ''}+00:00")
    return rewriting(served, _json_answers(lambda body: _walk(body, form)))


def _reordered(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _reordered(node[k]) for k in sorted(node, reverse=True)}
    if isinstance(node, list):
        return [_reordered(v) for v in node]
    return node


@tolerated("json-layout", "JSON keys in another order, indented with whitespace")
def _json_layout(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Any, body: bytes) -> bytes:
        kind = dict(headers).get(b"content-type", b"")
        if not body or b"json" not in kind:
            return body
        return json.dumps(_reordered(json.loads(body)), indent=3).encode() + b"\n"

    return rewriting(served, rewrite)


@tolerated("problem-wording", "problems worded otherwise: title, detail and messages")
def _problem_wording(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    def reword(body: Any) -> Any:
        if isinstance(body, dict) and "status" in body and "title" in body:
            body = {**body, "title": f"Problem {body['status']}", "detail": "See errors, if any."}
            if isinstance(body.get("errors"), list):
                body["errors"] = [{**e, "message": "invalid here"} for e in body["errors"]]
        return body

    return rewriting(served, _json_answers(reword))


@tolerated("errors-shuffled", "the `errors` of a problem in another order")
def _errors_shuffled(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    rnd = random.Random(7)

    def shuffle(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            errors = list(body["errors"])
            rnd.shuffle(errors)
            errors.reverse()  # never the same order for two or more
            body = {**body, "errors": errors}
        return body

    return rewriting(served, _json_answers(shuffle))


def _headers(
    served: ASGIApp, change: Callable[[Scope, list[Any], bytes], tuple[list[Any], bytes]]
) -> ASGIApp:
    """`served` with each answer's headers and body changed together."""
    return reanswering(served, lambda scope, status, headers, body: change(scope, headers, body))


@tolerated("extra-headers", "headers the contract does not name on every answer")
def _extra_headers(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    serial = itertools.count(1)

    def change(scope: Scope, headers: list[Any], body: bytes) -> tuple[list[Any], bytes]:
        extra = [
            (b"x-request-id", f"req-{next(serial)}".encode()),
            (b"x-powered-by", b"Leads/7.3"),
            (b"server-timing", b"app;dur=1.2"),
            (b"strict-transport-security", b"max-age=31536000"),
        ]
        return [*headers, *extra], body

    return _headers(served, change)


@tolerated("gzip", "answers compressed with gzip when the client accepts it")
def _gzip(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    def change(scope: Scope, headers: list[Any], body: bytes) -> tuple[list[Any], bytes]:
        accepts = dict(scope["headers"]).get(b"accept-encoding", b"")
        if not body or b"gzip" not in accepts:
            return headers, body
        return [
            *headers,
            (b"content-encoding", b"gzip"),
            (b"vary", b"Accept-Encoding"),
        ], gzip.compress(body)

    return _headers(served, change)


@tolerated("connection-close", "`Connection: close` on every answer")
def _connection_close(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    return _headers(
        served, lambda scope, headers, body: ([*headers, (b"connection", b"close")], body)
    )


@tolerated("sparse-ids", "lead ids neither consecutive nor from the seed's next: 50000, 50007...")
def _sparse_ids(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    store = app.state.store
    step = itertools.count(50_000, 7)

    def new_lead_id() -> int:
        return next(step)

    store.new_lead_id = new_lead_id
    return served


@tolerated("other-clients", "other clients create leads while the suite pages through a list")
def _other_clients(app: AsyncApp, served: ASGIApp) -> ASGIApp:
    body = json.loads(
        json.dumps(app.state.contract.document["components"]["examples"]["LeadWrite"]["value"])
    )
    admin = next(
        u for u in app.state.service.reference.users.values() if "lead.update.other" in u.rights
    )
    who = Principal(admin.id, admin.rights)

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/leads":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if query.get("page", "1") != "1":
                app.state.service.create_lead(who, body, expand=False)
        await served(scope, receive, send)

    return serve
