"""The operations' semantics (mock_server/api/service.py): bulk patch and bulk delete through HTTP,
the order of checks and the write rules on the service itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server import create_app
from mock_server.api.errors import ApiError
from mock_server.api.filters import compile_filters
from mock_server.api.listing import sort_leads
from mock_server.api.rights import Principal
from mock_server.api.service import ListQuery

from ..conftest import (
    EVERY_RIGHT,
    NOW,
    FixedClock,
    auth,
    full_listing,
    lead_write,
    leads_of,
    problem,
    raw_fixture,
)

if TYPE_CHECKING:
    from connexion import AsyncApp
    from starlette.testclient import TestClient

ALL_IDS = sorted(lead["id"] for lead in raw_fixture("leads.json"))
AGENT_LEADS = leads_of(4)  # agent-token


def _op(op: str, path: str, value: Any) -> dict[str, Any]:
    return {"op": op, "path": path, "value": value}


def _bulk(client: TestClient, *ops: dict[str, Any], token: str = "admin-token") -> Any:
    return client.patch("/leads", json={"operations": list(ops)}, headers=auth(token))


def _by_id(app: AsyncApp) -> dict[int, dict[str, Any]]:
    return {lead["id"]: lead for lead in full_listing(app)}


def _bulk_delete(client: TestClient, body: Any, token: str = "admin-token") -> Any:
    if body is None:
        return client.request("DELETE", "/leads", headers=auth(token))
    return client.request("DELETE", "/leads", json=body, headers=auth(token))


# Bulk patch (D-11)


def test_bulk_patch_with_ids_changes_those_leads_only(app: AsyncApp, client: TestClient) -> None:
    before = _by_id(app)
    ops = [
        _op("replace", "/1/status", "qualified"),
        _op("replace", "/2/assignment/user", "6"),
        _op("add", "/3/assignment/property", 3),
        _op("remove", "/2/assignment/property", 50),
    ]
    assert _bulk(client, *ops).status_code == 204
    after = _by_id(app)
    assert after[1]["status"] == "qualified"
    assert after[2]["user"]["id"] == 6 and 50 not in after[2]["properties"]
    assert after[3]["properties"] == [*before[3]["properties"], 3]
    assert {k: v for k, v in after.items() if k not in (1, 2, 3)} == {
        k: v for k, v in before.items() if k not in (1, 2, 3)
    }


def test_bulk_wildcard_with_every_right_changes_every_lead(
    app: AsyncApp, client: TestClient
) -> None:
    assert _bulk(client, _op("replace", "/*/status", "qualified")).status_code == 204
    assert {lead["status"] for lead in full_listing(app)} == {"qualified"}
    assert len(full_listing(app)) == len(ALL_IDS)


def test_bulk_wildcard_without_other_right_changes_the_callers_leads(
    app: AsyncApp, client: TestClient
) -> None:
    before = _by_id(app)
    ops = [_op("replace", "/*/status", "contractSigned"), _op("add", "/*/assignment/mls", 112345)]
    assert _bulk(client, *ops, token="agent-token").status_code == 204
    after = _by_id(app)
    for lead_id in AGENT_LEADS:
        assert after[lead_id]["status"] == "contractSigned"
        assert 112345 in after[lead_id]["mls"]
    others = set(ALL_IDS) - set(AGENT_LEADS)
    assert {i: after[i] for i in others} == {i: before[i] for i in others}


def test_bulk_operations_apply_in_order(app: AsyncApp, client: TestClient) -> None:
    ops = [
        _op("replace", "/*/assignment/user", 6),
        _op("replace", "/5/assignment/user", 7),
        _op("replace", "/5/status", "qualified"),
        _op("replace", "/*/status", "prospect"),
    ]
    assert _bulk(client, *ops).status_code == 204
    after = _by_id(app)
    assert after[5]["user"]["id"] == 7
    assert {lead["user"]["id"] for i, lead in after.items() if i != 5} == {6}
    assert {lead["status"] for lead in after.values()} == {"prospect"}


@pytest.mark.parametrize(
    ("ops", "token", "status"),
    [
        (
            [
                _op("replace", "/1/status", "qualified"),
                _op("replace", "/999999/status", "qualified"),
            ],
            "admin-token",
            404,
        ),
        (
            [
                _op("replace", "/*/status", "qualified"),
                _op("replace", "/999999/status", "qualified"),
            ],
            "admin-token",
            404,
        ),
        (
            [
                _op("replace", f"/{AGENT_LEADS[0]}/status", "qualified"),
                _op("replace", "/1/status", "qualified"),
            ],
            "agent-token",
            403,
        ),
        (
            [_op("replace", "/*/status", "qualified"), _op("replace", "/*/assignment/user", 5)],
            "agent-token",
            403,
        ),
        (
            [_op("replace", "/*/status", "qualified"), _op("add", "/1/assignment/mls", 1)],
            "admin-token",
            422,
        ),
        (
            [_op("replace", "/*/status", "qualified"), _op("replace", "/status", "qualified")],
            "admin-token",
            400,
        ),
    ],
)
def test_bulk_patch_is_atomic(
    app: AsyncApp, client: TestClient, ops: list[dict[str, Any]], token: str, status: int
) -> None:
    before = full_listing(app)
    problem(_bulk(client, *ops, token=token), status)
    assert full_listing(app) == before


def test_bulk_patch_names_every_unknown_lead(client: TestClient) -> None:
    ops = [
        _op("replace", "/999999/status", "qualified"),
        _op("replace", "/888888/status", "qualified"),
    ]
    detail = problem(_bulk(client, *ops), 404)["detail"]
    assert "999999" in detail and "888888" in detail


# Bulk delete (D-12, D-13)


def test_bulk_delete_deletes_the_listed_leads(app: AsyncApp, client: TestClient) -> None:
    assert _bulk_delete(client, {"leads": [1, 2, 3, 2, 1]}).status_code == 204
    assert [lead["id"] for lead in full_listing(app)] == ALL_IDS[3:]


@pytest.mark.parametrize(
    ("ids", "token", "status"),
    [
        ([1, 2, 999999], "admin-token", 404),
        ([999999, 999999], "admin-token", 404),
        ([AGENT_LEADS[0], 1], "agent-token", 403),
        ([1], "reader-token", 403),
    ],
)
def test_bulk_delete_is_atomic(
    app: AsyncApp, client: TestClient, ids: list[int], token: str, status: int
) -> None:
    before = full_listing(app)
    problem(_bulk_delete(client, {"leads": ids}, token), status)
    assert full_listing(app) == before


@pytest.mark.parametrize("body", [None, {}, {"leads": []}])
def test_bulk_delete_without_ids_deletes_every_lead_the_caller_may(
    app: AsyncApp, client: TestClient, body: Any
) -> None:
    assert _bulk_delete(client, body).status_code == 204
    assert full_listing(app) == []


@pytest.mark.parametrize("body", [None, {}, {"leads": []}])
def test_bulk_delete_without_ids_and_without_other_right_deletes_own_leads(
    app: AsyncApp, client: TestClient, body: Any
) -> None:
    before = _by_id(app)
    assert _bulk_delete(client, body, token="agent-token").status_code == 204
    after = _by_id(app)
    assert after == {i: lead for i, lead in before.items() if i not in AGENT_LEADS}
    assert client.get("/leads", headers=auth("agent-token")).json()["count"] == 0


@pytest.mark.parametrize(
    "body", [{"leads": [0]}, {"leads": ["1"]}, {"leads": None}, {"ids": [1]}, [1]]
)
def test_a_malformed_bulk_delete_is_400_and_deletes_nothing(
    app: AsyncApp, client: TestClient, body: Any
) -> None:
    problem(_bulk_delete(client, body), 400)
    assert len(full_listing(app)) == len(ALL_IDS)


# The service itself


def test_checks_come_in_the_contracts_order(app: AsyncApp) -> None:
    """D-20: the operation's rights (403), then the lead (404), then the rights on it (403)."""
    service = app.state.service
    reader = Principal(user_id=2, rights=frozenset({"lead.read"}))
    agent = Principal(user_id=4, rights=frozenset({"lead.read", "lead.update", "lead.delete"}))
    with pytest.raises(ApiError) as raised:
        service.delete_lead(reader, 999999)
    assert raised.value.status == 403
    with pytest.raises(ApiError) as raised:
        service.delete_lead(agent, 999999)
    assert raised.value.status == 404
    with pytest.raises(ApiError) as raised:
        service.delete_lead(agent, 1)
    assert raised.value.status == 403


