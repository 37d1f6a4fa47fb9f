"""The contract, found one way: `DEFAULT_SPEC`, overridable by `create_app(spec=...)`.

Everything the mock knows about the API's vocabulary (enumerations and their order,
channels by source, rights per operation) is read from the contract, never restated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DEFAULT_SPEC = Path(__file__).resolve().parent.parent / "openapi" / "leads.yaml"
_URI = "urn:leads-contract"


@dataclass(frozen=True)
class Rights:
    required: tuple[str, ...]
    other: str
    by_path: dict[str, tuple[str, ...]]


class Contract:
    def __init__(self, path: Path = DEFAULT_SPEC) -> None:
        self.path = Path(path)
        with self.path.open(encoding="utf-8") as fh:
            self.document: dict[str, Any] = yaml.safe_load(fh)

    @property
    def schemas(self) -> dict[str, Any]:
        schemas: dict[str, Any] = self.document["components"]["schemas"]
        return schemas

    def enum(self, schema: str) -> list[str]:
        values: list[str] = self.schemas[schema]["enum"]
        return values

    @cached_property
    def channels_by_source(self) -> dict[str, frozenset[str]]:
        table = self.schemas["LeadChannel"]["x-channels-by-source"]
        return {source: frozenset(channels) for source, channels in table.items()}

    def channel_belongs(self, source: str | None, channel: str | None) -> bool:
        """Whether `channel` is one of `source`'s; source `other` takes any text (D-5)."""
        if source is None or channel is None or source not in self.channels_by_source:
            return True
        return channel in self.channels_by_source[source]

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

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        return Registry().with_resource(_URI, resource)

    def validator(self, schema: str, *, writing: bool) -> Any:
        """A validator for a component schema, honouring readOnly for requests or responses."""
        cls = OAS30WriteValidator if writing else OAS30ReadValidator
        return cls({"$ref": f"{_URI}#/components/schemas/{schema}"}, registry=self._registry)
