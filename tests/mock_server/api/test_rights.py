"""Who may do what (mock_server/api/rights.py): the Principal, and every operation's rights."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.api.errors import ApiError
from mock_server.api.rights import Principal
from mock_server.data.contract import Contract

from ..conftest import EVERY_RIGHT, auth, full_listing, lead_write, leads_of, problem, raw_fixture

if TYPE_CHECKING:
    from connexion import AsyncApp
    from starlette.testclient import TestClient

Call = Callable[
    ["TestClient", dict[str, str], int, int], Any
]  # (client, headers, own lead, own id)
USERS = {u["token"]: u for u in raw_fixture("users.json")}


def _ops(*ops: tuple[str, str, Any]) -> dict[str, Any]:
    return {"operations": [{"op": op, "path": path, "value": value} for op, path, value in ops]}


def _fill(ops: tuple[tuple[str, str, Any], ...], own: int, me: int) -> dict[str, Any]:
    """Operations with `{own}` in paths and "me" as a value made the caller's."""
    return _ops(*((o, p.format(own=own), me if v == "me" else v) for o, p, v in ops))


def _patch(*ops: tuple[str, str, Any]) -> Call:
    return lambda c, h, own, me: c.patch(f"/leads/{own}", json=_fill(ops, own, me), headers=h)


def _bulk(*ops: tuple[str, str, Any]) -> Call:
    return lambda c, h, own, me: c.patch("/leads", json=_fill(ops, own, me), headers=h)


# Each operation on a lead of the caller's own, so that only the operation's rights decide,
# with the rights the contract's x-rights give it (checked against the contract below).
OPERATIONS: dict[str, tuple[str, frozenset[str], Call]] = {
    "list": (
        "list_leads",
        frozenset({"lead.read"}),
        lambda c, h, own, me: c.get("/leads", headers=h),
    ),
    "get": (
        "get_lead",
        frozenset({"lead.read"}),
        lambda c, h, own, me: c.get(f"/leads/{own}", headers=h),
    ),
    "create": (
        "create_lead",
        frozenset({"lead.update"}),
        lambda c, h, own, me: c.post("/leads", json=lead_write(), headers=h),
    ),
    "replace": (
        "update_lead",
        frozenset({"lead.update"}),
        lambda c, h, own, me: c.put(f"/leads/{own}", json=lead_write(), headers=h),
    ),
    "delete": (
        "delete_lead",
        frozenset({"lead.delete"}),
        lambda c, h, own, me: c.delete(f"/leads/{own}", headers=h),
    ),
    "delete alias": (
        "delete_lead_alias",
        frozenset({"lead.delete"}),
        lambda c, h, own, me: c.delete(f"/lead/{own}", headers=h),
    ),
    "patch status": (
        "patch_lead",
        frozenset({"lead.update"}),
        _patch(("replace", "/status", "qualified")),
    ),
    "patch user": (
        "patch_lead",
        frozenset({"lead.update", "user.update"}),
        _patch(("replace", "/assignment/user", "me")),
    ),
    "patch property": (
        "patch_lead",
        frozenset({"lead.update", "property.read"}),
        _patch(("add", "/assignment/property", 3)),
    ),
    "patch mls": (
        "patch_lead",
        frozenset({"lead.update", "property.read"}),
        _patch(("remove", "/assignment/mls", 112345)),
    ),
    "bulk patch status": (
        "bulk_patch_leads",
        frozenset({"lead.update"}),
        _bulk(("replace", "/{own}/status", "qualified")),
    ),
    "bulk patch user": (
        "bulk_patch_leads",
        frozenset({"lead.update", "user.update"}),
        _bulk(("replace", "/*/assignment/user", "me")),
    ),
    "bulk patch mls": (
        "bulk_patch_leads",
        frozenset({"lead.update", "property.read"}),
        _bulk(("add", "/*/assignment/mls", 112345)),
    ),
    "bulk delete": (
        "bulk_delete_leads",
        frozenset({"lead.delete"}),
        lambda c, h, own, me: c.request("DELETE", "/leads", json={"leads": [own]}, headers=h),
    ),
    "bulk delete all": (
        "bulk_delete_leads",
        frozenset({"lead.delete"}),
        lambda c, h, own, me: c.request("DELETE", "/leads", headers=h),
    ),
}


