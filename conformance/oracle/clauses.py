"""The clauses of the contract: what the conformance report has one row for.

Read from the contract, never listed by hand: every operation with each status it documents;
every filter (the wishlist's and the legal representative's parts each on their own); every
sort key in every `sort_order`; every patch operation; every right `x-rights` names; the
bearer scheme, and the `x-clauses` of the security schemes (the OAuth2 flow); the expand
header; the rules beyond the schema (`x-rules` of the `422` response); and the behaviour each
operation states in `x-clauses` (those of the document root hold for every operation). A
clause the suite never reaches shows as "not checked".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .contract import Contract

_REF = re.compile(r"\bD-[0-9]+\b")
# Statuses no client can make a correct server answer.
_UNPROVOKABLE = {
    "503": "a server answers 503 only when it cannot answer; no request provokes it",
    "413": "the contract sets no size limit (the mock's is 1 MiB), so no body is sure to "
    "exceed a server's",
}


@dataclass(frozen=True)
class Clause:
    id: str  # stable: what tests record cases under
    area: str  # the report's section
    says: str  # what the contract promises, one sentence
    refs: tuple[str, ...] = ()  # the decisions (D-n) it cites
    unprovokable: str | None = None  # why no request can show it, when none can


def _first_sentence(text: str) -> str:
    flat = " ".join(str(text).split())
    head, dot, _ = flat.partition(". ")
    return head + "." if dot else flat


def _clause(id: str, area: str, says: str, **kwargs: Any) -> Clause:
    return Clause(id, area, says, tuple(dict.fromkeys(_REF.findall(says))), **kwargs)


def status_clause(label: str, status: int | str) -> str:
    """`GET /leads 200`: the operation answered that documented status, as documented."""
    return f"{label} {status}"


def answers_clause(label: str) -> str:
    """Every answer of the operation is documented; invalid input is a 4xx, never a 5xx."""
    return f"{label} answers"


def answered_clauses(contract: Contract, label: str, status: int) -> list[str]:
    """What an answer of the operation `label` (`GET /leads`) checks: that the operation
    answers as documented, and, when `status` is one it documents, that status."""
    found = [answers_clause(label)]
    for op in contract.operations:
        responses = contract.raw_operation(op.operation_id).get("responses", {})
        if op.label == label and str(status) in responses:
            found.append(status_clause(label, status))
    return found


def filter_clause(wire_name: str) -> str:
    """The clause of a filter as sent: `filters[created][from]` is `filters[created]`, the
    wishlist's and the legal representative's parts are clauses of their own."""
    parts = wire_name.removeprefix("filters[").removesuffix("]").split("][")
    if parts[0] in ("wishlist", "legal_representative") and len(parts) > 1:
        return f"filters[{parts[0]}][{parts[1]}]"
    return f"filters[{parts[0]}]"


def filter_clauses(wire_names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(filter_clause(name) for name in wire_names))


def sort_clause(key: str, order: str) -> str:
    return f"sort={key}&sort_order={order}"


def patch_clause(op: str, path: str) -> str:
    return f"PATCH {op} {path}"


def right_clause(right: str) -> str:
    return f"right {right}"


AUTH = "bearer token"
EXPAND = "X-MyCRM-Expand-Data"


def rule_clause(name: str) -> str:
    return f"rule {name}"


def catalogue(contract: Contract) -> dict[str, Clause]:
    """Every clause of the contract by id, in the order of the report."""
    found: list[Clause] = []
    document = contract.document
    for op in contract.operations:
        responses = contract.raw_operation(op.operation_id).get("responses", {})
        found.append(
            _clause(
                answers_clause(op.label),
                "Operations and statuses",
                f"{op.summary}: every answer is a documented status with its documented body "
                "and headers; invalid input is refused with a 4xx, never a 5xx.",
            )
        )
        for status, response in responses.items():
            if status == "default":
                continue
            described = contract.resolve(response).get("description", "")
            found.append(
                _clause(
                    status_clause(op.label, status),
                    "Operations and statuses",
                    f"{status}: {_first_sentence(described)}",
                    unprovokable=_UNPROVOKABLE.get(str(status)),
                )
            )
    for wire in _filter_wire_names(contract):
        found.append(_clause(wire, "Filters", contract.filter_description(wire)))
    for key in contract.sort_keys:
        for order in contract.sort_orders:
            found.append(
                _clause(
                    sort_clause(key, order),
                    "Sorting",
                    f"Ordered by {key}, {'descending' if order.upper() == 'DESC' else 'ascending'}"
                    ": missing values last in both orders, ties by id ascending (D-17).",
                )
            )
    for op_name, path, effect in _patch_operations(contract):
        found.append(_clause(patch_clause(op_name, path), "Patch operations", effect))
    for right in sorted(_rights(contract)):
        found.append(_clause(right_clause(right), "Rights", _right_says(contract, right)))
    found.append(
        _clause(
            AUTH,
            "Rights",
            "Every operation needs `Authorization: Bearer <token>`: without one, with another "
            "scheme or with a token the server does not know, `401` with `WWW-Authenticate: "
            "Bearer`, and nothing changes (D-20).",
        )
    )
    for scheme in document.get("components", {}).get("securitySchemes", {}).values():
        for name, says in scheme.get("x-clauses", {}).items():
            found.append(_clause(name, "Rights", says))
    expand = contract.parameter("ExpandData")
    found.append(_clause(EXPAND, "Expand header", _first_sentence(expand["description"])))
    rules = contract.resolve(document["components"]["responses"]["UnprocessableEntity"])
    for name, says in rules.get("x-rules", {}).items():
        found.append(_clause(rule_clause(name), "Rules beyond the schema (422)", says))
    for op in contract.operations:
        for name, says in contract.raw_operation(op.operation_id).get("x-clauses", {}).items():
            found.append(_clause(name, op.label, says))
    for name, says in document.get("x-clauses", {}).items():
        found.append(_clause(name, "Every operation", says))
    by_id: dict[str, Clause] = {}
    for clause in found:
        if clause.id in by_id:
            raise ValueError(f"the contract names the clause {clause.id!r} twice")
        by_id[clause.id] = clause
    return by_id


def _filter_wire_names(contract: Contract) -> list[str]:
    names = []
    for name in contract.filter_names:
        if name == "wishlist":
            names += [f"filters[wishlist][{n}]" for n in contract.wishlist_filter_names]
        elif name == "legal_representative":
            parts = contract.schema("LegalRepresentativeFilters")["properties"]
            names += [f"filters[legal_representative][{n}]" for n in parts]
        else:
            names.append(f"filters[{name}]")
    return names


def _patch_operations(contract: Contract) -> list[tuple[str, str, str]]:
    """(op, path, what it does) of every `PatchOperation` the contract admits."""
    found = []
    for branch in contract.schema("PatchOperation")["oneOf"]:
        schema = contract.resolve(branch)
        props = schema["properties"]
        value = contract.resolve(props["value"])
        described = value.get("description") or schema.get("description") or ""
        for path in props["path"]["enum"]:
            for op in props["op"]["enum"]:
                effect = f"`{op} {path}` takes effect and leaves every other field alone (D-10)."
                if described:
                    effect += f" Value: {_first_sentence(described)}"
                found.append((op, path, effect))
    return found


def _rights(contract: Contract) -> set[str]:
    named: set[str] = set()
    for op in contract.operations:
        named |= set(op.rights.required)
        if op.rights.other:
            named.add(op.rights.other)
        for rights in op.rights.by_path.values():
            named |= set(rights)
    return named


def _right_says(contract: Contract, right: str) -> str:
    needing = [op for op in contract.operations if right in op.rights.required]
    other = [op for op in contract.operations if op.rights.other == right]
    paths = sorted(
        {
            path
            for op in contract.operations
            for path, rs in op.rights.by_path.items()
            if right in rs
        }
    )
    parts = []
    if needing:
        labels = ", ".join(op.label for op in needing)
        parts.append(f"{labels} need it: without it `403`, and nothing changes")
    if other:
        labels = ", ".join(op.label for op in other)
        sentence = f"{labels} need it besides for a lead assigned to another user"
        if any(op.method in ("POST", "PUT", "PATCH") for op in other):
            sentence += ", and to assign a lead to another user"
        if any(op.operation_id == "list_leads" for op in other):
            sentence += "; without it a list holds only the caller's own leads"
        parts.append(sentence)
    if paths:
        parts.append(f"the patch paths {', '.join(paths)} need it")
    return "; ".join(parts) + " (D-19, D-20)."
