"""The contract, found one way: `DEFAULT_SPEC`, overridable by `create_app(spec=...)`.

Everything the mock knows about the API's vocabulary (enumerations and their order,
channels by source, rights per operation) is read from the contract, never restated; the
semantics get it as plain `api.terms.Terms`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from leads_contract import SPEC as DEFAULT_SPEC
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ..api.terms import Rights, Terms

_URI = "urn:leads-contract"


def load_yaml(stream: Any) -> Any:
    """Safe YAML, with libyaml's C parser when PyYAML has it: ten times faster on the
    contract, which is most of the mock's start-up."""
    return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class Contract:
    def __init__(self, path: Path = DEFAULT_SPEC) -> None:
        self.path = Path(path)
        with self.path.open(encoding="utf-8") as fh:
            self.document: dict[str, Any] = load_yaml(fh)
        self._validators: dict[tuple[str, bool], Any] = {}
        self._fast: dict[str, jsonschema_rs.Validator] = {}

    @property
    def schemas(self) -> dict[str, Any]:
        schemas: dict[str, Any] = self.document["components"]["schemas"]
        return schemas

    def enum(self, schema: str) -> list[str]:
        values: list[str] = self.schemas[schema]["enum"]
        return values

    @cached_property
    def terms(self) -> Terms:
        """What the semantics need of the contract, as plain data."""
        table = self.schemas["LeadChannel"]["x-channels-by-source"]
        return Terms(
            rights=self.rights,
            status_order=tuple(self.enum("LeadStatus")),
            time_frame_order=tuple(self.enum("TimeFrame")),
            channels_by_source={source: frozenset(chans) for source, chans in table.items()},
        )

    @cached_property
    def rights(self) -> dict[str, Rights]:
        """x-rights of every operation, by operationId."""
        found: dict[str, Rights] = {}
        for item in self.document["paths"].values():
            for method, op in item.items():
                if method == "parameters":
                    continue
                ext = op["x-rights"]
                found[op["operationId"]] = Rights(
                    required=tuple(ext["required"]),
                    other=ext["other"],
                    by_path={k: tuple(v) for k, v in ext.get("by_path", {}).items()},
                )
        return found

    def resolve(self, node: Any) -> Any:
        """Follows local `$ref`s (`#/components/...`) to the node they name."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    @cached_property
    def operations(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """(method, path, operation) by operationId."""
        return {
            op["operationId"]: (method.upper(), path, op)
            for path, item in self.document["paths"].items()
            for method, op in item.items()
            if method != "parameters"
        }

    def allowed_methods(self, path: str) -> list[str]:
        """The methods the contract documents for a concrete path (for a 405's `Allow`)."""
        allowed: list[str] = []
        for template, item in self.document["paths"].items():
            if re.fullmatch(path_pattern(template), path):
                allowed += [m.upper() for m in item if m != "parameters"]
        return sorted(set(allowed))

    @cached_property
    def known_rights(self) -> frozenset[str]:
        """Every right some operation names."""
        named = set()
        for rights in self.rights.values():
            named |= {
                *rights.required,
                rights.other,
                *(r for rs in rights.by_path.values() for r in rs),
            }
        return frozenset(named)

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        return Registry().with_resource(_URI, resource)

    def validator(self, schema: str, *, writing: bool) -> Any:
        """A validator for a component schema, honouring readOnly for requests or responses."""
        key = (schema, writing)
        if key not in self._validators:
            # Imported here: it brings pydantic along (0.2 s), and only tests call this.
            from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

            cls = OAS30WriteValidator if writing else OAS30ReadValidator
            ref = {"$ref": f"{_URI}#/components/schemas/{schema}"}
            self._validators[key] = cls(ref, registry=self._registry)
        return self._validators[key]

    def fast_validator(self, schema: str) -> jsonschema_rs.Validator:
        """A compiled (Rust) validator of a component schema as plain JSON Schema: about
        100 times faster than `validator`, which matters when loading 100k fixture leads.
        It ignores readOnly, so use it where no readOnly property can appear."""
        if schema not in self._fast:
            self._fast[schema] = jsonschema_rs.Draft4Validator(
                self.plain_schema(schema), validate_formats=True
            )
        return self._fast[schema]

    def plain_schema(self, schema: str) -> dict[str, Any]:
        """A component schema as the plain JSON Schema `fast_validator` compiles (a new copy)."""
        plain: dict[str, Any] = plain_json_schema(
            self.resolve({"$ref": f"#/components/schemas/{schema}"}), self.resolve
        )
        return plain


def path_pattern(template: str, segment: str = "[^/]+") -> str:
    """A regular expression for the concrete paths of a template: each `{name}` becomes
    `segment` (`/leads/{id}` -> `/leads/[^/]+`)."""
    return re.sub(r"\\\{[^}]+\\\}", segment, re.escape(template))


_OPENAPI_ONLY = ("nullable", "readOnly", "writeOnly", "example", "description", "discriminator")
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("additionalProperties", "additionalItems", "not", "items")


def plain_json_schema(
    node: Any, resolve: Callable[[Any], Any] = lambda node: node, *, nullable: bool = True
) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4: refs inlined by `resolve` (the contract has
    no cycles; Connexion hands schemas already resolved), `nullable` turned into a null type
    and a null enum value, as Connexion's request body validator reads it (`nullable` lets
    null pass `type` and `enum`; with `nullable=False` it is dropped, as its parameter
    validator, plain Draft 4, ignores it), OpenAPI-only keywords dropped. Only the keywords
    that hold schemas are followed: what else a node holds (Connexion attaches the
    contract's `components`, examples and all) is kept as it is."""
    node = resolve(node)
    if not isinstance(node, dict):
        return node
    plain: dict[str, Any] = {}
    for key, value in node.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            plain[key] = {
                name: plain_json_schema(sub, resolve, nullable=nullable)
                for name, sub in value.items()
            }
        elif key in (*_SCHEMA_LISTS, *_SCHEMA_ONE) and isinstance(value, list):
            # allOf, anyOf, oneOf, and `items` as a tuple of schemas
            plain[key] = [plain_json_schema(sub, resolve, nullable=nullable) for sub in value]
        elif key in _SCHEMA_ONE:
            plain[key] = plain_json_schema(value, resolve, nullable=nullable)
        else:
            plain[key] = value
    if nullable and node.get("nullable"):
        if "type" in plain:
            plain["type"] = [plain["type"], "null"]
        if "enum" in plain and None not in plain["enum"]:
            plain["enum"] = [*plain["enum"], None]
    return plain
