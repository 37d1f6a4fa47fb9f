"""The contract, read once: the enumerations, tables and rights the suite's oracle relies on.

Nothing here restates the contract: every list is read from `openapi/leads.yaml`, so that a
change of the contract (a new status, a moved right) changes what the suite expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from leads_contract import SPEC as DEFAULT_SPEC_PATH  # `--spec` overrides it

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Rights:
    """An operation's `x-rights`: `required` always, `other` for another user's leads."""

    required: tuple[str, ...]
    other: str | None
    by_path: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    summary: str
    rights: Rights
    deprecated: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


class Contract:
    """Read-only view of the contract document."""

    def __init__(self, document: Mapping[str, Any], path: Path | None = None) -> None:
        self.document = document
        self.path = path

    @classmethod
    def load(cls, path: Path = DEFAULT_SPEC_PATH) -> Contract:
        # libyaml's loader when present: the pure-Python one takes most of a second here.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with path.open(encoding="utf-8") as fh:
            document = yaml.load(fh, Loader=loader)
        if not isinstance(document, dict) or "paths" not in document:
            raise ValueError(f"{path} is not an OpenAPI document")
        return cls(document, path)

    def schema(self, name: str) -> Mapping[str, Any]:
        schemas: Mapping[str, Any] = self.document["components"]["schemas"]
        if name not in schemas:
            raise KeyError(f"the contract has no schema {name!r}")
        return schemas[name]

    def parameter(self, name: str) -> Mapping[str, Any]:
        parameters: Mapping[str, Any] = self.document["components"]["parameters"]
        return parameters[name]

    def enum(self, schema_name: str) -> tuple[str, ...]:
        values = self.schema(schema_name).get("enum")
        if not values:
            raise KeyError(f"the contract's schema {schema_name!r} has no enum")
        return tuple(values)

    # Orders the sort keys `status` and `time_frame` follow (D-17): the enumerations' order.
    @cached_property
    def status_order(self) -> tuple[str, ...]:
        return self.enum("LeadStatus")

    @cached_property
    def time_frame_order(self) -> tuple[str, ...]:
        return self.enum("TimeFrame")

    @cached_property
    def named_intervals(self) -> tuple[str, ...]:
        return self.enum("NamedInterval")

    @cached_property
    def channels_by_source(self) -> Mapping[str, tuple[str, ...]]:
        table = self.schema("LeadChannel")["x-channels-by-source"]
        return {source: tuple(channels) for source, channels in table.items()}

    @cached_property
    def sources(self) -> tuple[str, ...]:
        return self.enum("LeadSource")

    @cached_property
    def sort_keys(self) -> tuple[str, ...]:
        return tuple(self.parameter("Sort")["schema"]["enum"])

    @cached_property
    def sort_orders(self) -> tuple[str, ...]:
        return tuple(self.parameter("SortOrder")["schema"]["enum"])

    @cached_property
    def per_page_max(self) -> int:
        return int(self.parameter("PerPage")["schema"]["maximum"])

    @cached_property
    def per_page_default(self) -> int:
        return int(self.parameter("PerPage")["schema"]["default"])

    @cached_property
    def filter_names(self) -> tuple[str, ...]:
        return tuple(self.schema("LeadFilters")["properties"])

    @cached_property
    def wishlist_filter_names(self) -> tuple[str, ...]:
        return tuple(self.schema("WishlistFilters")["properties"])

    @cached_property
    def lead_fields(self) -> tuple[str, ...]:
        """Every field of a lead as answered (`Lead.required`; `notes` only when expanded)."""
        return tuple(self.schema("Lead")["required"])

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        found = []
        for path, item in self.document["paths"].items():
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                rights = op.get("x-rights") or {}
                found.append(
                    Operation(
                        operation_id=op["operationId"],
                        method=method.upper(),
                        path=path,
                        summary=op.get("summary", ""),
                        rights=Rights(
                            required=tuple(rights.get("required", ())),
                            other=rights.get("other"),
                            by_path={k: tuple(v) for k, v in rights.get("by_path", {}).items()},
                        ),
                        deprecated=bool(op.get("deprecated", False)),
                    )
                )
        return tuple(found)

    def raw_operation(self, operation_id: str) -> Mapping[str, Any]:
        """The operation object of the document, as written."""
        for item in self.document["paths"].values():
            for method in _METHODS:
                op = item.get(method)
                if op is not None and op.get("operationId") == operation_id:
                    found: Mapping[str, Any] = op
                    return found
        raise KeyError(f"the contract has no operation {operation_id!r}")

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """`node`, or what its local `$ref` (`#/components/...`) names."""
        while "$ref" in node:
            target: Any = self.document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(f"the contract has no operation {operation_id!r}")

    def filter_description(self, wire_name: str) -> str:
        """The contract's sentence for a filter, by its wire name (`filters[wishlist][types]`)."""
        parts = wire_name.removeprefix("filters[").removesuffix("]").split("][")
        node: Mapping[str, Any] = self.schema("LeadFilters")
        description = ""
        for part in parts:
            props = self._resolve(node).get("properties", {})
            if part not in props:
                return description or "(not described)"
            node = props[part]
            description = self._describe(node) or description
        return description

    def _describe(self, node: Mapping[str, Any]) -> str:
        if "description" in node:
            return " ".join(str(node["description"]).split())
        resolved = self._resolve(node)
        if "enum" in resolved:
            return "equals one of " + ", ".join(map(str, resolved["enum"]))
        return " ".join(str(resolved.get("description", "")).split())

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        while True:
            if "$ref" in node:
                node = self.schema(node["$ref"].rsplit("/", 1)[-1])
            elif "allOf" in node and len(node["allOf"]) == 1:
                node = node["allOf"][0]
            else:
                return node
