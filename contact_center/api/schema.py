"""A small schema language: one declaration both checks input and documents it.

Each request body, query parameter and response of the API is declared once with
these classes. The API checks what clients send against the declaration, and the
OpenAPI document renders the same declaration as JSON Schema, so the two cannot
drift apart. This module holds what every kind of schema shares: the ``Schema`` base
(check, render, nullable and description) and the ``Registry`` that collects named
schemas for ``components.schemas``. The kinds themselves are in
contact_center/api/schema_scalars.py (text, numbers, booleans),
contact_center/api/schema_collections.py (lists, pairs, maps, free JSON) and
contact_center/api/schema_objects.py (objects with named fields and variants).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

SchemaDict = dict[str, Any]


class NamedSchema(Protocol):
    """A schema written once under ``components.schemas`` and referred to by name."""

    @property
    def name(self) -> str | None: ...

    def render(self, registry: Registry) -> SchemaDict: ...


class Registry:
    """Named object schemas met while rendering; they become ``components.schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, SchemaDict] = {}

    def ref(self, schema: NamedSchema) -> SchemaDict:
        assert schema.name is not None
        if schema.name not in self.schemas:
            self.schemas[schema.name] = {}  # reserve first: schemas may nest themselves
            self.schemas[schema.name] = schema.render(self)
        return {"$ref": f"#/components/schemas/{schema.name}"}


@dataclass(frozen=True)
class Schema:
    description: str = ""
    nullable: bool = False

    def check(self, value: Any, name: str) -> Any:
        """The accepted (possibly normalised) value, or InvalidInput naming ``name``."""
        raise NotImplementedError

    def render(self, registry: Registry) -> SchemaDict:
        """This schema as JSON Schema (OpenAPI 3.1 dialect)."""
        raise NotImplementedError

    def to_json(self, registry: Registry) -> SchemaDict:
        rendered = self.render(registry)
        if self.nullable:
            if "$ref" in rendered:
                rendered = {"anyOf": [rendered, {"type": "null"}]}
            else:
                kind = rendered.get("type")
                rendered["type"] = [kind, "null"] if isinstance(kind, str) else kind
                if "enum" in rendered:  # an enum must list null too, or null never validates
                    rendered["enum"] = [*rendered["enum"], None]
        if self.description:
            rendered = {**rendered, "description": self.description}
        return rendered
