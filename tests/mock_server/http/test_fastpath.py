"""The fast path (`mock_server/http/fastpath.py`) of a get by id, a list, a create and a patch:
the full path's answer, byte for byte and header for header, and the full path for everything
it is not sure of. Two apps side by side, the same requests to each, in the same order."""

from __future__ import annotations

import copy
import json
import random
from typing import Any
from urllib.parse import quote

from connexion import AsyncApp

from mock_server import create_app
from mock_server.http.behaviour import Behaviour
from mock_server.http.fastpath import FastPathMiddleware

from ..conftest import FixedClock, layer_of, lead_write, leads_of


def _fast_path(app: AsyncApp) -> FastPathMiddleware | None:
    return layer_of(app, FastPathMiddleware)


_TOKENS = ["admin-token", "agent-token", "reader-token", "norights-token", "nobody", ""]
_EXPAND = [None, "true", "false", "TRUE", "False", "yes", " true"]
_IDS = ["1", "2", "3", "7", "250", "299", "300", "301", "99999", "0", "01", "+2", "-1", "abc",
        "123456789012345678901234"]  # fmt: skip


def _headers(rng: random.Random, plain: bool) -> dict[str, str]:
    """A bearer token and perhaps the expand header: plainly well-formed, or anything."""
    if plain:
        headers = {"Authorization": f"Bearer {rng.choice(['admin-token', 'agent-token'])}"}
        if rng.random() < 0.4:
            headers["X-MyCRM-Expand-Data"] = rng.choice(["true", "false"])
        return headers
    headers = {}
    if rng.random() < 0.9:
        scheme = rng.choice(["Bearer ", "Bearer ", "Bearer ", "bearer ", "Basic "])
        headers["Authorization"] = scheme + rng.choice(_TOKENS)
    expand = rng.choice(_EXPAND)
    if expand is not None:
        headers["X-MyCRM-Expand-Data"] = expand
    roll = rng.random()
    if roll < 0.1:
        headers["Prefer"] = rng.choice(["code=404", "code=400", "delay=0"])
    elif roll < 0.2:
        headers["Accept"] = rng.choice(["text/html", "application/json", "*/*", "image/png"])
    elif roll < 0.25:
        headers["Cookie"] = "a=b"
    return headers


def _get(rng: random.Random, lead_ids: list[int]) -> tuple[str, dict[str, str]]:
    plain = rng.random() < 0.5
    lead = str(rng.choice(lead_ids)) if plain or rng.random() < 0.6 else rng.choice(_IDS)
    path = f"/leads/{lead}"
    if not plain and rng.random() < 0.1:
        path += "?per_page=3"
    return path, _headers(rng, plain)


# Query parameters of a list: (key, value) pairs, well-formed ones and the others.
_GOOD = [
    ("filters[status]", "prospect"), ("filters[status]", "qualified"),
    ("filters[source]", "portal"), ("filters[quality]", "good"), ("filters[user]", "4"),
    ("filters[city]", "dubai"), ("filters[query]", "ali"), ("filters[name]", "an"),
    ("filters[wishlist][locations]", "are.3"), ("filters[wishlist][locations]", "are.1,are.3"),
    ("filters[wishlist][locations][]", "are.3.1200"), ("filters[wishlist][from_price]", "5000"),
    ("filters[created]", "current_year"), ("filters[created][from]", "2016-01-01"),
    ("filters[lead_fields][1]", "2 pets"), ("filters[excluded_user]", "1"),
    ("sort", "created"), ("sort", "last_name"), ("sort", "price"), ("sort", "status"),
    ("sort_order", "DESC"), ("sort_order", "ASC"), ("page", "2"), ("page", "1"),
    ("per_page", "5"), ("per_page", "100"), ("per_page", "020"),
]  # fmt: skip
_BAD = [
    ("filters[colour]", "blue"), ("colour", "blue"), ("per_page", "0"), ("per_page", "101"),
    ("page", "abc"), ("page", "-1"), ("sort", "bogus"), ("sort_order", "desc"),
    ("filters[created][from]", "soon"), ("filters[created]", "someday"),
    ("filters[status]", "nosuch"), ("filters[status", "x"), ("filters[wishlist]", ""),
    ("filters[wishlist][locations]", ""), ("filters[user]", "x"), ("filters", "x"),
    ("filters[source]", "portal&filters[channel]=facebook"),
    ("filters[a][b][c][d][e][f][g][h][i]", "1"),
    ("sort[x]", "id"), ("filters[wishlist][nope]", "1"), ("filters[lead_fields][999]", "x"),
]  # fmt: skip


def _query(pairs: list[tuple[str, str]], rng: random.Random) -> str:
    encode = rng.random() < 0.5  # brackets as a browser sends them, or as curl -g does
    parts = []
    for key, value in pairs:
        if "&" in value:  # two pairs written as one on purpose
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{quote(key) if encode else key}={quote(value, safe=',')}")
    return "&".join(parts)


def _list(rng: random.Random) -> tuple[str, dict[str, str]]:
    plain = rng.random() < 0.6
    count = rng.randint(0, 5)
    pairs = rng.sample(_GOOD, count)
    if not plain:
        pairs += rng.sample(_BAD, rng.randint(0, 2))
        if rng.random() < 0.2 and pairs:
            pairs.append(rng.choice(pairs))  # a key given twice
    query = _query(pairs, rng)
    return "/leads" + (f"?{query}" if query or rng.random() < 0.5 else ""), _headers(rng, plain)


