"""The all-errors validators (mock_server/http/validators.py), through HTTP."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from ..conftest import auth, lead_write, problem

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
