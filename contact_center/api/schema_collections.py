"""Collection schemas: lists, fixed pairs, maps with fixed or free keys, and free JSON objects.

Each holds values of one declared kind and checks them item by item, bounded in
count or size so a request cannot grow without limit. Objects with named fields are
separate (contact_center/api/schema_objects.py): they carry the required, one-of and
variant rules that collections do not. Part of the schema language described in
contact_center/api/schema.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from contact_center.api.schema import Registry, Schema, SchemaDict
from contact_center.api.schema_scalars import ANY_TEXT, Int, Str, check_text
from repository.errors import InvalidInput


@dataclass(frozen=True)
class ListOf(Schema):
    item: Schema = field(default_factory=Str)
    max_items: int = 50
    min_items: int = 0

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, list):
            raise InvalidInput("%(name)s must be a list", params={"name": name}, field=name)
        if len(value) < self.min_items:
            raise InvalidInput(
                "%(name)s needs at least %(min)s items",
                params={"name": name, "min": self.min_items},
                field=name,
            )
        if len(value) > self.max_items:
            raise InvalidInput(
                "%(name)s has more than %(max)s items",
                params={"name": name, "max": self.max_items},
                field=name,
            )
        return [self.item.check(v, name) for v in value]

    def render(self, registry: Registry) -> SchemaDict:
        out = {"type": "array", "items": self.item.to_json(registry), "maxItems": self.max_items}
        if self.min_items:
            out["minItems"] = self.min_items
        return out


@dataclass(frozen=True)
class Pair(Schema):
    """Two values in order, such as an [open, close] span; ``distinct``: not the same twice."""

    first: Schema = field(default_factory=Str)
    second: Schema = field(default_factory=Str)
    distinct: bool = False
    reason: str = "%(name)s is a pair of values"

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, list) or len(value) != 2 or (self.distinct and value[0] == value[1]):
            raise InvalidInput(self.reason, params={"name": name}, field=name)
        return [self.first.check(value[0], name), self.second.check(value[1], name)]

    def render(self, registry: Registry) -> SchemaDict:
        out: SchemaDict = {
            "type": "array",
            "prefixItems": [self.first.to_json(registry), self.second.to_json(registry)],
            "items": False,
            "minItems": 2,
        }
        if self.distinct:
            out["uniqueItems"] = True
        return out


@dataclass(frozen=True)
class MapOf(Schema):
    """An object whose keys come from a fixed set, all with the same kind of value."""

    keys: tuple[str, ...] = ()
    value: Schema = field(default_factory=Int)

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, dict):
            raise InvalidInput("%(name)s must be an object", params={"name": name}, field=name)
        for key in value:
            if key not in self.keys:
                raise InvalidInput(
                    "%(name)s keys are %(keys)s",
                    params={"name": name, "keys": ", ".join(self.keys)},
                    field=name,
                )
        return {k: self.value.check(v, name) for k, v in value.items()}

    def render(self, registry: Registry) -> SchemaDict:
        return {
            "type": "object",
            "properties": {k: self.value.to_json(registry) for k in self.keys},
            "additionalProperties": False,
        }


@dataclass(frozen=True)
class DictOf(Schema):
    """An object with keys of the caller's choosing (``key`` checks them), one kind of value."""

    key: Schema = field(default_factory=Str)
    value: Schema = field(default_factory=Int)
    max_items: int = 50

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, dict):
            raise InvalidInput("%(name)s must be an object", params={"name": name}, field=name)
        if len(value) > self.max_items:
            raise InvalidInput(
                "%(name)s has more than %(max)s items",
                params={"name": name, "max": self.max_items},
                field=name,
            )
        return {self.key.check(k, name): self.value.check(v, name) for k, v in value.items()}

    def render(self, registry: Registry) -> SchemaDict:
        return {
            "type": "object",
            "propertyNames": self.key.to_json(registry),
            "additionalProperties": self.value.to_json(registry),
            "maxProperties": self.max_items,
        }


@dataclass(frozen=True)
class FreeObject(Schema):
    """Any JSON object the store can keep: finite numbers, clean text, bounded size."""

    max_bytes: int = 16 * 1024

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, dict):
            raise InvalidInput("%(name)s must be a JSON object", params={"name": name}, field=name)
        try:
            encoded = json.dumps(value, allow_nan=False, ensure_ascii=False)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(
                "%(name)s must hold finite numbers only", params={"name": name}, field=name
            ) from exc
        check_text(encoded, name)
        if "\\u0000" in encoded:
            raise InvalidInput("%(name)s must not contain NUL characters", params={"name": name}, field=name)
        if len(encoded.encode()) > self.max_bytes:
            raise InvalidInput(
                "%(name)s is larger than %(max)s bytes",
                params={"name": name, "max": self.max_bytes},
                field=name,
            )
        return value

    def render(self, registry: Registry) -> SchemaDict:
        if "JsonValue" not in registry.schemas:
            # Any JSON whose text, keys included, is free of NUL; nested to any depth.
            value = {"$ref": "#/components/schemas/JsonValue"}
            text = {"type": "string", "pattern": ANY_TEXT}
            registry.schemas["JsonValue"] = {
                "anyOf": [
                    {"type": ["null", "boolean", "number"]},
                    text,
                    {"type": "array", "items": value},
                    {"type": "object", "propertyNames": text, "additionalProperties": value},
                ]
            }
        return {
            "type": "object",
            "propertyNames": {"type": "string", "pattern": ANY_TEXT},
            "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        }
