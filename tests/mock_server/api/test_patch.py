"""Patch operations (mock_server/api/patch.py): units, and `PATCH /leads/{id}` through HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from mock_server.api.patch import WILDCARD, Operation, apply, parse, value_errors
from mock_server.api.records import ReferenceData

from ..conftest import EXPAND, FixedClock, auth, make_lead, problem, raw_fixture

if TYPE_CHECKING:
    from starlette.testclient import TestClient

# Lead 4 (user 1): status prospect, properties [], mls [112306, 112311, 112367].
LEAD = 4


def _op(op: str, path: str, value: Any) -> dict[str, Any]:
    return {"op": op, "path": path, "value": value}


def _patch(
    client: TestClient, *ops: dict[str, Any], token: str = "admin-token", lead: int = LEAD
) -> Any:
    return client.patch(f"/leads/{lead}", json={"operations": list(ops)}, headers=auth(token))


def _lead(client: TestClient, lead: int = LEAD) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/leads/{lead}", headers=auth()).json()["lead"]
    return found


def _raw(client: TestClient, lead: int = LEAD) -> bytes:
    content: bytes = client.get(f"/leads/{lead}", headers={**auth(), **EXPAND}).content
    return content


# Units


def test_parse_normalises_the_user_and_reads_the_lead_of_bulk_paths() -> None:
    ops = parse(
        [_op("replace", "/assignment/user", "2"), _op("replace", "/status", "qualified")],
        bulk=False,
    )
    assert ops == [
        Operation("replace", "/assignment/user", 2, None),
        Operation("replace", "/status", "qualified", None),
    ]
    bulk = parse(
        [_op("add", "/12/assignment/mls", 7), _op("replace", "/*/assignment/user", 3)], bulk=True
    )
    assert bulk == [
        Operation("add", "/assignment/mls", 7, 12),
        Operation("replace", "/assignment/user", 3, WILDCARD),
    ]


def test_value_errors_name_each_unknown_reference(reference: ReferenceData) -> None:
    ops = [
        Operation("replace", "/assignment/user", 9, None),
        Operation("replace", "/assignment/user", 2, None),
        Operation("add", "/assignment/property", 112345, None),  # an MLS id is no inventory id
        Operation("remove", "/assignment/mls", 1, None),  # and the reverse
        Operation("add", "/assignment/property", 1, None),
        Operation("replace", "/status", "qualified", None),
    ]
    assert [e["name"] for e in value_errors(ops, reference)] == [
        "/operations/0/value",
        "/operations/2/value",
        "/operations/3/value",
    ]


@pytest.mark.parametrize(
    ("op", "field", "before", "after", "changed"),
    [
        (
            Operation("replace", "/status", "qualified", None),
            "status",
            "prospect",
            "qualified",
            True,
        ),
        (
            Operation("replace", "/status", "prospect", None),
            "status",
            "prospect",
            "prospect",
            False,
        ),
        (Operation("replace", "/assignment/user", 2, None), "user", 1, 2, True),
        (Operation("add", "/assignment/property", 3, None), "properties", [1], [1, 3], True),
        (Operation("add", "/assignment/property", 1, None), "properties", [1], [1], False),
        (Operation("remove", "/assignment/property", 1, None), "properties", [1, 3], [3], True),
        (Operation("remove", "/assignment/property", 2, None), "properties", [1], [1], False),
        (Operation("add", "/assignment/mls", 5, None), "mls", [], [5], True),
        (Operation("remove", "/assignment/mls", 5, None), "mls", [5, 6], [6], True),
        (Operation("remove", "/assignment/mls", 5, None), "mls", [], [], False),
    ],
)
def test_apply(op: Operation, field: str, before: Any, after: Any, changed: bool) -> None:
    lead = make_lead(1, **{field: before})
    untouched = {k: v for k, v in make_lead(1, **{field: before}).items() if k != field}
    assert apply(lead, op) is changed
    assert lead[field] == after  # type: ignore[literal-required]
    assert {k: v for k, v in lead.items() if k != field} == untouched


# Through HTTP


def test_replace_status(client: TestClient, clock: FixedClock) -> None:
    clock.advance(minutes=5)
    response = _patch(client, _op("replace", "/status", "qualified"))
    assert (response.status_code, response.content) == (204, b"")
    lead = _lead(client)
    assert lead["status"] == "qualified"
    assert lead["updated_at"] == "2026-11-29T12:05:00.000Z"


@pytest.mark.parametrize("value", [6, "6"])
def test_replace_assigned_user_takes_an_integer_or_digits(client: TestClient, value: Any) -> None:
    assert _patch(client, _op("replace", "/assignment/user", value)).status_code == 204
    assert _lead(client)["user"] == {"id": 6}


@pytest.mark.parametrize("value", ["06x", "", "-1", 0, 1.5, True, None])
def test_an_assigned_user_that_is_no_user_id_is_400(client: TestClient, value: Any) -> None:
    before = _raw(client)
    problem(_patch(client, _op("replace", "/assignment/user", value)), 400)
    assert _raw(client) == before


def test_add_and_remove_property_and_mls(client: TestClient) -> None:
    ops = [
        _op("add", "/assignment/property", 3),
        _op("add", "/assignment/property", 1),
        _op("remove", "/assignment/property", 3),
        _op("add", "/assignment/mls", 112345),
        _op("remove", "/assignment/mls", 112311),
    ]
    assert _patch(client, *ops).status_code == 204
    lead = _lead(client)
    assert lead["properties"] == [1]
    assert lead["mls"] == [112306, 112367, 112345]


def test_operations_apply_in_order(client: TestClient) -> None:
    ops = [_op("replace", "/status", "qualified"), _op("replace", "/status", "contractSent")]
    assert _patch(client, *ops).status_code == 204
    assert _lead(client)["status"] == "contractSent"


def test_a_no_op_changes_nothing_not_even_updated_at(client: TestClient, clock: FixedClock) -> None:
    before = _raw(client)
    clock.advance(days=1)
    ops = [
        _op("add", "/assignment/mls", 112306),
        _op("remove", "/assignment/property", 1),
        _op("replace", "/status", "prospect"),
        _op("replace", "/assignment/user", 1),
    ]
    assert _patch(client, *ops).status_code == 204
    assert _raw(client) == before


def test_the_documents_example(client: TestClient) -> None:
    example = raw_fixture("leads.json")  # lead 4 selects no inventory property 1: remove is a no-op
    assert example[3]["id"] == LEAD and 1 not in example[3]["properties"]
    ops = [
        _op("replace", "/status", "notYetContacted"),
        _op("replace", "/assignment/user", "2"),
        _op("add", "/assignment/property", 3),
        _op("remove", "/assignment/property", 1),
        _op("add", "/assignment/mls", 112345),
        _op("remove", "/assignment/mls", 112345),
    ]
    assert _patch(client, *ops).status_code == 204
    lead = _lead(client)
    assert (lead["status"], lead["user"], lead["properties"]) == ("notYetContacted", {"id": 2}, [3])
    assert lead["mls"] == [112306, 112311, 112367]


@pytest.mark.parametrize(
    ("bad", "status"),
    [
        (_op("replace", "/assignment/user", 999), 422),
        (_op("add", "/assignment/property", 999999), 422),
        (_op("add", "/assignment/property", 112345), 422),
        (_op("add", "/assignment/mls", 1), 422),
        (_op("replace", "/status", "hot"), 400),
        (_op("remove", "/status", "prospect"), 400),
        (_op("replace", "/assignment/property", 3), 400),
        (_op("replace", "/notes", "x"), 400),
        (_op("replace", f"/{LEAD}/status", "qualified"), 400),  # a bulk path on one lead (D-10)
        ({"op": "replace", "path": "/status"}, 400),
    ],
)
def test_one_invalid_operation_and_nothing_is_applied(
    client: TestClient, clock: FixedClock, bad: dict[str, Any], status: int
) -> None:
    before = _raw(client)
    clock.advance(hours=1)
    good = [_op("replace", "/status", "qualified"), _op("add", "/assignment/mls", 112345)]
    body = problem(_patch(client, *good, bad), status)
    assert body["errors"][0]["name"].startswith("/operations/2")
    assert _raw(client) == before


def test_every_invalid_operation_is_listed(client: TestClient) -> None:
    ops = [
        _op("replace", "/assignment/user", 999),
        _op("replace", "/status", "qualified"),
        _op("add", "/assignment/property", 999999),
    ]
    body = problem(_patch(client, *ops), 422)
    assert [e["name"] for e in body["errors"]] == ["/operations/0/value", "/operations/2/value"]


@pytest.mark.parametrize("body", [{}, {"operations": []}, {"operations": {}}, [], {"ops": []}])
def test_a_malformed_patch_body_is_400(client: TestClient, body: Any) -> None:
    before = _raw(client)
    problem(client.patch(f"/leads/{LEAD}", json=body, headers=auth()), 400)
    assert _raw(client) == before
