"""The clause catalogue (conformance/oracle/clauses.py): read from the contract, complete, and
the only names the suite records cases under."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.oracle import clauses
from conformance.oracle.contract import DEFAULT_SPEC_PATH, Contract

CONTRACT = Contract.load(DEFAULT_SPEC_PATH)
CATALOGUE = clauses.catalogue(CONTRACT)
SUITE = Path(clauses.__file__).resolve().parents[1] / "suite"


def test_every_operation_and_documented_status_is_a_clause() -> None:
    for op in CONTRACT.operations:
        assert clauses.answers_clause(op.label) in CATALOGUE
        for status in CONTRACT.raw_operation(op.operation_id)["responses"]:
            assert clauses.status_clause(op.label, status) in CATALOGUE


def test_every_filter_sort_patch_path_and_right_is_a_clause() -> None:
    assert "filters[status]" in CATALOGUE and "filters[wishlist][locations]" in CATALOGUE
    assert "filters[legal_representative][name]" in CATALOGUE
    assert "filters[wishlist]" not in CATALOGUE  # the wishlist's parts are the clauses
    filters = [c for c in CATALOGUE.values() if c.area == "Filters"]
    wishlist = CONTRACT.schema("WishlistFilters")["properties"]
    legal = CONTRACT.schema("LegalRepresentativeFilters")["properties"]
    assert len(filters) == len(CONTRACT.filter_names) - 2 + len(wishlist) + len(legal)
    sorts = [c for c in CATALOGUE.values() if c.area == "Sorting"]
    assert len(sorts) == len(CONTRACT.sort_keys) * len(CONTRACT.sort_orders)
    assert clauses.sort_clause("created", "desc") in CATALOGUE
    assert {clauses.patch_clause(op, "/assignment/mls") for op in ("add", "remove")} <= set(
        CATALOGUE
    )
    for right in ("lead.read", "lead.read.other", "lead.update.other", "user.update"):
        assert clauses.right_clause(right) in CATALOGUE


def test_the_contracts_own_clauses_and_rules_are_read_with_their_decisions() -> None:
    assert CATALOGUE["list-paging"].area == "GET /leads"
    assert CATALOGUE["list-paging"].refs == ("D-18",)
    assert CATALOGUE["problem-json"].area == "Every operation"
    assert CATALOGUE["rule channel-of-source"].refs == ("D-5",)
    assert CATALOGUE["GET /leads 503"].unprovokable


def _with(document: dict[str, Any]) -> dict[str, Any]:
    return clauses.catalogue(Contract(document))


def test_a_clause_added_to_the_contract_becomes_a_row() -> None:
    document = copy.deepcopy(dict(CONTRACT.document))
    document["paths"]["/leads"]["get"]["x-clauses"]["list-new"] = "Something new (D-99)."
    found = _with(document)
    assert found["list-new"].says == "Something new (D-99)."
    assert found["list-new"].refs == ("D-99",)
    assert len(found) == len(CATALOGUE) + 1


def test_a_clause_named_twice_is_refused() -> None:
    document = copy.deepcopy(dict(CONTRACT.document))
    document["x-clauses"]["list-paging"] = "again"
    with pytest.raises(ValueError, match="list-paging"):
        _with(document)


@pytest.mark.parametrize(
    ("wire", "clause"),
    [
        ("filters[created][from]", "filters[created]"),
        ("filters[lead_fields][2]", "filters[lead_fields]"),
        ("filters[wishlist][from_price]", "filters[wishlist][from_price]"),
        ("filters[legal_representative][email]", "filters[legal_representative][email]"),
        ("filters[status]", "filters[status]"),
    ],
)
def test_a_filter_on_the_wire_is_the_clause_of_its_filter(wire: str, clause: str) -> None:
    assert clauses.filter_clause(wire) == clause
    assert clause in CATALOGUE


def test_answered_clauses_add_the_status_only_when_documented() -> None:
    assert clauses.answered_clauses(CONTRACT, "GET /leads", 200) == [
        "GET /leads answers",
        "GET /leads 200",
    ]
    assert clauses.answered_clauses(CONTRACT, "GET /leads", 418) == ["GET /leads answers"]


def _literal_clauses(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals given to `clauses.case(...)` and `pytest.mark.clauses(...)`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in ("case", "clauses"):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return found


def test_every_clause_the_suite_names_is_one_of_the_contract() -> None:
    named = []
    for path in sorted(SUITE.glob("test_*.py")):
        for line, clause in _literal_clauses(ast.parse(path.read_text(encoding="utf-8"))):
            named.append(clause)
            assert clause in CATALOGUE, f"{path.name}:{line} names no clause: {clause!r}"
    assert len(named) > 40  # the walk found the suite's calls