_NASTY: list[Any] = [
    None,
    "",
    "x",
    0,
    -1,
    1.5,
    "AE\n",
    "2020-02-30",
    [],
    {},
    "nosuch",
    2**70,
    "\ud800",
]


def _mutated(body: Any, rng: random.Random) -> Any:
    body = copy.deepcopy(body)
    node = body
    while isinstance(node, dict | list) and node and rng.random() < 0.7:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = rng.choice(keys)
        if rng.random() < 0.4 or not isinstance(node[key], dict | list):
            if rng.random() < 0.2 and isinstance(node, dict):
                del node[key]
            else:
                node[key] = copy.deepcopy(rng.choice(_NASTY))
            return body
        node = node[key]
    return body


def _create(rng: random.Random) -> tuple[bytes, dict[str, str]]:
    plain = rng.random() < 0.6
    changes: dict[str, Any] = {
        "status": rng.choice(["prospect", "qualified"]),
        "user": rng.choice([1, 4, 6]),
    }
    if rng.random() < 0.15:
        changes["source_channel"] = "facebook"  # a channel of another source: 422
    if rng.random() < 0.1:
        changes["user"] = 999  # an unknown user: 422
    body: Any = lead_write(**changes)
    if not plain:
        body = _mutated(body, rng)
    raw = json.dumps(body).encode()
    if not plain and rng.random() < 0.1:
        raw = rng.choice([b"{", b"null", b"[]", b'{"lead": NaN}', "\ufeff{}".encode(), b"\xff"])
    headers = {**_headers(rng, plain), "Content-Type": "application/json"}
    if not plain and rng.random() < 0.2:
        headers["Content-Type"] = rng.choice(
            ["application/json; charset=utf-8", "text/plain", "application/merge-patch+json"]
        )
    return raw, headers


def _patch(rng: random.Random, lead_ids: list[int]) -> tuple[str, bytes, dict[str, str]]:
    plain = rng.random() < 0.6
    operations = [
        {"op": "replace", "path": "/status", "value": rng.choice(["prospect", "notReady"])}
    ]
    if rng.random() < 0.3:
        operations.append(
            {"op": "add", "path": "/assignment/property", "value": rng.choice([3, 99999])}
        )
    if rng.random() < 0.2:
        operations.append(
            {"op": "replace", "path": "/assignment/user", "value": rng.choice(["4", 6, 999])}
        )
    body: Any = {"operations": operations}
    if not plain:
        body = _mutated(body, rng)
    lead = str(rng.choice(lead_ids)) if plain or rng.random() < 0.7 else rng.choice(_IDS)
    headers = {**_headers(rng, plain), "Content-Type": "application/json"}
    headers.pop("X-MyCRM-Expand-Data", None) if plain else None
    return f"/leads/{lead}", json.dumps(body).encode(), headers


def test_the_fast_path_answers_what_the_full_path_answers() -> None:
    fast_app = create_app(clock=FixedClock(), response_cache=False)
    fast = fast_app.test_client()
    # The full path, with every answer checked against the contract besides.
    full_app = create_app(clock=FixedClock(), validate_responses=True, response_cache=False)
    full = full_app.test_client()
    assert _fast_path(full_app) is None
    rng = random.Random(11)
    lead_ids = [1, 2, 3, *leads_of(4)[:4]]
    for step in range(1500):
        roll = rng.random()
        content: bytes | None = None
        if roll < 0.25:
            method, (path, headers) = "GET", _get(rng, lead_ids)
        elif roll < 0.55:
            method, (path, headers) = "GET", _list(rng)
        elif roll < 0.75:
            method, path, (content, headers) = "POST", "/leads", _create(rng)
        elif roll < 0.97:
            method, (path, content, headers) = "PATCH", _patch(rng, lead_ids)
        else:
            method, path, content = "DELETE", f"/leads/{rng.choice(lead_ids)}", None
            headers = {"Authorization": "Bearer admin-token"}
        a = fast.request(method, path, content=content, headers=headers)
        b = full.request(method, path, content=content, headers=headers)
        where = (step, method, path, headers, content)
        assert (a.status_code, a.content) == (b.status_code, b.content), where
        assert sorted(a.headers.items()) == sorted(b.headers.items()), where
        if method == "POST" and a.status_code == 201:
            lead_ids.append(a.json()["lead"]["id"])
    layer = _fast_path(fast_app)
    assert layer is not None
    # The comparison covered each kind of request the fast path answers.
    assert (
        min(layer.served[op] for op in ("get_lead", "list_leads", "create_lead", "patch_lead")) > 60
    ), layer.served


def test_repeated_headers_take_the_full_path() -> None:
    app = create_app(response_cache=False)
    layer = _fast_path(app)
    assert layer is not None
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/leads/1",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer admin-token")] * 2,
    }
    assert layer._read(scope) is None
    scope["headers"] = [(b"authorization", b"Bearer admin-token")]
    answer = layer._read(scope)
    assert answer is not None and answer[2].startswith(b'{"lead":{"id":1,')


def test_checked_answers_latency_or_faults_switch_the_fast_path_off() -> None:
    assert _fast_path(create_app(validate_responses=True)) is None
    assert _fast_path(create_app(behaviour=Behaviour(delay_ms=(1, 1)))) is None
    assert _fast_path(create_app(behaviour=Behaviour(fault_rate=0.5))) is None
