"""The commonest requests of a frontend answered without Connexion's request path when the
contract leaves nothing to check that this module does not check the same way: a get by id,
a list, a create and a status patch each took 0.3 to 0.7 ms in Connexion's routing, security,
parameter and body handling against 0.01 to 0.15 ms in the service (docs/profile-notes.md).

A request takes this path only when its outcome is certain:

- the method and a path of `GET /leads/{id}`, `GET /leads`, `POST /leads` or
  `PATCH /leads/{id}` (from the contract), the id canonical (`[1-9][0-9]*`);
- a known bearer token, each of `Authorization`, `Accept`, `X-MyCRM-Expand-Data` at most once
  (the latter spelt `true` or `false`, and only where the operation declares it), no header
  but those and what `cache.ignored_header` lets through (no `Prefer`, no `Cookie`...);
- a list's query string parsed by the same parser (`query.BracketQueryParser`) from the
  same parameter definitions as Connexion's (its refs resolved the same way), every
  parameter known (strict validation) and valid by the same validators
  (`validators.parameter_errors`);
- a body with `Content-Type: application/json` exactly and a `Content-Length`, decoded as
  UTF-8 and parsed by `json.loads` as the full path parses it, accepted by the compiled
  check (`validators.compiled_check`) of the operation's schema, which accepts only what
  the full path's validator accepts;
- the service answering without an error.

Anything else takes the full path, errors included (a write the service refused is asked
again there: a refused write changes nothing, D-20), so every error is still built in one
place and every rule checked there. The answer is the one the full path gives, byte for byte
and header for header (`tests/mock_server/http/test_fastpath.py` compares them over
generated requests). What this path skips: Connexion's routing (the regular expressions of
the contract's paths instead), its security middleware (the same token lookup,
`MockState.token_info`), its parameter decorator (the handlers' defaults from the contract),
its response serialisation (the same bytes, `render.lead_document`/`list_document`), and the
`Prefer`/latency middleware (a `Prefer` header takes the full path). Off when answers are
validated against the contract (`--validate-responses`, the tests), which needs the full
path, and with a configured latency or faults.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from connexion.json_schema import resolve_refs
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api.errors import ApiError
from ..api.render import lead_document, list_document
from ..api.rights import Principal
from ..api.service import ListQuery
from ..data.contract import Contract, path_pattern
from .cache import ignored_header
from .handlers import created_headers, json_body
from .query import BracketQueryParser
from .state import MockState
from .validators import compiled_check, parameter_errors, parameter_validators, passes_compiled

logger = logging.getLogger("mock_server")
# Leading zeros or a sign are the full path's to decide (they address the same lead there).
_ID = "([1-9][0-9]{0,17})"
_EXPAND = {b"true": True, b"false": False}
_ACCEPTED = (b"*/*", b"application/json")
_BEARER = b"Bearer "
_ONCE = frozenset({b"authorization", b"x-mycrm-expand-data", b"accept", b"content-type",
                   b"content-length"})  # fmt: skip
_JSON = b"application/json"

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]


def _json_headers(body: bytes, extra: Headers = ()) -> Headers:  # type: ignore[assignment]
    # In the order Starlette's Response writes them (given ones, length, type).
    return [*extra, (b"content-length", str(len(body)).encode()), (b"content-type", _JSON)]


class _Caller:
    """What the headers of a request say, when they leave nothing for the full path."""

    __slots__ = ("expand", "length", "who")

    def __init__(self, who: Principal, expand: bool, length: int | None) -> None:
        self.who = who
        self.expand = expand
        self.length = length


class _ListQueries:
    """`GET /leads`'s query string as Connexion reads it, or None where it would refuse it."""

    def __init__(self, operation: dict[str, Any]) -> None:
        params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        self.params = {p["name"]: p for p in params}
        self.parser = BracketQueryParser(params, {})
        self.validators = parameter_validators()
        self.defaults = {
            name: p["schema"]["default"]
            for name, p in self.params.items()
            if "default" in p["schema"]
        }

    def read(self, query_string: bytes) -> ListQuery | None:
        args = QueryParams(query_string)  # what Starlette hands Connexion
        try:
            parsed = self.parser.resolve_query({k: args.getlist(k) for k in args})
        except Exception:  # an InvalidRequest (400) or a surprise: the full path's to answer
            return None
        if not set(parsed) <= set(self.params):  # strict validation: an unknown parameter
            return None
        for name, param in self.params.items():
            if parameter_errors(self.validators, "query", param, parsed.get(name)):
                return None
        given = {**self.defaults, **parsed}
        return ListQuery(
            given.get("filters"),
            given["sort"],
            given["sort_order"],
            given["page"],
            given["per_page"],
        )


