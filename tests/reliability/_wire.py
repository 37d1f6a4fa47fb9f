"""What the query string carries of generated `filters` (see `schemathesis_hooks.py`); apart,
so that tests can import it without registering a schemathesis hook in their process."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from ._support import SPEC


@cache
def _spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = _spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _options(schema: Any) -> list[dict[str, Any]]:
    """The schema and every branch of its allOf/oneOf/anyOf, resolved."""
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return []
    found = [schema]
    for keyword in ("allOf", "oneOf", "anyOf"):
        for option in schema.get(keyword, []):
            found += _options(option)
    return found


def _container_allowed(schema: Any) -> bool:
    return any(
        o.get("type") in ("object", "array") or "properties" in o or "items" in o
        for o in _options(schema)
    )


def _child(schema: Any, key: str) -> Any:
    for option in _options(schema):
        if key in option.get("properties", {}):
            return option["properties"][key]
        extra = option.get("additionalProperties")
        if isinstance(extra, dict):
            return extra
    return {}


def carried(value: Any, schema: Any) -> bool:
    """Whether `value`, under `schema`, reaches the server as itself."""
    if isinstance(value, dict):
        return all(
            "[" not in str(key) and "]" not in str(key) and carried(item, _child(schema, str(key)))
            for key, item in value.items()
        )
    if isinstance(value, list):
        items: Any = next((o["items"] for o in _options(schema) if "items" in o), {})
        return all(carried(item, items) for item in value)
    return not (value == "" and _container_allowed(schema))


_PART = re.compile(r"\[([^\[\]]*)\]")


def filters_carried(query: dict[str, Any] | None) -> bool:
    """Whether the generated `filters` of a query reach the server as themselves. schemathesis
    hands hooks a deepObject already flattened (`{"filters[wishlist][types]": ""}`)."""
    schema = _resolve({"$ref": "#/components/parameters/Filters"})["schema"]
    for key, value in (query or {}).items():
        if key == "filters":
            if not carried(value, schema):
                return False
            continue
        if not isinstance(key, str) or not key.startswith("filters["):
            continue
        rest = key.removeprefix("filters")
        parts = _PART.findall(rest)
        if "".join(f"[{p}]" for p in parts) != rest:  # a bracket inside a key
            return False
        node = schema
        for part in parts:
            node = _child(node, part)
        if not carried(value, node):
            return False
    return True
