"""The one place errors are made: every problem+json the mock answers is built from here.

Semantic code raises `ApiError` from a template kept in `TEMPLATES`; `problem_body` is the
Problem (RFC 9457) it answers. The HTTP layer turns it, and every error of Connexion's own
(validation, routing, security), into a response with `http.problems.problem_response`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

# Message templates, kept together so that wording stays consistent.
TEMPLATES: dict[str, tuple[int, str]] = {
    "unauthorized": (
        401,
        "A valid bearer token is required: send 'Authorization: Bearer <token>'.",
    ),
    "unknown_token": (
        401,
        "The bearer token is unknown: this server did not issue it, or has forgotten it "
        "(revoked, another fixture set loaded, or a restart).",
    ),
    "expired_token": (401, "The bearer token expired at {at}: fetch a new one."),
    "missing_rights": (403, "This operation needs the right(s) {rights}."),
    "other_lead": (403, "Lead {id} is assigned to another user; this needs the right {right}."),
    "other_user": (403, "Assigning a lead to another user than yourself needs the right {right}."),
    "lead_not_found": (404, "Lead {id} does not exist."),
    "leads_not_found": (404, "These leads do not exist: {ids}."),
    "fixture_set_not_found": (404, "There is no fixture set {name!r}; available: {available}."),
    "route_not_found": (404, "There is no resource at {path}."),
    "method_not_allowed": (405, "{method} is not allowed on {path}."),
    "invalid_request": (400, "The request has {count} invalid field(s)."),
    "malformed_body": (400, "The body is not valid JSON: {reason}."),
    "client_error": (400, "The request cannot be read: {reason}."),
    "too_large": (413, "The body is larger than the {limit} bytes the mock accepts."),
    "unsupported_media_type": (415, "The body must be application/json, not {content_type}."),
    "unprocessable": (422, "The request breaks {count} rule(s) of the API."),
    "not_acceptable": (406, "The mock answers application/json only."),
    "internal": (
        500,
        "The mock server failed: {reason}. This is a bug in the mock; please report it.",
    ),
    "unavailable": (503, "The mock simulated a failure (fault injection); try again."),
    "bad_prefer": (400, "Cannot apply the Prefer header: {reason}."),
    "forced": (0, "A response forced with the Prefer header."),
}


def field_error(location: str, name: str, message: str) -> dict[str, str]:
    """One entry of a problem's `errors`: where (`body`, `query`, `path`, `header`) and what."""
    return {"in": location, "name": name, "message": message}


class ApiError(Exception):
    """An error answer, raised by semantic code and rendered by `problem_response`."""

    def __init__(
        self,
        template: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        status, text = TEMPLATES[template]
        status = params.pop("status", status)
        if errors is not None:
            params.setdefault("count", len(errors))
        super().__init__(text.format(**params))
        self.status = status
        self.detail = text.format(**params)
        self.errors = errors
        self.headers = headers or {}


def problem_body(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body
