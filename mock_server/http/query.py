"""Query strings with PHP-style brackets, parsed the way clients of the API write them.

`filters[wishlist][from_price]=5` becomes `{"wishlist": {"from_price": 5}}`; a list is the
key repeated or comma-separated, with or without `[]` or an index (`[locations]=a,b`,
`[locations][]=a`, `[locations][0]=a&[locations][1]=b`). Values are cast to the schema's
types; a value that does not cast is left as text for validation to refuse, as is a scalar
given twice.
Connexion's own deepObject parser keeps only the first value of a key, has no arrays and
fails on nested schemas without `properties` (oneOf, additionalProperties), hence this one.
"""

from __future__ import annotations

import re
from typing import Any

from connexion.uri_parsing import OpenAPIURIParser

from ..api.errors import field_error
from .validators import InvalidRequest

_MAX_DEPTH = 8  # the contract's deepest filter is 3 levels; more is an attack, not a filter
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


def split_key(key: str) -> tuple[str, list[str]]:
    """`filters[a][b]` -> (`filters`, [`a`, `b`]); a key without brackets has no path."""
    match = _KEY.match(key)
    if match is None:
        return key, []
    return match.group(1), _PART.findall(match.group(2))


def _branch(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    """The part of a composed schema that describes this shape of value."""
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _branch(schema["allOf"][0], value)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            wants_object = isinstance(value, dict)
            for option in schema[keyword]:
                option = _branch(option, value)
                is_object = option.get("type") == "object" or "properties" in option
                if is_object == wants_object:
                    return option
    return schema


def _object_allowed(schema: dict[str, Any]) -> bool:
    options = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf")
    if options:
        return any(_object_allowed(o) for o in options)
    return schema.get("type") == "object" or "properties" in schema


def _cast(text: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Leaves are lists of texts; cast them by the schema, recursively."""
    if value == [""] and _object_allowed(schema):
        return {}  # `filters[wishlist]=` is how an empty object goes on the wire
    if value == [""] and _branch(schema, value).get("type") == "array":
        return []  # and `filters[wishlist][types]=` an empty list
    schema = _branch(schema, value)
    if isinstance(value, dict) and schema.get("type") != "array":
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        fallback = extra if isinstance(extra, dict) else {}
        return {k: coerce(v, props.get(k, fallback)) for k, v in value.items()}
    if schema.get("type") == "array":
        if isinstance(value, dict):  # `[locations][]=a` or `[locations][0]=a`: in index order
            if not all(k == "" or k.isdigit() for k in value):
                return value  # validation refuses it
            ordered = sorted(value.items(), key=lambda kv: int(kv[0]) if kv[0] else -1)
            value = [
                v for _, texts in ordered for v in (texts if isinstance(texts, list) else [texts])
            ]
        item = schema.get("items", {})
        texts = [part for v in value for part in v.split(",")]  # `a,b` as well as repeated keys
        return [_cast(v, _branch(item, v)) for v in texts]
    if len(value) == 1:
        return _cast(value[0], schema)
    return value  # a scalar given more than once: validation refuses the list


class BracketQueryParser(OpenAPIURIParser):
    def resolve_query(self, query_data: dict[str, list[str]]) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        conflicts: list[dict[str, str]] = []
        for key, values in query_data.items():
            root, path = split_key(key)
            if len(path) > _MAX_DEPTH:
                conflicts.append(field_error("query", key[:100], "nested too deeply"))
                continue
            if (
                not path
                or not self._is_deep_object_style_param(root)
                or root not in self.param_defns
            ):
                tree.setdefault(key, []).extend(values)
                continue
            node = tree.setdefault(root, {})
            for part in path[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    break
            if not isinstance(node, dict) or not path or isinstance(node.get(path[-1]), dict):
                conflicts.append(
                    field_error("query", key, "conflicts with another key of the same filter")
                )
                continue
            node.setdefault(path[-1], []).extend(values)
        if conflicts:
            raise InvalidRequest(conflicts)
        return {
            k: coerce(v, self.param_schemas[k]) if k in self.param_schemas else v
            for k, v in tree.items()
        }
