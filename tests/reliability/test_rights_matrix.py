"""Rights, black-box over HTTP: every operation of the contract x every fixture token lacking
a right it needs is 403; no token, an unknown token or a malformed header is 401; and the
exported state is unchanged after each.

The matrix is derived, not written: operations and their `x-rights` (`required`, `by_path`,
`other`) from `openapi/leads.yaml`, tokens and their rights from
`fixtures/default/users.json`. `tests/mock_server/api/test_rights.py` covers the same ground
through the in-process app; this one sees only what a client sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest

from ._ledger import Part
from ._support import (
    FIXTURES,
    Operation,
    describe,
    healthy,
    lead_write,
    operations,
    problem_issues,
    reset,
    state,
    users,
)

USERS = {u["token"]: u for u in users()}
EVERY_RIGHT = frozenset(r for u in USERS.values() for r in u["rights"])
# A valid value for each patch path, naming the caller where a user is named ("me").
PATCH_VALUES: dict[str, tuple[str, Any]] = {
    "/status": ("replace", "qualified"),
    "/assignment/user": ("replace", "me"),
    "/assignment/property": ("add", 3),
    "/assignment/mls": ("add", 112345),
}


@cache
def _owners() -> dict[int, int]:
    """Lead id -> assigned user, from the seed leads."""
    leads = json.loads((FIXTURES / "leads.json").read_text(encoding="utf-8"))
    return {lead["id"]: lead["user"] for lead in leads}


def _lead_of(user_id: int, *, own: bool) -> int:
    """The first seed lead assigned to `user_id` (own) or to anyone else."""
    return min(i for i, owner in _owners().items() if (owner == user_id) == own)


@dataclass(frozen=True)
class Cell:
    """One request of the matrix: an operation (and patch path), a token, whose lead."""

    operation: Operation
    token: str | None  # None: no Authorization header
    needs: frozenset[str]  # the rights this request needs
    patch_path: str | None = None
    others_lead: bool = False  # act on (or assign to) another user than the caller
    authorization: str | None = None  # a raw header instead of `Bearer <token>`

    @property
    def user(self) -> dict[str, Any]:
        return USERS.get(self.token or "", USERS["admin-token"])

    def request(self) -> tuple[str, str, dict[str, Any] | None]:
        op, me = self.operation, self.user["id"]
        lead = _lead_of(me, own=not self.others_lead)
        someone_else = next(u["id"] for u in USERS.values() if u["id"] != me)
        url = op.path.replace("{id}", str(lead))
        body: dict[str, Any] | None = None
        if op.operation_id in ("create_lead", "update_lead"):
            body = lead_write(user=someone_else) if self.others_lead else lead_write()
        elif op.operation_id in ("patch_lead", "bulk_patch_leads"):
            path = self.patch_path or "/status"
            verb, value = PATCH_VALUES[path]
            if value == "me":  # assigning to another user is the `.other` case of assignment
                value = me
            prefix = "" if op.operation_id == "patch_lead" else f"/{lead}"
            body = {"operations": [{"op": verb, "path": prefix + path, "value": value}]}
            if op.operation_id == "patch_lead":
                url = op.path.replace("{id}", str(lead))
        elif op.operation_id == "bulk_delete_leads":
            body = {"leads": [lead]}  # never without ids: that deletes every lead (D-13)
        return op.method, url, body

    def headers(self) -> dict[str, str]:
        if self.authorization is not None:
            return {"Authorization": self.authorization}
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def label(self) -> str:
        path = f" {self.patch_path}" if self.patch_path else ""
        whose = " on another user's lead" if self.others_lead else ""
        who = self.authorization if self.authorization is not None else self.token
        return f"{self.operation.operation_id}{path}{whose} as {who or 'no token'}"


def _variants() -> Iterator[tuple[Operation, str | None, frozenset[str]]]:
    """Each operation, each of its patch paths, with the rights it needs on an own lead."""
    for op in operations().values():
        if op.by_path:
            for path, extra in op.by_path.items():
                yield op, path, op.required | extra
        else:
            yield op, None, op.required


def _forbidden() -> Iterator[Any]:
    for op, path, needs in _variants():
        for token, user in USERS.items():
            rights = frozenset(user["rights"])
            if not needs <= rights:
                cell = Cell(op, token, needs, path)
                yield pytest.param(cell, id=cell.label())
            elif op.operation_id != "list_leads" and op.other not in rights:
                # Every right but `.other`: another user's lead (for a list, `.other` only
                # narrows what is listed, so it is no refusal).
                cell = Cell(op, token, needs | {op.other}, path, others_lead=True)
                yield pytest.param(cell, id=cell.label())


FORBIDDEN = list(_forbidden())
UNAUTHENTICATED = {
    "no token": None,
    "unknown token": "Bearer no-such-token",
    "scheme only": "Bearer",
    "another scheme": "Basic YWRtaW4tdG9rZW46",
    "token without scheme": "admin-token",
}


@pytest.fixture(scope="module")
def baseline(http: httpx.Client, part: Part) -> dict[str, Any]:
    ops = operations()
    part.describe(
        "Rights matrix",
        f"Every operation of the contract ({len(ops)}: {', '.join(sorted(ops))}), each patch "
        "path of the patch operations, derived with their `x-rights` from the contract.",
        f"x every fixture token ({len(USERS)}, from `fixtures/default/users.json`) lacking a "
        "right the request needs: a `required` or `by_path` right on the caller's own lead, "
        "or only the `.other` right on another user's lead (or assigning to another user).",
        f"x {len(UNAUTHENTICATED)} ways of not authenticating: " + ", ".join(UNAUTHENTICATED) + ".",
        "Checked after each: 403 (401 with `WWW-Authenticate: Bearer`) as problem+json, the mock "
        "still up, the exported state unchanged. And each request, made with every right, is "
        "accepted: the refusal is the rights', not the request's.",
    )
    reset(http)
    return state(http)


def _refused(
    http: httpx.Client, cell: Cell, status: int, before: dict[str, Any]
) -> tuple[httpx.Response, list[str]]:
    method, url, body = cell.request()
    response = http.request(method, url, json=body, headers=cell.headers())
    issues = problem_issues(response, status)
    if status == 401 and not response.headers.get("www-authenticate", "").startswith("Bearer"):
        issues.append("401 without WWW-Authenticate: Bearer")
    if not healthy(http):
        issues.append("the mock no longer answers /__mock/health")
    elif state(http) != before:
        issues.append(f"the exported state changed (answer {response.status_code})")
        reset(http)
    return response, issues


@pytest.mark.parametrize("cell", FORBIDDEN)
def test_a_missing_right_is_403_and_changes_nothing(
    http: httpx.Client, baseline: dict[str, Any], part: Part, cell: Cell
) -> None:
    part.count("403 cells (operation or patch path x token lacking a right)")
    response, issues = _refused(http, cell, 403, baseline)
    missing = sorted(cell.needs - frozenset(cell.user["rights"]))
    assert not issues, f"{cell.label()} lacks {missing}: {'; '.join(issues)}\n{describe(response)}"


@pytest.mark.parametrize("how", list(UNAUTHENTICATED))
@pytest.mark.parametrize(
    ("op", "path"),
    [pytest.param(op, path, id=f"{op.operation_id}{path or ''}") for op, path, _ in _variants()],
)
def test_without_a_known_token_every_operation_is_401(
    http: httpx.Client,
    baseline: dict[str, Any],
    part: Part,
    op: Operation,
    path: str | None,
    how: str,
) -> None:
    part.count("401 cells (operation or patch path x way of not authenticating)")
    authorization = UNAUTHENTICATED[how]
    cell = Cell(op, None if authorization is None else "admin-token", op.required, path,
                authorization=authorization)  # fmt: skip
    response, issues = _refused(http, cell, 401, baseline)
    assert not issues, f"{cell.label()}: {'; '.join(issues)}\n{describe(response)}"


def _controls() -> Iterator[Any]:
    """Each distinct refused request, made by the admin token, which holds every right."""
    seen: dict[tuple[str, str | None, bool], Cell] = {}
    for param in FORBIDDEN:
        cell: Cell = param.values[0]
        key = (cell.operation.operation_id, cell.patch_path, cell.others_lead)
        seen.setdefault(key, Cell(cell.operation, "admin-token", cell.needs, *key[1:]))
    for cell in seen.values():
        yield pytest.param(cell, id=cell.label())


@pytest.mark.parametrize("cell", list(_controls()))
def test_the_refused_requests_are_accepted_with_every_right(
    http: httpx.Client, part: Part, cell: Cell
) -> None:
    part.count("control requests with every right")
    assert cell.needs <= EVERY_RIGHT == frozenset(cell.user["rights"])
    method, url, body = cell.request()
    try:
        response = http.request(method, url, json=body, headers=cell.headers())
    finally:
        reset(http)
    assert 200 <= response.status_code < 300, describe(response)


def test_every_operation_and_right_is_in_the_matrix() -> None:
    # The matrix is only as good as the fixtures: each operation needs a token lacking each
    # of its rights, or that right goes untested.
    covered: dict[str, set[str]] = {}
    for param in FORBIDDEN:
        cell: Cell = param.values[0]
        lacking = cell.needs - frozenset(cell.user["rights"])
        covered.setdefault(cell.operation.operation_id, set()).update(lacking)
    for op, path, needs in _variants():
        wanted = needs | ({op.other} if op.operation_id != "list_leads" else set())
        assert wanted <= covered.get(op.operation_id, set()), (op.operation_id, path, wanted)
    assert {r for op in operations().values() for r in op.required} <= EVERY_RIGHT
