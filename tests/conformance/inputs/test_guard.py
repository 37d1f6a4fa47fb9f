"""The guard keeps generated writes on the suite's own leads and never makes invalid ones valid."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace
from typing import Any

from schemathesis.core import NOT_SET

from conformance.inputs.guard import CaseGuard
from conformance.leads import CreatedLeads


class _FakeApi:
    def __init__(self) -> None:
        self.created = CreatedLeads()
        self._ids = itertools.count(1000)
        self.client = SimpleNamespace(get=lambda path: SimpleNamespace(status=200))

    def create(self, body: Any) -> tuple[None, dict[str, int]]:
        lead_id = next(self._ids)
        self.created.add(lead_id)
        return None, {"id": lead_id}


class _Factory:
    def body(self, rnd: random.Random) -> dict[str, Any]:
        return {"lead": {}}


def _guard(allow_destructive: bool = False) -> tuple[CaseGuard, _FakeApi]:
    api = _FakeApi()
    guard = CaseGuard(api, _Factory(), random.Random(0), allow_destructive=allow_destructive)  # type: ignore[arg-type]
    return guard, api


def _case(method: str, path: str, body: Any = NOT_SET, lead_id: Any = None) -> Any:
    return SimpleNamespace(
        operation=SimpleNamespace(method=method, path=path),
        body=body,
        path_parameters={} if lead_id is None else {"id": lead_id},
        media_type=None,
    )


def test_a_path_id_of_another_lead_becomes_an_own_lead() -> None:
    guard, api = _guard()
    case = _case("PUT", "/leads/{id}", {"lead": {}}, lead_id=7)
    assert guard.make_safe(case)
    assert case.path_parameters["id"] in api.created


def test_leads_of_other_tests_are_not_the_guards_own() -> None:
    guard, api = _guard()
    api.created.add(7)  # created by another test (the corpus): not to be written to
    case = _case("PATCH", "/leads/{id}", {"operations": []}, lead_id=7)
    guard.make_safe(case)
    assert case.path_parameters["id"] != 7


def test_invalid_path_ids_and_reads_are_left_alone() -> None:
    guard, _ = _guard()
    for value in (0, -1, 2**63, "abc", True):
        case = _case("DELETE", "/leads/{id}", lead_id=value)
        guard.make_safe(case)
        assert case.path_parameters["id"] == value
    read = _case("GET", "/leads/{id}", lead_id=7)
    guard.make_safe(read)
    assert read.path_parameters["id"] == 7


def test_bulk_patch_wildcard_and_foreign_ids_are_replaced() -> None:
    guard, api = _guard()
    body: dict[str, Any] = {
        "operations": [
            {"op": "replace", "path": "/*/status", "value": "qualified"},
            {"op": "replace", "path": "/12/assignment/user", "value": 2},
            {"op": "replace", "path": "/012/status", "value": "qualified"},  # invalid: kept
        ]
    }
    guard.make_safe(_case("PATCH", "/leads", body))
    first, second, third = (op["path"] for op in body["operations"])
    assert int(first.split("/")[1]) in api.created and first.endswith("/status")
    assert int(second.split("/")[1]) in api.created
    assert third == "/012/status"


def test_bulk_delete_without_ids_names_one_own_lead() -> None:
    guard, api = _guard()
    bodies: tuple[Any, ...] = (NOT_SET, {}, {"leads": []})
    for body in bodies:
        case = _case("DELETE", "/leads", body)
        assert guard.make_safe(case)
        assert [i in api.created for i in case.body["leads"]] == [True]


def test_unsafe_invalid_bulk_deletes_are_sent_only_when_allowed() -> None:
    bodies: tuple[Any, ...] = (None, [], "x", {"leads": None}, {"leads": "1"})
    for body in bodies:
        assert not _guard()[0].make_safe(_case("DELETE", "/leads", body))
        assert _guard(allow_destructive=True)[0].make_safe(_case("DELETE", "/leads", body))


def test_bulk_delete_keeps_invalid_items_invalid() -> None:
    guard, api = _guard()
    case = _case("DELETE", "/leads", {"leads": [5, 0, 2**63, "x"]})
    guard.make_safe(case)
    assert case.body["leads"][0] in api.created
    assert case.body["leads"][1:] == [0, 2**63, "x"]