def _call(name: str, client: TestClient, token: str, headers: dict[str, str] | None = None) -> Any:
    me = USERS[token]["id"]
    _, _, call = OPERATIONS[name]
    # Assignments name the caller ("me"), which needs no `.other` right (D-14).
    return call(client, auth(token) if headers is None else headers, leads_of(me)[0], me)


def test_the_table_is_the_contracts(app: AsyncApp) -> None:
    contract: Contract = app.state.contract
    for operation_id, needed, _ in OPERATIONS.values():
        rights = contract.rights[operation_id]
        by_path = {r for path_rights in rights.by_path.values() for r in path_rights}
        assert set(rights.required) <= needed <= set(rights.required) | by_path, operation_id


_LACKING = [
    pytest.param(name, token, id=f"{name}-{token}")
    for name, (_, needed, _) in OPERATIONS.items()
    for token, user in USERS.items()
    if not needed <= set(user["rights"])
]


def test_every_operation_has_a_token_lacking_its_rights() -> None:
    assert {name for name, *_ in (p.values for p in _LACKING)} == set(OPERATIONS)


@pytest.mark.parametrize(("name", "token"), _LACKING)
def test_a_missing_right_is_403_and_changes_nothing(
    app: AsyncApp, client: TestClient, name: str, token: str
) -> None:
    before = full_listing(app)
    body = problem(_call(name, client, token), 403)
    missing = OPERATIONS[name][1] - set(USERS[token]["rights"])
    assert any(right in body["detail"] for right in missing)
    assert full_listing(app) == before


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_with_the_rights_every_operation_succeeds(client: TestClient, name: str) -> None:
    # The other side of the table: agent-token holds every right but the `.other` ones.
    assert _call(name, client, "agent-token").status_code in (200, 201, 204)


