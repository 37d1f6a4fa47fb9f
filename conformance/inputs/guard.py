"""Keeps schemathesis' generated requests on leads the suite created.

schemathesis draws lead ids at random, and the contract's two bulk operations have a reach
of their own: `DELETE /leads` without ids deletes every lead, `PATCH /leads` with `/*/...`
patches every lead. Every valid id a generated write request names that the suite did not
create is replaced by one of a few sacrificial leads, a missing id list by a list of one
sacrificial lead, and `*` by a sacrificial lead's id. The request's validity is kept, so the
schema checks still judge the answer. The wildcard and "delete every lead" themselves are
checked by the dedicated destructive tests, which run only with --allow-destructive; with it,
invalid bulk-delete bodies that cannot be made safe are sent too (a correct server refuses
them; a faulty one may delete every lead).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ..checks import ContractViolation
from ..http.client import Exchange
from ..leads import LeadsApi
from .factory import LeadFactory

# Checks that judge an answer by the contract alone. Left out: checks of HTTP conventions the
# contract does not state (405 with `Allow`, responses to undeclared methods).
CONTRACT_CHECKS: tuple[Callable[..., Any], ...] = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
)

# The contract's own pattern for a bulk path's target (`BulkStatusOperation.path`).
_BULK_PATH = re.compile(r"^/(\*|[1-9][0-9]{0,17})(/.*)$")
_INT64_MAX = 2**63 - 1
_POOL_SIZE = 3
_WRITES = ("PUT", "PATCH", "DELETE")


def _as_id(value: Any) -> int | None:
    """The lead id a value names, if it is a valid one (`LeadId`: int64, from 1).

    Invalid values are never rewritten: a rewrite must not turn a request the server has to
    refuse into one it has to accept.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= _INT64_MAX else None


def _created_id(response: Any) -> int | None:
    try:
        return int(response.json()["lead"]["id"])
    except (ValueError, KeyError, TypeError):
        location = response.headers.get("location") or response.headers.get("Location")
        tail = str(location[0] if isinstance(location, list) else location).rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None


class CaseGuard:
    """Rewrites schemathesis' cases before they are sent, and checks their answers."""

    def __init__(
        self, api: LeadsApi, factory: LeadFactory, rnd: random.Random, *, allow_destructive: bool
    ) -> None:
        self.api = api
        self.factory = factory
        self.rnd = rnd
        self.allow_destructive = allow_destructive
        self._pool: list[int] = []
        # Leads this guard created (sacrificial, or by a generated POST): the only ones a
        # generated request may name, so that other tests' leads (the read-only corpus) stay
        # as they are.
        self._owned: set[int] = set()

    def _sacrificial(self) -> int:
        while len(self._pool) < _POOL_SIZE:
            _, lead = self.api.create(self.factory.body(self.rnd))
            self._pool.append(lead["id"])
            self._owned.add(lead["id"])
        return self.rnd.choice(self._pool)

    def _safe(self, value: Any) -> Any:
        """`value`, or an own lead's id in its place when it names another lead."""
        # A path parameter may travel as text: digits name the same lead on the wire.
        as_text = isinstance(value, str) and value.isascii() and value.isdigit()
        lead_id = _as_id(int(value) if as_text else value)
        if lead_id is None or lead_id in self._owned:
            return value
        own = self._sacrificial()
        return str(own) if as_text else own

    def make_safe(self, case: Any) -> bool:
        """Rewrites `case` in place; `False` when it cannot be sent safely (then skip it)."""
        operation = case.operation
        method = operation.method.upper()
        if method not in _WRITES:
            return True
        if "{id}" in operation.path and case.path_parameters and "id" in case.path_parameters:
            case.path_parameters["id"] = self._safe(case.path_parameters["id"])
        if operation.path == "/leads" and method == "PATCH":
            self._guard_bulk_patch(case)
        if operation.path == "/leads" and method == "DELETE":
            return self._guard_bulk_delete(case)
        return True

    def _guard_bulk_patch(self, case: Any) -> None:
        body = case.body
        operations = body.get("operations") if isinstance(body, dict) else None
        if not isinstance(operations, list):
            return
        for op in operations:
            path = op.get("path") if isinstance(op, dict) else None
            match = _BULK_PATH.match(path) if isinstance(path, str) else None
            if match is None:
                continue
            target = match.group(1)
            if target == "*" or int(target) not in self._owned:
                op["path"] = f"/{self._sacrificial()}{match.group(2)}"

    def _guard_bulk_delete(self, case: Any) -> bool:
        body = case.body
        if body is NOT_SET:
            # No body deletes every lead (D-13): name one sacrificial lead instead.
            case.body = {"leads": [self._sacrificial()]}
            case.media_type = "application/json"
            return True
        if not isinstance(body, dict) or ("leads" in body and not isinstance(body["leads"], list)):
            # Invalid bodies a faulty server might read as "no ids, delete everything" cannot
            # be made safe without making them valid: sent only when destruction is allowed.
            return self.allow_destructive
        leads = body.get("leads")
        if not leads:
            body["leads"] = [self._sacrificial()]
            return True
        body["leads"] = [self._safe(item) for item in leads]
        return True

    def after_call(self, case: Any, response: Any) -> None:
        operation = case.operation
        method = operation.method.upper()
        if method == "POST" and response.status_code == 201:
            lead_id = _created_id(response)
            if lead_id is not None:
                self.api.created.add(lead_id)
                self._owned.add(lead_id)
        if method == "DELETE" and 200 <= response.status_code < 300:
            # Whichever sacrificial leads were named are gone; draw new ones when needed.
            self._pool = [i for i in self._pool if self._still_there(i)]

    def cleanup(self) -> None:
        """Deletes the leads this guard created, so later tests page through fewer leads."""
        for lead_id in sorted(self._owned):
            if self.api.client.delete(f"/leads/{lead_id}").status in (204, 404):
                self.api.created.discard(lead_id)
        self._owned.clear()
        self._pool.clear()

    def _still_there(self, lead_id: int) -> bool:
        return self.api.client.get(f"/leads/{lead_id}").status == 200

    def validate(self, case: Any, response: Any) -> None:
        try:
            case.validate_response(response, checks=list(CONTRACT_CHECKS))
        except FailureGroup as exc:
            operation = case.operation
            credentials = self.api.client.credentials
            report = str(exc) if credentials is None else credentials.redact(str(exc))
            raise ContractViolation(
                f"{operation.method.upper()} {operation.path}: answers are documented and match "
                "their schema; invalid input is refused with a documented 4xx; never 5xx",
                [self._exchange(response)],
                "a documented status and body (see the checks below)",
                "\n" + report,
            ) from None

    def _exchange(self, response: Any) -> Exchange:
        """schemathesis' request and answer as an `Exchange`, for the curl command."""
        request = response.request
        credentials = self.api.client.credentials
        shown = {}
        for name, value in request.headers.items():
            if name.lower() == "authorization" and credentials is not None:
                value = credentials.redact(value)
            if name.lower() not in (
                "user-agent",
                "accept-encoding",
                "accept",
                "connection",
                "content-length",
                "x-schemathesis-testcaseid",
            ):
                shown[name] = value
        body = request.body
        return Exchange(
            method=request.method,
            url=unquote(request.url),
            request_headers=dict(request.headers),
            request_body=body.encode() if isinstance(body, str) else body,
            status=response.status_code,
            response_headers={
                k.lower(): ", ".join(v) if isinstance(v, list) else v
                for k, v in response.headers.items()
            },
            response_text=response.text or "",
            shown_headers=shown,
        )
