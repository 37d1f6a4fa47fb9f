"""The cache of read answers (`mock_server/http/cache.py`): a hit answers what the full path
would, and nothing that could change an answer is ever served from it."""

from __future__ import annotations

import random
from typing import Any

import pytest
from connexion import AsyncApp
from starlette.testclient import TestClient

from mock_server import create_app
from mock_server.http.behaviour import Behaviour
from mock_server.http.cache import (
    Answer,
    ResponseCache,
    ResponseCacheMiddleware,
    read_paths,
    request_key,
)

from ..conftest import EXPAND, FixedClock, auth, layer_of, lead_write, leads_of

LIST = "/leads?filters[status]=prospect&sort=created&sort_order=DESC&per_page=5"
PATHS = read_paths(["/leads", "/leads/{id}"])


def _scope(path: str = "/leads/1", method: str = "GET", **headers: str) -> dict[str, Any]:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "method": method, "path": path, "query_string": b"", "headers": raw}


def _cache_of(app: AsyncApp) -> ResponseCache | None:
    layer = layer_of(app, ResponseCacheMiddleware)
    return layer.cache if layer is not None else None


# The key


def test_a_get_of_a_read_path_has_a_key_made_of_what_the_answer_depends_on() -> None:
    plain = request_key(_scope(authorization="Bearer a"), PATHS)
    assert plain is not None
    assert request_key(_scope(authorization="Bearer b"), PATHS) != plain
    expanded = _scope(authorization="Bearer a", x_mycrm_expand_data="true")
    assert request_key(expanded, PATHS) != plain
    # Browser and transport headers do not change the answer, so they share the entry.
    browser = _scope(authorization="Bearer a", user_agent="x", origin="http://localhost:3000")
    assert request_key(browser, PATHS) == plain


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [
        ("/leads/1", "POST", {}),
        ("/leads/1", "DELETE", {}),
        ("/__mock/health", "GET", {}),
        ("/leads/1/extra", "GET", {}),
        ("/ui/", "GET", {}),
        ("/leads/1", "GET", {"prefer": "code=404"}),
        ("/leads", "GET", {"content_type": "application/json"}),
        ("/leads", "GET", {"content_length": "12"}),
        ("/leads", "GET", {"transfer_encoding": "chunked"}),
        ("/leads", "GET", {"x_something_new": "1"}),
    ],
)
def test_anything_that_could_change_the_answer_goes_the_full_way(
    path: str, method: str, headers: dict[str, str]
) -> None:
    assert request_key(_scope(path, method, authorization="Bearer a", **headers), PATHS) is None


# The store of answers


def _answer(size: int) -> Answer:
    return Answer(200, [], b"x" * size)


def test_an_answer_of_another_version_is_a_miss() -> None:
    cache = ResponseCache()
    key = ("/leads/1", b"", ())
    cache.put(key, 1, _answer(3))
    assert cache.get(key, 1) == _answer(3)
    assert cache.get(key, 2) is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_least_recently_used_answers_go_first_past_the_bounds() -> None:
    cache = ResponseCache(max_entries=2, max_bytes=10)
    a, b, c = (("/leads", q, ()) for q in (b"a", b"b", b"c"))
    cache.put(a, 0, _answer(4))
    cache.put(b, 0, _answer(4))
    assert cache.get(a, 0) is not None  # a is now the most recent
    cache.put(c, 0, _answer(1))  # three entries: b goes
    assert cache.get(b, 0) is None and cache.get(a, 0) is not None and len(cache) == 2
    cache.put(b, 0, _answer(9))  # 4 + 1 + 9 bytes > 10: the oldest go until it fits
    assert cache.get(b, 0) is not None and len(cache) == 1
    cache.put(a, 0, _answer(11))  # larger than the whole cache: not kept
    assert cache.get(a, 0) is None


# Through the app


def test_a_repeated_read_is_a_hit_with_the_same_bytes(app: AsyncApp, client: TestClient) -> None:
    cache = _cache_of(app)
    assert cache is not None
    for path in ("/leads/1", LIST):
        first = client.get(path, headers=auth())
        hits = cache.hits
        second = client.get(path, headers=auth())
        assert cache.hits == hits + 1
        assert (second.status_code, second.content) == (200, first.content)
        assert second.headers["content-type"] == first.headers["content-type"]


def test_a_write_makes_every_read_fresh(app: AsyncApp, client: TestClient) -> None:
    before = client.get("/leads/1", headers=auth()).json()["lead"]
    listed = client.get("/leads?filters[id]=1", headers=auth()).json()
    new_status = "qualified" if before["status"] != "qualified" else "prospect"
    patch = {"operations": [{"op": "replace", "path": "/status", "value": new_status}]}
    assert client.patch("/leads/1", json=patch, headers=auth()).status_code == 204
    assert client.get("/leads/1", headers=auth()).json()["lead"]["status"] == new_status
    relisted = client.get("/leads?filters[id]=1", headers=auth()).json()
    assert relisted["leads"][0]["status"] == new_status != listed["leads"][0]["status"]


