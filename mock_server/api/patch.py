"""Patch operations (`PATCH /leads/{id}` and `PATCH /leads`), checked whole before any applies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import field_error
from .records import LeadRecord, ReferenceData

WILDCARD = "*"
_BULK_PATH = re.compile(r"^/(\*|[1-9][0-9]*)(/.+)$")


@dataclass(frozen=True)
class Operation:
    op: str  # "replace", "add" or "remove"
    path: str  # the path without a lead: "/status", "/assignment/user", ...
    value: Any
    lead: int | str | None  # None: the URL's lead; an id or WILDCARD in bulk


def parse(operations: Sequence[Mapping[str, Any]], *, bulk: bool) -> list[Operation]:
    """Operations as the schema admitted them, with the user id normalised to an int (D-10)."""
    parsed = []
    for raw in operations:
        path, lead = raw["path"], None
        if bulk:
            match = _BULK_PATH.match(path)
            assert match is not None, "the contract's pattern admits only /{id}/... and /*/..."
            lead = match.group(1) if match.group(1) == WILDCARD else int(match.group(1))
            path = match.group(2)
        value = int(raw["value"]) if path == "/assignment/user" else raw["value"]
        parsed.append(Operation(raw["op"], path, value, lead))
    return parsed


def value_errors(ops: Sequence[Operation], reference: ReferenceData) -> list[dict[str, str]]:
    """Operations naming users, properties or listings that do not exist (422)."""
    errors = []
    for i, op in enumerate(ops):
        where = f"/operations/{i}/value"
        if op.path == "/assignment/user" and op.value not in reference.users:
            errors.append(field_error("body", where, f"user {op.value} does not exist"))
        elif op.path == "/assignment/property" and reference.inventory(op.value) is None:
            errors.append(
                field_error("body", where, f"inventory property {op.value} does not exist")
            )
        elif op.path == "/assignment/mls" and reference.mls_listing(op.value) is None:
            errors.append(field_error("body", where, f"MLS listing {op.value} does not exist"))
    return errors


def apply(lead: LeadRecord, op: Operation) -> bool:
    """Applies one operation to a lead (a copy the caller owns); says whether it changed."""
    if op.path == "/status":
        changed = lead["status"] != op.value
        lead["status"] = op.value
    elif op.path == "/assignment/user":
        changed = lead["user"] != op.value
        lead["user"] = op.value
    else:
        key = "properties" if op.path == "/assignment/property" else "mls"
        ids: list[int] = lead[key]  # type: ignore[literal-required]
        if op.op == "add":
            changed = op.value not in ids
            if changed:
                ids.append(op.value)
        else:
            changed = op.value in ids
            if changed:
                ids.remove(op.value)
    return changed
