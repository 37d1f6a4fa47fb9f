"""The operations' semantics (mock_server/api/service.py): bulk patch and bulk delete through HTTP,
the order of checks and the write rules on the service itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.api.errors import ApiError
from mock_server.api.filters import compile_filters
from mock_server.api.listing import sort_leads
from mock_server.api.rights import Principal
from mock_server.api.service import ListQuery

from ..conftest import (
    EVERY_RIGHT,
    NOW,
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
}
_LOCATIONS = ["are", "are.3", "are.3.1200", "are.1", "are.3.12"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picked=st.dictionaries(st.sampled_from(sorted(_VALUES)), st.integers(0, 2), max_size=3),
    locations=st.lists(st.sampled_from(_LOCATIONS), max_size=2),
    user=st.sampled_from([1, 4, 6]),
    sort=st.sampled_from(["id", "created", "last_name", "price"]),
    descending=st.booleans(),
    page=st.integers(1, 3),
)
def test_a_list_finds_what_a_scan_of_every_lead_finds(
    app: AsyncApp,
    picked: dict[str, int],
    locations: list[str],
    user: int,
    sort: str,
    descending: bool,
    page: int,
) -> None:
    """The indexes and the page selection are shortcuts: the same list must come out of
    checking the filters on every stored lead and sorting them all."""
    service = app.state.service
    filters: dict[str, Any] = {
        name: _VALUES[name][i % len(_VALUES[name])] for name, i in picked.items()
    }
    if locations:
        filters["wishlist"] = {"locations": locations}
    rights = next(u.rights for u in service.reference.users.values() if u.id == user)
    who = Principal(user_id=user, rights=rights)
    query = ListQuery(filters, sort, "DESC" if descending else "ASC", page, 7)
    listed = service.list_leads(who, query, expand=False)
    keep = compile_filters(filters, service.reference, service.terms.channel_belongs, NOW.date())
    visible = [
        lead
        for lead in service.store.all()
        if keep(lead) and ("lead.read.other" in rights or lead["user"] == user)
    ]
    ordered = sort_leads(visible, service._sort_keys[sort], descending)
    assert listed["count"] == len(visible)
    assert [lead["id"] for lead in listed["leads"]] == [
        lead["id"] for lead in ordered[(page - 1) * 7 : page * 7]
    ]
