"""The fast path of `GET /leads/{id}` (`mock_server/http/fastpath.py`): the full path's answer,
byte for byte, and the full path for everything it is not sure of."""

from __future__ import annotations

import random
from typing import Any

from connexion import AsyncApp

from mock_server import create_app
from mock_server.http.behaviour import Behaviour
from mock_server.http.fastpath import FastReadMiddleware

from ..conftest import FixedClock, layer_of, leads_of


def _fast_path(app: AsyncApp) -> FastReadMiddleware | None:
    return layer_of(app, FastReadMiddleware)


_TOKENS = ["admin-token", "agent-token", "reader-token", "norights-token", "nobody", ""]
_EXPAND = [None, "true", "false", "TRUE", "False", "yes", " true"]
_IDS = ["1", "2", "3", "7", "250", "299", "300", "301", "99999", "0", "01", "+2", "-1", "abc",
        "123456789012345678901234"]  # fmt: skip


def _get(rng: random.Random, lead_ids: list[int]) -> tuple[str, dict[str, str]]:
    """A get-by-id: half plainly well-formed, half with what the fast path must leave alone."""
    if rng.random() < 0.5:
        plain = {"Authorization": f"Bearer {rng.choice(['admin-token', 'agent-token'])}"}
        if rng.random() < 0.5:
            plain["X-MyCRM-Expand-Data"] = rng.choice(["true", "false"])
        return f"/leads/{rng.choice(lead_ids)}", plain
    lead = str(rng.choice(lead_ids)) if rng.random() < 0.6 else rng.choice(_IDS)
    path = f"/leads/{lead}"
    headers: dict[str, str] = {}
    token = rng.choice(_TOKENS)
    if rng.random() < 0.9:
        scheme = rng.choice(["Bearer ", "Bearer ", "Bearer ", "bearer ", "Basic "])
        headers["Authorization"] = scheme + token
    expand = rng.choice(_EXPAND)
    if expand is not None:
        headers["X-MyCRM-Expand-Data"] = expand
    roll = rng.random()
    if roll < 0.05:
        path += "?per_page=3"
    elif roll < 0.1:
        headers["Prefer"] = "code=404"
    elif roll < 0.15:
        headers["Accept"] = rng.choice(["text/html", "application/json", "*/*"])
    return path, headers


def _write(rng: random.Random, lead_ids: list[int]) -> tuple[str, str, dict[str, Any] | None]:
    lead = rng.choice(lead_ids)
    if rng.random() < 0.8:
        status = rng.choice(["prospect", "qualified", "notReady"])
        body = {"operations": [{"op": "replace", "path": "/status", "value": status}]}
        return "PATCH", f"/leads/{lead}", body
    return "DELETE", f"/leads/{lead}", None


def test_the_fast_path_answers_what_the_full_path_answers(clock: FixedClock) -> None:
    fast_app = create_app(clock=clock, response_cache=False)
    fast = fast_app.test_client()
    # The full path, with every answer checked against the contract besides.
    full = create_app(clock=clock, validate_responses=True, response_cache=False).test_client()
    rng = random.Random(11)
    lead_ids = [1, 2, 3, *leads_of(4)[:4]]
    for step in range(600):
        if rng.random() < 0.08:
            method, path, body = _write(rng, lead_ids)
            admin = {"Authorization": "Bearer admin-token"}
            a = fast.request(method, path, json=body, headers=admin)
            b = full.request(method, path, json=body, headers=admin)
            assert a.status_code == b.status_code, step
            continue
        path, headers = _get(rng, lead_ids)
        a, b = fast.get(path, headers=headers), full.get(path, headers=headers)
        assert (a.status_code, a.content) == (b.status_code, b.content), (step, path, headers)
        assert sorted(a.headers.items()) == sorted(b.headers.items()), (step, path, headers)
    served = _fast_path(fast_app)
    assert served is not None and served.served > 100  # the comparison covered the fast path


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
    assert layer._answer(scope) is None
    scope["headers"] = [(b"authorization", b"Bearer admin-token")]
    answer = layer._answer(scope)
    assert answer is not None and answer.startswith(b'{"lead":{"id":1,')


def test_checked_answers_latency_or_faults_switch_the_fast_path_off() -> None:
    assert _fast_path(create_app(validate_responses=True)) is None
    assert _fast_path(create_app(behaviour=Behaviour(delay_ms=(1, 1)))) is None
    assert _fast_path(create_app(behaviour=Behaviour(fault_rate=0.5))) is None
