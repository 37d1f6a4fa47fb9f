"""Every example in the contract validates against the schema it illustrates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from .conftest import SPEC_PATH

_SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
_URI = "urn:leads-contract"
_METHODS = ("get", "put", "post", "delete", "patch")


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = _SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _examples_of(holder: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if "example" in holder:
        yield "example", holder["example"]
    for name, example in holder.get("examples", {}).items():
        yield name, _deref(example)["value"]


def _cases() -> Iterator[Any]:
    """(id, schema pointer, value, is_request) for every example in the contract."""
    for path, item in _SPEC["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [_deref(p) for p in [*item.get("parameters", []), *op.get("parameters", [])]]
            for param in params:
                for name, value in _examples_of(param):
                    ref = param["schema"]
                    yield pytest.param(
                        ref, value, True, id=f"{method} {path} param {param['name']} {name}"
                    )
            body = op.get("requestBody")
            if body:
                for ctype, media in _deref(body)["content"].items():
                    for name, value in _examples_of(media):
                        yield pytest.param(
                            media["schema"], value, True, id=f"{method} {path} body {ctype} {name}"
                        )
            for status, response in op["responses"].items():
                for ctype, media in _deref(response).get("content", {}).items():
                    for name, value in _examples_of(media):
                        yield pytest.param(
                            media["schema"],
                            value,
                            False,
                            id=f"{method} {path} {status} {ctype} {name}",
                        )
    for name, schema in _SPEC["components"]["schemas"].items():
        if "example" in schema:
            ref = {"$ref": "#" + _pointer("components", "schemas", name)}
            yield pytest.param(ref, schema["example"], False, id=f"schema {name}")


def _validator(schema: dict[str, Any], is_request: bool) -> Any:
    registry: Registry[Any] = Registry().with_resource(
        _URI, Resource.from_contents(_SPEC, default_specification=DRAFT4)
    )
    # Resolve the contract's local refs ("#/components/...") against the whole document.
    rooted = {"$ref": _URI + schema["$ref"]} if "$ref" in schema else schema
    cls = OAS30WriteValidator if is_request else OAS30ReadValidator
    return cls(rooted, registry=registry)


CASES = list(_cases())


def test_the_contract_has_examples_for_every_operation() -> None:
    ids = " ".join(case.id for case in CASES)
    for path, item in _SPEC["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            has_body = "requestBody" in op
            has_json_response = any(
                "content" in _deref(r) and code.startswith("2")
                for code, r in op["responses"].items()
            )
            if has_body:
                assert f"{method} {path} body" in ids, f"{method} {path} has no request example"
            if has_json_response:
                assert any(case.id.startswith(f"{method} {path} 2") for case in CASES), (
                    f"{method} {path} has no response example"
                )


@pytest.mark.parametrize(("schema", "value", "is_request"), CASES)
def test_example_matches_its_schema(schema: dict[str, Any], value: Any, is_request: bool) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(schema, is_request).iter_errors(value)
    ]
    assert not errors, errors