@pytest.mark.parametrize("name", list(OPERATIONS))
@pytest.mark.parametrize("headers", [{}, auth("no-such-token")], ids=["no token", "unknown token"])
def test_without_a_known_token_every_operation_is_401(
    app: AsyncApp, client: TestClient, name: str, headers: dict[str, str]
) -> None:
    before = full_listing(app)
    response = _call(name, client, "admin-token", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert full_listing(app) == before


# The `.other` rights (agent-token: user 4, no `.other` right; lead 1 is user 10's)

OTHERS_LEAD = 1
_ON_ANOTHER_USERS_LEAD: dict[str, Call] = {
    "get": lambda c, h, own, me: c.get(f"/leads/{OTHERS_LEAD}", headers=h),
    "replace": lambda c, h, own, me: c.put(f"/leads/{OTHERS_LEAD}", json=lead_write(), headers=h),
    "delete": lambda c, h, own, me: c.delete(f"/leads/{OTHERS_LEAD}", headers=h),
    "delete alias": lambda c, h, own, me: c.delete(f"/lead/{OTHERS_LEAD}", headers=h),
    "patch": lambda c, h, own, me: c.patch(
        f"/leads/{OTHERS_LEAD}", json=_ops(("replace", "/status", "qualified")), headers=h
    ),
    "bulk patch": lambda c, h, own, me: c.patch(
        "/leads", json=_ops(("replace", f"/{OTHERS_LEAD}/status", "qualified")), headers=h
    ),
    "bulk delete": lambda c, h, own, me: c.request(
        "DELETE", "/leads", json={"leads": [own, OTHERS_LEAD]}, headers=h
    ),
    "assign own lead by patch": _patch(("replace", "/assignment/user", 5)),
    "assign own lead by bulk patch": _bulk(("replace", "/{own}/assignment/user", 5)),
    "assign own lead by put": lambda c, h, own, me: c.put(
        f"/leads/{own}", json=lead_write(user=5), headers=h
    ),
    "assign a new lead": lambda c, h, own, me: c.post("/leads", json=lead_write(user=5), headers=h),
}


@pytest.mark.parametrize(
    "call", list(_ON_ANOTHER_USERS_LEAD.values()), ids=list(_ON_ANOTHER_USERS_LEAD)
)
def test_without_other_right_another_users_lead_is_403(
    app: AsyncApp, client: TestClient, call: Call
) -> None:
    before = full_listing(app)
    body = problem(call(client, auth("agent-token"), leads_of(4)[0], 4), 403)
    assert ".other" in body["detail"]
    assert full_listing(app) == before


def test_without_read_other_a_list_holds_own_leads_only(client: TestClient) -> None:
    headers = auth("agent-token")
    page = client.get("/leads?per_page=100", headers=headers).json()
    assert (page["count"], [lead["id"] for lead in page["leads"]]) == (
        len(leads_of(4)),
        leads_of(4),
    )
    assert client.get("/leads?filters[user]=10", headers=headers).json()["count"] == 0
    assert client.get("/leads?filters[excluded_user]=4", headers=headers).json()["count"] == 0


def test_one_other_right_does_not_give_another(client: TestClient) -> None:
    # fatima-token: lead.update.other but not lead.delete.other; olga-token: lead.read.other only.
    assert (
        client.put(
            f"/leads/{OTHERS_LEAD}", json=lead_write(), headers=auth("fatima-token")
        ).status_code
        == 200
    )
    problem(client.delete(f"/leads/{OTHERS_LEAD}", headers=auth("fatima-token")), 403)
    assert client.get(f"/leads/{OTHERS_LEAD}", headers=auth("olga-token")).status_code == 200
    patch = _ops(("replace", "/status", "qualified"))
    problem(client.patch(f"/leads/{OTHERS_LEAD}", json=patch, headers=auth("olga-token")), 403)


def test_a_missing_lead_is_404_before_the_other_right(client: TestClient) -> None:
    problem(client.get("/leads/999999", headers=auth("agent-token")), 404)
    problem(client.delete("/leads/999999", headers=auth("agent-token")), 404)


def test_property_read_is_needed_for_property_and_mls_operations(app: AsyncApp) -> None:
    # No fixture token has lead.update without property.read, so the service is asked directly.
    service = app.state.service
    own = leads_of(4)[0]
    agent = Principal(user_id=4, rights=frozenset({"lead.read", "lead.update", "user.update"}))
    before = full_listing(app)
    for path in ("/assignment/property", "/assignment/mls"):
        with pytest.raises(ApiError) as raised:
            service.patch_lead(
                agent, own, {"operations": [{"op": "add", "path": path, "value": 3}]}
            )
        assert (raised.value.status, "property.read" in raised.value.detail) == (403, True)
        with pytest.raises(ApiError):
            service.bulk_patch(
                agent, {"operations": [{"op": "add", "path": f"/*{path}", "value": 3}]}
            )
    assert full_listing(app) == before
    service.patch_lead(
        agent, own, {"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}
    )


# Principal


def test_principal_require_names_every_missing_right() -> None:
    who = Principal(user_id=4, rights=frozenset({"lead.read"}))
    who.require(["lead.read"])
    with pytest.raises(ApiError) as raised:
        who.require(["user.update", "lead.read", "lead.update"])
    assert raised.value.status == 403
    assert "lead.update, user.update" in raised.value.detail


def test_principal_may_touch_own_leads_or_with_the_other_right() -> None:
    agent = Principal(user_id=4, rights=frozenset({"lead.read"}))
    assert agent.may_touch(4, "lead.read.other")
    assert not agent.may_touch(5, "lead.read.other")
    assert Principal(user_id=1, rights=frozenset(EVERY_RIGHT)).may_touch(5, "lead.read.other")
    with pytest.raises(ApiError) as raised:
        agent.require_touch(9, 5, "lead.read.other")
    assert "Lead 9" in raised.value.detail and "lead.read.other" in raised.value.detail


def test_principal_may_assign_to_itself_only_without_the_other_right() -> None:
    agent = Principal(user_id=4, rights=frozenset({"lead.update"}))
    agent.require_assign(4, "lead.update.other")
    with pytest.raises(ApiError):
        agent.require_assign(5, "lead.update.other")
    Principal(user_id=4, rights=frozenset({"lead.update.other"})).require_assign(
        5, "lead.update.other"
    )
