"""The all-errors validators (mock_server/http/validators.py), through HTTP."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker, ValidationError

from mock_server.data.contract import Contract
from mock_server.http.query import BracketQueryParser
from mock_server.http.validators import (
    _FORMATS,
    InvalidRequest,
    compiled_check,
    passes_compiled,
)

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


# The compiled first check (`validators.compiled_check`) must never accept a body the Python
# validator refuses: generated bodies around valid ones, with the values that tell the two
# engines apart (a trailing newline, a float for an integer, a lone surrogate, ...).
_NASTY: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 2.5, 2**64, 10**30, -(2**70), float("nan"), float("inf"),
    "", " ", "x", "AE", "AE\n", "ae", "\ufeffAE", "A\u0301E", "a@b", "a@b\n", "a b@c", "@",
    "2020-02-29", "2020-02-30", "2021-02-29", "2020-1-01", "2020-01-01\n",
    "\u0662\u0660\u0662\u0660-\u0660\u0661-\u0660\u0661",  # Arabic-Indic digits
    "are.3", "are.3\n", "are.\u0663", "/status", "/1/status", "/1/status\n", "/01/status",
    "/*/assignment/user", "1", "01", "\u0661", "prospect", "replace", "add", "x" * 101,
    "x" * 1001,
    "\ud800", "é" * 100, [], [1], [1, 1], [1, 1.0], ["1"], {}, {"a": 1}, {"1": "x"},
]  # fmt: skip
_WRITE_OPERATIONS = ("create_lead", "update_lead", "patch_lead", "bulk_patch_leads",
                     "bulk_delete_leads")  # fmt: skip


@cache
def _request_schemas() -> dict[str, Any]:
    # As Connexion hands them to the body validator: every $ref resolved, the components
    # attached (`OpenAPIOperation.with_definitions`).
    resolved = resolve_refs(Contract().document)
    schemas = {}
    for item in resolved["paths"].values():
        for method, op in item.items():
            if method != "parameters" and op["operationId"] in _WRITE_OPERATIONS:
                body = op["requestBody"]["content"]["application/json"]["schema"]
                schemas[op["operationId"]] = {**body, "components": resolved["components"]}
    return schemas


def _valid_bodies() -> dict[str, list[Any]]:
    leads = [
        {"lead": {k: v for k, v in raw.items() if k not in ("id", "user", "created_at",
                                                            "updated_at", "notes")}}
        for raw in raw_fixture("leads.json")[:40]
    ]  # fmt: skip
    patch = {"operations": [
        {"op": "replace", "path": "/status", "value": "qualified"},
        {"op": "replace", "path": "/assignment/user", "value": "4"},
        {"op": "add", "path": "/assignment/property", "value": 3},
    ]}  # fmt: skip
    bulk = {"operations": [
        {"op": "replace", "path": "/*/status", "value": "qualified"},
        {"op": "replace", "path": "/12/assignment/user", "value": 4},
        {"op": "remove", "path": "/3/assignment/mls", "value": 112345},
    ]}  # fmt: skip
    creates = [lead_write(), *leads]
    return {
        "create_lead": creates,
        "update_lead": creates,
        "patch_lead": [patch],
        "bulk_patch_leads": [bulk],
        "bulk_delete_leads": [{"leads": [1, 2, 3]}, {}],
    }


@cache
def _property_names() -> list[str]:
    """Every property name of the write schemas, and one they do not know."""
    names = {"extra", "1"}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for item in node.values():
                visit(item)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit({k: {**v, "components": None} for k, v in _request_schemas().items()})
    return sorted(names)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*at, i))
    return found


@st.composite
def _mutated(draw: st.DrawFn, operation: str) -> Any:
    body = copy.deepcopy(draw(st.sampled_from(_valid_bodies()[operation])))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)))
        if not path:
            continue
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(_property_names()))
            parent[key] = copy.deepcopy(draw(st.sampled_from(_NASTY)))
        else:
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(_NASTY)))
    return body


@settings(max_examples=2000, deadline=None)
@given(data=st.data(), operation=st.sampled_from(_WRITE_OPERATIONS))
def test_the_compiled_check_accepts_only_what_the_python_validator_accepts(
    data: st.DataObject, operation: str
) -> None:
    schema = _request_schemas()[operation]
    body = data.draw(_mutated(operation))
    if passes_compiled(compiled_check(schema), body):
        errors = list(Draft4RequestValidator(schema, format_checker=_FORMATS).iter_errors(body))
        assert errors == [], (operation, body)


def test_the_compiled_check_accepts_the_valid_bodies() -> None:
    """Else it would send every body to Python, and be no shortcut at all."""
    for operation, bodies in _valid_bodies().items():
        check = compiled_check(_request_schemas()[operation])
        assert all(passes_compiled(check, body) for body in bodies), operation


# The same for the parameters of a list, as the query parser hands them to validation.
_FILTER_KEYS = [
    "filters[status]", "filters[source]", "filters[user]", "filters[excluded_user]",
    "filters[id]", "filters[query]", "filters[name]", "filters[mobile]", "filters[country]",
    "filters[city]", "filters[channel]", "filters[created]", "filters[created][from]",
    "filters[created][to]", "filters[updated][from]", "filters[passport_expire]",
    "filters[legal_representative][name]", "filters[legal_representative][email]",
    "filters[lead_fields][1]", "filters[property_fields][5]", "filters[wishlist][locations]",
    "filters[wishlist][locations][]", "filters[wishlist][types]", "filters[wishlist][category]",
    "filters[wishlist][from_price]", "filters[wishlist][to_size]", "filters[wishlist][nope]",
    "filters[colour]", "sort", "sort_order", "page", "per_page",
]  # fmt: skip
_QUERY_VALUES = [
    "", "x", "prospect", "portal", "1", "01", "0", "-1", "1.5", "1e3", "99999999999999999999",
    "AE", "ae", "AE\n", "\ufeffAE", "today", "current_year", "2016-01-01", "2016-02-30",
    "2016-01-01\n", "\u0662\u0660\u0661\u0666-01-01", "are.3", "are.3\n", "are.1,are.3",
    "are.\u0663", "2,1", "true", "residential", "created", "DESC", "desc", "x" * 201, "é" * 40,
]  # fmt: skip


@cache
def _list_parameters() -> list[dict[str, Any]]:
    resolved = resolve_refs(Contract().document)
    return [p for p in resolved["paths"]["/leads"]["get"]["parameters"] if p["in"] == "query"]


@settings(max_examples=1500, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(_FILTER_KEYS), st.sampled_from(_QUERY_VALUES)), max_size=4
    )
)
def test_the_compiled_check_of_parameters_accepts_only_what_python_accepts(
    pairs: list[tuple[str, str]],
) -> None:
    params = _list_parameters()
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)
    try:
        parsed = BracketQueryParser(params, {}).resolve_query(query)
    except InvalidRequest:
        return
    for param in params:
        if param["name"] in parsed:
            check = compiled_check(param["schema"], nullable=False)
            if passes_compiled(check, parsed[param["name"]]):
                python = Draft4Validator(param["schema"], format_checker=_FORMATS)
                assert list(python.iter_errors(parsed[param["name"]])) == [], parsed


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