def test_a_write_refused_for_its_rules_consumes_no_id(app: AsyncApp, client: TestClient) -> None:
    problem(client.post("/leads", json=lead_write(user=999), headers=auth()), 422)
    problem(client.post("/leads", json=lead_write(), headers=auth("reader-token")), 403)
    created = client.post("/leads", json=lead_write(), headers=auth()).json()["lead"]
    assert created["id"] == ALL_IDS[-1] + 1


def test_list_with_a_principal_lacking_other_right_sees_own_leads(app: AsyncApp) -> None:
    service = app.state.service
    agent = Principal(user_id=4, rights=frozenset({"lead.read"}))
    page = service.list_leads(agent, ListQuery(per_page=100), expand=False)
    assert [lead["id"] for lead in page["leads"]] == AGENT_LEADS
    admin = Principal(user_id=1, rights=frozenset(EVERY_RIGHT))
    everyone = service.list_leads(admin, ListQuery(filters={"user": 4}, per_page=100), expand=False)
    assert everyone == page


_VALUES = {
    "status": ["prospect", "qualified", "notYetContacted"],
    "source": ["portal", "website", "referral"],
    "quality": ["good", "poor"],
    "user": ["1", "4", "6"],
    "city": ["Dubai", "abu dhabi"],
    "query": ["a", "ali 05", "trump"],
    "name": ["an", "johnny"],
}
_LOCATIONS = ["are", "are.3", "are.3.1200", "are.1", "are.3.12"]
_SORTS = ["id", "last_name", "email", "mobile", "user", "status", "created", "size", "price",
          "type", "time_frame"]  # fmt: skip
