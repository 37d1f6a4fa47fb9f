"""What `mock_server/http/framework.py` and the per-app caches of `app.py` and `validators.py`
change in Connexion's request path: work done once instead of per request, same answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import connexion.decorators.parameter
import connexion.security
import pytest

from mock_server import create_app
from mock_server.http.framework import fast_jsonifier
from mock_server.http.validators import validators_for_one_app

from ..conftest import auth


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, calls: list[str]) -> None:
    original: Callable[..., Any] = module.inspect_function_arguments

    def counted(function: Callable[..., Any]) -> Any:
        calls.append(module.__name__)
        return original(function)

    monkeypatch.setattr(module, "inspect_function_arguments", counted)


def test_handlers_and_the_token_function_are_inspected_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    _counting(monkeypatch, connexion.security, calls)
    _counting(monkeypatch, connexion.decorators.parameter, calls)
    # Answers checked against the contract: no fast path, every request through Connexion.
    client = create_app(response_cache=False, validate_responses=True).test_client()
    for _ in range(2):  # the first request of each operation may inspect
        assert client.get("/leads/1", headers=auth()).status_code == 200
        assert client.get("/leads?per_page=1", headers=auth()).status_code == 200
    before = len(calls)
    assert before > 0  # the counting reached Connexion: the test can fail
    for _ in range(5):
        assert client.get("/leads/1", headers=auth()).status_code == 200
        assert client.get("/leads?per_page=1", headers=auth()).status_code == 200
    assert len(calls) == before  # Connexion alone: 3 inspections per request


def test_each_operation_still_gets_its_own_parameters() -> None:
    # The handler built once must still read each request's parameters, not the first's.
    client = create_app(response_cache=False).test_client()
    first = client.get("/leads/1", headers=auth()).json()["lead"]["id"]
    second = client.get("/leads/2", headers=auth()).json()["lead"]["id"]
    assert (first, second) == (1, 2)
    assert client.get("/leads?per_page=3", headers=auth()).json()["per_page"] == 3
    assert client.get("/leads?per_page=4", headers=auth()).json()["per_page"] == 4


def test_validators_are_built_once_per_schema_and_per_app() -> None:
    params, body = validators_for_one_app()
    schema: dict[str, Any] = {"type": "integer", "minimum": 1}
    assert params.compiled(schema) is params.compiled(schema)
    assert params.compiled(schema) is not params.compiled(dict(schema))  # another object
    other_params, _ = validators_for_one_app()
    assert other_params.compiled(schema) is not params.compiled(schema)
    assert not list(params.compiled(schema)[1].iter_errors(3))
    assert list(params.compiled(schema)[1].iter_errors(0))
    lead_body: dict[str, Any] = {"type": "object", "required": ["lead"]}
    assert body.compiled(lead_body) is body.compiled(lead_body)


@pytest.mark.parametrize(
    "data",
    [
        {"lead": {"id": 1, "first_name": "Zoë", "note": "line\nbreak", "price": 1.5}},
        {"count": 0, "leads": [], "page": 1, "per_page": 20},
        {"custom": 2**70},  # past 64 bits: orjson refuses, the standard library answers
    ],
)
def test_answers_encode_to_the_same_json(data: dict[str, Any]) -> None:
    text = fast_jsonifier().dumps(data)
    assert text.endswith("\n")
    assert json.loads(text) == data