class FastPathMiddleware:
    def __init__(self, app: ASGIApp, state: MockState, contract: Contract) -> None:
        self.app = app
        self.state = state
        ops = contract.operations
        self._get = re.compile(path_pattern(ops["get_lead"][1], _ID))
        self._patch = re.compile(path_pattern(ops["patch_lead"][1], _ID))
        self._list = ops["list_leads"][1]
        self._create = ops["create_lead"][1]
        resolved = resolve_refs(contract.document)  # as Connexion resolves the contract

        def operation(operation_id: str) -> dict[str, Any]:
            method, path, _ = ops[operation_id]
            found: dict[str, Any] = resolved["paths"][path][method.lower()]
            return found

        def body_check(operation_id: str) -> Any:
            schema = operation(operation_id)["requestBody"]["content"]["application/json"]
            # With the components attached, as Connexion hands it (`with_definitions`).
            return compiled_check({**schema["schema"], "components": resolved["components"]})

        self._queries = _ListQueries(operation("list_leads"))
        self._create_check = body_check("create_lead")
        self._patch_check = body_check("patch_lead")
        self.served: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        answer: Answer | None = None
        if method == "GET":
            answer = self._guarded(self._read, scope)
        elif method in ("POST", "PATCH"):
            target = self._write_target(scope)
            if target is not None:
                raw, receive = await _read_body(receive, target[1].length)
                if raw is not None:
                    answer = self._guarded(lambda s: self._write(s, target, raw), scope)
        if answer is None:
            await self.app(scope, receive, send)
            return
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _guarded(self, answer: Callable[[Scope], Answer | None], scope: Scope) -> Answer | None:
        try:
            return answer(scope)
        except ApiError:  # 403, 404, 422: the full path answers them, from the one builder
            return None
        except Exception:  # a bug here must not cost the answer: the full path reports it
            logger.exception("fast path failed on %s; taking the full path", scope.get("path"))
            return None

    def _caller(self, scope: Scope, *, expand: bool, body: bool) -> _Caller | None:
        """Who asks, from headers that leave nothing to the full path; else None.
        `expand`: the operation declares the expand header; `body`: it takes a JSON body."""
        token: bytes | None = None
        expanded = False
        length: int | None = None
        typed = False
        seen: set[bytes] = set()
        for name, value in scope["headers"]:
            if name in seen and name in _ONCE:
                return None  # repeated: the full path decides what that means
            seen.add(name)
            if name == b"authorization":
                if not value.startswith(_BEARER):
                    return None
                token = value[len(_BEARER) :]
            elif name == b"x-mycrm-expand-data":
                if not expand or value not in _EXPAND:
                    return None
                expanded = _EXPAND[value]
            elif name == b"accept":
                if not any(wanted in value for wanted in _ACCEPTED):
                    return None
            elif body and name == b"content-type":
                if value != _JSON:
                    return None
                typed = True
            elif body and name == b"content-length":
                if not value.isdigit():
                    return None
                length = int(value)
            elif not ignored_header(name, value):
                return None
        if token is None or (body and (not typed or length is None)):
            return None
        info = self.state.token_info(token.decode("latin-1"))
        if info is None:
            return None
        return _Caller(Principal(user_id=info["user_id"], rights=info["rights"]), expanded, length)

    # Reads

    def _read(self, scope: Scope) -> Answer | None:
        path = scope["path"]
        query = scope.get("query_string", b"")
        if path == self._list:
            caller = self._caller(scope, expand=True, body=False)
            wanted = self._queries.read(query) if caller is not None else None
            if caller is None or wanted is None:
                return None
            answer = self.state.service.list_leads(caller.who, wanted, expand=caller.expand)
            self.served["list_leads"] += 1
            return _ok(json_body(list_document(answer)))
        match = self._get.fullmatch(path)
        if match is None or query:
            return None
        caller = self._caller(scope, expand=True, body=False)
        if caller is None:
            return None
        lead = self.state.service.get_lead(caller.who, int(match.group(1)), expand=caller.expand)
        self.served["get_lead"] += 1
        return _ok(json_body(lead_document(lead)))

    # Writes

    def _write_target(self, scope: Scope) -> tuple[str, _Caller, int | None] | None:
        """The write a request is, and who asks: before its body is read."""
        if scope.get("query_string"):
            return None
        path = scope["path"]
        if scope["method"] == "POST" and path == self._create:
            operation, lead_id = "create_lead", None
        elif scope["method"] == "PATCH" and (match := self._patch.fullmatch(path)):
            operation, lead_id = "patch_lead", int(match.group(1))
        else:
            return None
        caller = self._caller(scope, expand=operation == "create_lead", body=True)
        return (operation, caller, lead_id) if caller is not None else None

    def _write(
        self, scope: Scope, target: tuple[str, _Caller, int | None], raw: bytes
    ) -> Answer | None:
        operation, caller, lead_id = target
        try:
            body = json.loads(raw.decode("utf-8"))  # as the full path's body validator does
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        service = self.state.service
        if operation == "create_lead":
            if not passes_compiled(self._create_check, body):
                return None
            lead = service.create_lead(caller.who, body, expand=caller.expand)
            self.served[operation] += 1
            document = json_body(lead_document(lead))
            location = created_headers(lead.id)["Location"].encode()
            return 201, _json_headers(document, [(b"location", location)]), document
        if not passes_compiled(self._patch_check, body):
            return None
        assert lead_id is not None
        service.patch_lead(caller.who, lead_id, body)
        self.served[operation] += 1
        return 204, [], b""


def _ok(body: bytes) -> Answer:
    return 200, _json_headers(body), body


async def _read_body(receive: Receive, length: int | None) -> tuple[bytes | None, Receive]:
    """The whole body, and a `receive` that hands it again to the full path. None as the
    body when it did not arrive as declared (the full path then sees what happened)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    replayed = iter(messages)

    async def replay() -> Message:
        for message in replayed:
            return message
        return await receive()

    complete = messages[-1]["type"] == "http.request" and not messages[-1].get("more_body")
    raw = b"".join(chunks)
    return (raw if complete and len(raw) == length else None), replay