_STATUSES = ["prospect", "qualified", "notYetContacted", "contractSigned"]


@st.composite
def _list_queries(draw: st.DrawFn) -> tuple[dict[str, Any], int, ListQuery]:
    picked = draw(st.dictionaries(st.sampled_from(sorted(_VALUES)), st.integers(0, 2), max_size=3))
    filters: dict[str, Any] = {
        name: _VALUES[name][i % len(_VALUES[name])] for name, i in picked.items()
    }
    locations = draw(st.lists(st.sampled_from(_LOCATIONS), max_size=2))
    if locations:
        filters["wishlist"] = {"locations": locations}
    user = draw(st.sampled_from([1, 4, 6]))
    sort = draw(st.sampled_from(_SORTS))
    order = draw(st.sampled_from(["ASC", "DESC"]))
    page, per_page = draw(st.integers(1, 3)), draw(st.sampled_from([1, 7, 100]))
    return filters, user, ListQuery(filters, sort, order, page, per_page)


def _lists_as_a_scan_does(
    service: Any, filters: dict[str, Any], user: int, query: ListQuery
) -> None:
    """The indexes and the page selection are shortcuts: the same list must come out of
    checking the filters on every stored lead and sorting them all."""
    rights = next(u.rights for u in service.reference.users.values() if u.id == user)
    who = Principal(user_id=user, rights=rights)
    listed = service.list_leads(who, query, expand=False)
    keep = compile_filters(filters, service.reference, service.terms.channel_belongs, NOW.date())
    visible = [
        lead
        for lead in service.store.all()
        if keep(lead) and ("lead.read.other" in rights or lead["user"] == user)
    ]
    descending = query.sort_order == "DESC"
    ordered = sort_leads(visible, service._sort_keys[query.sort], descending)
    start = (query.page - 1) * query.per_page
    assert listed["count"] == len(visible)
    assert [lead["id"] for lead in listed["leads"]] == [
        lead["id"] for lead in ordered[start : start + query.per_page]
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=_list_queries())
def test_a_list_finds_what_a_scan_of_every_lead_finds(
    app: AsyncApp, query: tuple[dict[str, Any], int, ListQuery]
) -> None:
    _lists_as_a_scan_does(app.state.service, *query)


