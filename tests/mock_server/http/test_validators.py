"""The all-errors validators (mock_server/http/validators.py), through HTTP."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker, ValidationError

from mock_server.data.contract import Contract

from ..conftest import auth, lead_write, leads_of, problem, raw_fixture

if TYPE_CHECKING:
    from starlette.testclient import TestClient


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/leads/0"), ("PUT", "/leads/0"), ("DELETE", "/leads/0"), ("DELETE", "/lead/0")],
)
def test_an_invalid_path_parameter_is_reported_once(
    client: TestClient, method: str, path: str
) -> None:
    # Connexion lists a path's parameters once per middleware for operations with their own
    # parameters (GET and PUT /leads/{id} take the expand header): six copies of one error.
    sent = lead_write() if method == "PUT" else None
    body = problem(client.request(method, path, headers=auth(), json=sent), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("path", "id")]


def test_a_body_without_content_type_is_415(client: TestClient) -> None:
    body = problem(client.post("/leads", content=json.dumps(lead_write()), headers=auth()), 415)
    assert "no content type" in body["detail"]


def test_no_body_where_the_body_is_optional_is_fine(client: TestClient) -> None:
    # DELETE /leads without a body is the documented "delete all" (D-13).
    assert client.request("DELETE", "/leads", headers=auth("agent-token")).status_code == 204


@pytest.mark.parametrize(
    ("content", "headers", "says"),
    [(None, {}, "required"), (None, {"Content-Type": "application/json"}, "required"),
     ("null", {"Content-Type": "application/json"}, "null is not a JSON object")],
    ids=["no body", "no body, json", "null"],
)  # fmt: skip
def test_a_missing_required_body_is_a_body_error(
    client: TestClient, content: str | None, headers: dict[str, str], says: str
) -> None:
    # Connexion's own answer to no body was "The body is not valid JSON: RequestBody is
    # required." without `errors`; it is now the same as for `null`.
    body = problem(client.post("/leads", content=content, headers={**auth(), **headers}), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("body", "")]
    assert says in body["errors"][0]["message"]


def test_the_header_parameter_is_validated(client: TestClient) -> None:
    body = problem(client.get("/leads/1", headers={**auth(), "X-MyCRM-Expand-Data": "yes"}), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("header", "X-MyCRM-Expand-Data")]


def test_unknown_fields_are_named_one_by_one(client: TestClient) -> None:
    sent = lead_write(colour="blue", preferences=[])
    body = problem(client.post("/leads", json={**sent, "extra": 1}, headers=auth()), 400)
    assert {e["name"] for e in body["errors"]} == {"/extra", "/lead/colour", "/lead/preferences"}


# --- every error list exact, against a reference validator ---------------------------------

_WRONG_VALUES = (5, -1, 2**70, "x", "", "a" * 300, True, None, [], [1], {}, {"k": 1})


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{part}" for part in path)


# What tells the contract's composed schemas apart: the type of the value, and a patch
# operation's `op` and `path` (D-10, D-11).
_DISCRIMINATORS = ("op", "path")


def _admits(branch: dict[str, Any], instance: Any) -> bool:
    """Whether a oneOf/anyOf branch is the one meant for this value: its type admits it, and
    the operation's `op` and `path` are the branch's."""
    kinds = branch.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(Draft4Validator.TYPE_CHECKER.is_type(instance, k) for k in kinds):
            return False
    if isinstance(instance, dict):
        for key in _DISCRIMINATORS:
            sub = branch.get("properties", {}).get(key, {})
            value = instance.get(key)
            if key not in instance or not sub:
                continue
            if "enum" in sub and value not in sub["enum"]:
                return False
            if "pattern" in sub and not (
                isinstance(value, str) and re.search(sub["pattern"], value)
            ):
                return False
    return True


def reference_errors(schema: dict[str, Any], body: Any) -> tuple[set[str], set[str]]:
    """What jsonschema reports for `body`, as JSON pointers: the fields named exactly, and the
    composed values (oneOf/anyOf) where no one branch is meant, inside which any reading of
    which field is wrong is fair."""
    exact: set[str] = set()
    regions: set[str] = set()

    def visit(error: ValidationError) -> None:
        here = _pointer(error.absolute_path)
        if error.validator in ("oneOf", "anyOf"):
            meant = [i for i, b in enumerate(error.validator_value) if _admits(b, error.instance)]
            if len(meant) != 1:
                regions.add(here)
                return
            for sub in error.context or ():
                if sub.relative_schema_path[0] == meant[0]:
                    visit(sub)
        elif error.validator == "required":
            exact.update(f"{here}/{k}" for k in error.validator_value if k not in error.instance)
        elif error.validator == "additionalProperties" and error.validator_value is False:
            allowed = set(error.schema.get("properties", {}))
            exact.update(f"{here}/{k}" for k in error.instance if k not in allowed)
        else:
            exact.add(here)

    for error in Draft4Validator(schema, format_checker=FormatChecker()).iter_errors(body):
        visit(error)
    return exact, regions


def _objects(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += _objects(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _objects(value, (*path, i))
    return found


@st.composite
def _broken(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """`valid` with one to four fields removed, mistyped or out of range, or unknown ones added,
    at any depth (the preference's fields, an operation of a patch...)."""
    body = copy.deepcopy(valid)
    for n in range(draw(st.integers(1, 4))):
        _, node = draw(st.sampled_from(_objects(body)))
        kind = draw(st.sampled_from(["remove", "retype", "unknown"] if node else ["unknown"]))
        if kind == "unknown":
            node[f"zz_{n}"] = draw(st.sampled_from(_WRONG_VALUES))
            continue
        key = draw(st.sampled_from(sorted(node)))
        if kind == "remove":
            del node[key]
        else:
            node[key] = draw(st.sampled_from(_WRONG_VALUES))
    return body


def _own_lead() -> int:
    return leads_of(1)[0]


def _bodies() -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """operation -> (method, path, the contract's body schema, a valid body)."""
    lead = _own_lead()
    patch = [
        {"op": "replace", "path": "/status", "value": "qualified"},
        {"op": "replace", "path": "/assignment/user", "value": "2"},
        {
            "op": "add",
            "path": "/assignment/property",
            "value": raw_fixture("properties.json")[0]["id"],
        },
    ]
    bulk = [{**op, "path": f"/{lead}{op['path']}"} for op in patch]
    return {
        "create": ("POST", "/leads", "LeadWriteEnvelope", lead_write()),
        "replace": ("PUT", f"/leads/{lead}", "LeadWriteEnvelope", lead_write()),
        "patch": ("PATCH", f"/leads/{lead}", "PatchRequest", {"operations": patch}),
        "bulk patch": ("PATCH", "/leads", "BulkPatchRequest", {"operations": bulk}),
        "bulk delete": ("DELETE", "/leads", "BulkDeleteRequest", {"leads": [lead, lead + 1]}),
    }


@pytest.mark.parametrize("operation", ["create", "replace", "patch", "bulk patch", "bulk delete"])
def test_each_invalid_field_is_named_once_as_jsonschema_reports_it(
    client: TestClient, operation: str
) -> None:
    method, path, schema_name, valid = _bodies()[operation]
    schema = Contract().plain_schema(schema_name)
    assert reference_errors(schema, valid) == (set(), set())

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(_broken(valid))
    def run(body: dict[str, Any]) -> None:
        exact, regions = reference_errors(schema, body)
        assume(exact or regions)  # a change the schema allows (an optional field left out)
        answer = problem(client.request(method, path, json=body, headers=auth()), 400)
        entries = [(e["in"], e["name"]) for e in answer["errors"]]
        assert len(entries) == len(set(entries)), f"a field named twice: {entries}"
        assert answer["detail"] == f"The request has {len(entries)} invalid field(s)."
        named = {name for where, name in entries if where == "body"}
        assert len(named) == len(entries)
        assert exact <= named, f"missing {sorted(exact - named)} for {body}"
        inside = {n for n in named - exact if any(n == r or n.startswith(r + "/") for r in regions)}
        assert named - exact == inside, (
            f"not in the request's errors: {sorted(named - exact - inside)}"
        )
        for region in regions:
            assert any(n == region or n.startswith(region + "/") for n in named), region

    run()


def _invalid_query_pairs() -> dict[str, tuple[str, str]]:
    """Query parameters of `GET /leads` each breaking its schema in the contract: a value off
    its enumeration or range, a filter the contract does not name."""
    spec = Contract()
    parameters = spec.document["components"]["parameters"]
    filters = spec.schemas["LeadFilters"]["properties"]
    wishlist = spec.schemas["WishlistFilters"]["properties"]
    per_page = parameters["PerPage"]["schema"]
    return {
        "per_page": ("per_page", str(per_page["maximum"] + 1)),
        "page": ("page", str(parameters["Page"]["schema"]["minimum"] - 1)),
        "sort": ("sort", "not_" + parameters["Sort"]["schema"]["enum"][0]),
        "sort_order": ("sort_order", "sideways"),
        "filters[status]": ("filters[status]", "not-a-status"),
        "filters[colour]": ("filters[colour]", "blue"),
        "filters[wishlist][from_price]": ("filters[wishlist][from_price]", "cheap"),
        "filters[created]": ("filters[created]", "tomorrow"),
        "filters[user]": ("filters[user]", "someone"),
        **({} if "from_price" in wishlist and "user" in filters else {"missing": ("", "")}),
    }


def test_each_invalid_query_parameter_is_named_once(client: TestClient) -> None:
    pool = _invalid_query_pairs()
    assert "missing" not in pool

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(
        st.lists(st.sampled_from(sorted(pool)), min_size=1, max_size=5, unique=True),
        st.booleans(),
    )
    def run(chosen: list[str], with_a_valid_filter: bool) -> None:
        query = [pool[name] for name in chosen]
        if with_a_valid_filter:
            query.append(("filters[city]", "Dubai"))
        answer = problem(client.get("/leads", params=query, headers=auth()), 400)
        entries = [(e["in"], e["name"]) for e in answer["errors"]]
        assert sorted(entries) == sorted(("query", name) for name in chosen)

    run()
