"""What the reliability tests share: the contract and the fixture users as data, the mock's
exported state, and the check that an answer is a documented problem.

These tests are black-box: they know the contract, the fixture files and HTTP, never the mock's
code.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi" / "leads.yaml"
FIXTURES = REPO / "fixtures" / "default"
ADMIN = {"Authorization": "Bearer admin-token"}
PROBLEM_JSON = "application/problem+json"


@cache
def _contract() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


def contract() -> dict[str, Any]:
    """The contract as data (a copy: callers may change it)."""
    return copy.deepcopy(_contract())


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    required: frozenset[str]
    other: str
    by_path: dict[str, frozenset[str]]
    statuses: frozenset[int]  # the documented ones


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the contract with its `x-rights` and documented statuses."""
    found = {}
    for path, item in _contract()["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            rights = op["x-rights"]
            found[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                required=frozenset(rights["required"]),
                other=rights["other"],
                by_path={p: frozenset(r) for p, r in rights.get("by_path", {}).items()},
                statuses=frozenset(int(code) for code in op["responses"]),
            )
    return found


def lead_write(**changes: Any) -> dict[str, Any]:
    """The contract's `LeadWrite` example (valid against the default fixtures), changed."""
    body: dict[str, Any] = contract()["components"]["examples"]["LeadWrite"]["value"]
    body["lead"].update(changes)
    return body


@cache
def _fixture(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


def users() -> list[dict[str, Any]]:
    return copy.deepcopy(_fixture("users.json"))


def statuses() -> list[str]:
    values: list[str] = _contract()["components"]["schemas"]["LeadStatus"]["enum"]
    return list(values)


def state(http: httpx.Client) -> dict[str, Any]:
    """The mock's whole state (`GET /__mock/state`) without its export time."""
    response = http.get("/__mock/state")
    assert response.status_code == 200, response.text
    exported: dict[str, Any] = response.json()
    exported.pop("exported_at", None)
    return exported


def reset(http: httpx.Client) -> None:
    response = http.post("/__mock/reset")
    assert response.status_code == 200, response.text


def healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/__mock/health").status_code == 200
    except httpx.TransportError:
        return False


def problem_issues(response: httpx.Response, expected: int | frozenset[int]) -> list[str]:
    """What is wrong with `response` as the documented problem answer (empty: nothing)."""
    wanted = frozenset({expected}) if isinstance(expected, int) else expected
    issues = []
    if response.status_code not in wanted:
        issues.append(f"status {response.status_code}, expected {sorted(wanted)}")
    media = response.headers.get("content-type", "")
    if not media.startswith(PROBLEM_JSON):
        issues.append(f"content type {media!r}, expected {PROBLEM_JSON}")
    try:
        body = response.json()
    except ValueError:
        return [*issues, f"body is not JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict):
        return [*issues, f"body is not an object: {response.text[:200]!r}"]
    for key, kind in (("type", str), ("title", str), ("status", int)):
        if not isinstance(body.get(key), kind) or not body[key]:
            issues.append(f"problem member {key!r} missing or not a {kind.__name__}")
    if body.get("status") != response.status_code:
        issues.append(f"problem status {body.get('status')!r} != {response.status_code}")
    return issues


def describe(response: httpx.Response) -> str:
    """The request as curl and the answer, for failure messages."""
    request = response.request
    headers = " ".join(
        f"-H '{k}: {v}'" for k, v in request.headers.items() if k.lower() not in _NOISE
    )
    try:
        body = request.content
    except httpx.RequestNotRead:  # sent as a stream (chunked)
        body = b"(a streamed body)"
    shown = body[:300].decode("utf-8", "replace") if body else ""
    data = f" --data-binary '{shown}{'...' if len(body) > 300 else ''}'" if body else ""
    url = str(request.url)
    url = url if len(url) <= 300 else url[:300] + "..."
    return (
        f"curl -g -X {request.method} {headers}{data} '{url}'\n"
        f"  -> {response.status_code} {response.headers.get('content-type', '')} "
        f"{response.text[:300]}"
    )


_NOISE = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length"}