# Writes of every kind between the lists, so that the indexes are checked as writes keep them.
_ADMIN = Principal(user_id=1, rights=frozenset(EVERY_RIGHT))
_WRITES = st.sampled_from(
    ["create", "replace", "patch", "delete", "bulk_patch", "bulk_delete", "reset", "import", "load"]
)


def _a_lead(data: st.DataObject) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "status": data.draw(st.sampled_from(_STATUSES)),
        "quality": data.draw(st.sampled_from(["good", "poor", None])),
        "user": data.draw(st.sampled_from([1, 4, 6])),
        "last_name": data.draw(st.sampled_from(["Ali", "ali", "Trump", "Zed", "Ëlan"])),
        "email": data.draw(st.sampled_from(["a@x.example", "B@x.example", None])),
        "time_frame": data.draw(st.sampled_from(["0", "1-3", "9-12", None])),
    }
    body = lead_write(**changes)
    preference = body["lead"]["preference"]
    preference["locations"] = data.draw(
        st.lists(st.sampled_from(["are.3.1200", "are.1.10", "are.2.15", "are.3"]), max_size=2)
    )
    preference["from_price"] = data.draw(st.sampled_from([100, 120000]))
    preference["from_size"] = data.draw(st.sampled_from([None, 900]))
    preference["types"] = data.draw(st.sampled_from([[2], [], [1, 2]]))
    return body


def _write(app: AsyncApp, kind: str, data: st.DataObject) -> None:
    state = app.state
    service = state.service
    ids = sorted(lead["id"] for lead in service.store.all())
    some = data.draw(st.sampled_from(ids)) if ids else None
    if kind == "create":
        service.create_lead(_ADMIN, _a_lead(data), expand=False)
    elif kind == "replace" and some is not None:
        service.replace_lead(_ADMIN, some, _a_lead(data), expand=data.draw(st.booleans()))
    elif kind == "patch" and some is not None:
        ops = [_op("replace", "/status", data.draw(st.sampled_from(_STATUSES)))]
        if data.draw(st.booleans()):
            ops.append(_op("replace", "/assignment/user", data.draw(st.sampled_from([1, 4, 6]))))
        service.patch_lead(_ADMIN, some, {"operations": ops})
    elif kind == "delete" and some is not None:
        service.delete_lead(_ADMIN, some)
    elif kind == "bulk_patch":
        target = "*" if data.draw(st.booleans()) or some is None else str(some)
        status = data.draw(st.sampled_from(_STATUSES))
        service.bulk_patch(_ADMIN, {"operations": [_op("replace", f"/{target}/status", status)]})
    elif kind == "bulk_delete" and ids:
        gone = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=40, unique=True))
        service.bulk_delete(_ADMIN, {"leads": gone})
    elif kind == "reset":
        state.reset()
    elif kind == "import":
        kept = state.export_leads()[:: data.draw(st.integers(1, 3))]
        state.import_leads(kept, state.store.counters())
    elif kind == "load":
        state.load("default")


@pytest.fixture(scope="module")
def written_app() -> AsyncApp:
    """An app of its own: these tests load fixture sets and import states."""
    return create_app(clock=FixedClock(), response_cache=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.lists(_WRITES, min_size=1, max_size=12))
def test_lists_stay_what_a_scan_finds_across_writes(
    written_app: AsyncApp, data: st.DataObject, steps: list[str]
) -> None:
    written_app.state.reset()
    for kind in steps:
        # A list before a write builds the ordered index the write must then keep.
        _lists_as_a_scan_does(written_app.state.service, *data.draw(_list_queries()))
        _write(written_app, kind, data)
        _lists_as_a_scan_does(written_app.state.service, *data.draw(_list_queries()))