def test_a_created_lead_is_found_where_a_404_was_answered(client: TestClient) -> None:
    next_id = client.app.state.store.counters()["lead"]  # type: ignore[attr-defined]
    assert client.get(f"/leads/{next_id}", headers=auth()).status_code == 404
    assert client.post("/leads", json=lead_write(), headers=auth()).status_code == 201
    assert client.get(f"/leads/{next_id}", headers=auth()).status_code == 200


def test_each_token_reads_its_own_answer(client: TestClient) -> None:
    admin = client.get("/leads?per_page=100", headers=auth()).json()
    agent = client.get("/leads?per_page=100", headers=auth("agent-token")).json()
    assert agent["count"] == len(leads_of(4)) < admin["count"]
    assert client.get("/leads/1", headers=auth("unknown-token")).status_code == 401


def test_the_expand_header_has_its_own_answer(client: TestClient) -> None:
    plain = client.get("/leads/1", headers=auth()).json()["lead"]
    expanded = client.get("/leads/1", headers={**auth(), **EXPAND}).json()["lead"]
    assert plain != expanded


def test_a_forced_answer_is_never_served_from_the_cache(client: TestClient) -> None:
    assert client.get("/leads/1", headers=auth()).status_code == 200
    forced = client.get("/leads/1", headers={**auth(), "Prefer": "code=404"})
    assert forced.status_code == 404


def test_a_reset_makes_reads_fresh(client: TestClient) -> None:
    assert client.delete("/leads/1", headers=auth()).status_code == 204
    assert client.get("/leads/1", headers=auth()).status_code == 404
    assert client.post("/__mock/reset").status_code == 200
    assert client.get("/leads/1", headers=auth()).status_code == 200


def test_date_filters_follow_the_clock(client: TestClient, clock: FixedClock) -> None:
    path = "/leads?filters[created]=today&per_page=1"
    assert client.get(path, headers=auth()).json()["count"] == 0
    created = client.post("/leads", json=lead_write(), headers=auth())
    assert created.status_code == 201
    assert client.get(path, headers=auth()).json()["count"] == 1
    clock.advance(days=1)  # no write, only another day: yesterday's lead is not today's
    assert client.get(path, headers=auth()).json()["count"] == 0


def test_latency_or_faults_switch_the_cache_off() -> None:
    assert _cache_of(create_app(behaviour=Behaviour(delay_ms=(1, 1)))) is None
    assert _cache_of(create_app(behaviour=Behaviour(fault_rate=0.5))) is None
    assert _cache_of(create_app(response_cache=False)) is None


def _request(rng: random.Random, lead_ids: list[int]) -> tuple[str, str, dict[str, Any]]:
    """A read, mostly, or a write, over a few leads so that reads repeat."""
    lead = rng.choice(lead_ids)
    token = rng.choice(["admin-token", "agent-token", "reader-token"])
    roll = rng.random()
    if roll < 0.06:
        status = rng.choice(["prospect", "qualified", "notReady"])
        body = {"operations": [{"op": "replace", "path": "/status", "value": status}]}
        return "PATCH", f"/leads/{lead}", {"token": token, "json": body}
    if roll < 0.08:
        return "POST", "/leads", {"token": token, "json": lead_write()}
    if roll < 0.09:
        return "DELETE", f"/leads/{lead}", {"token": token}
    if roll < 0.6:
        return "GET", f"/leads/{lead}", {"token": token, "expand": rng.random() < 0.3}
    status = rng.choice(["prospect", "qualified", "notReady"])
    return "GET", f"/leads?filters[status]={status}&sort=status&per_page=50", {"token": token}


def _send(client: TestClient, method: str, path: str, options: dict[str, Any]) -> Any:
    headers = auth(options["token"])
    if options.get("expand"):
        headers.update(EXPAND)
    return client.request(method, path, json=options.get("json"), headers=headers)


def test_answers_with_and_without_the_cache_are_the_same(clock: FixedClock) -> None:
    """The same requests, reads and writes interleaved, to a mock with the cache and to one
    without: every answer is the same, byte for byte."""
    cached = create_app(clock=clock).test_client()
    computed = create_app(clock=clock, response_cache=False).test_client()
    rng = random.Random(7)
    lead_ids = [1, 2, 3, *leads_of(4)[:3]]
    for step in range(400):
        method, path, options = _request(rng, lead_ids)
        a, b = _send(cached, method, path, options), _send(computed, method, path, options)
        assert (a.status_code, a.content) == (b.status_code, b.content), (step, method, path)
    cache = _cache_of(cached.app)
    assert cache is not None and cache.hits > 50  # the comparison covered answers from the cache
