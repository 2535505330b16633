"""A small schema language: one declaration both checks input and documents it.

Each request body, query parameter and response of the API is declared once with
these classes. The API checks what clients send against the declaration, and the
OpenAPI document renders the same declaration as JSON Schema, so the two cannot
drift apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from repository.errors import InvalidInput

SchemaDict = dict[str, Any]


class Registry:
    """Named object schemas met while rendering; they become ``components.schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, SchemaDict] = {}

    def ref(self, schema: Obj) -> SchemaDict:
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


def _check_text(value: str, name: str) -> None:
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8.
    if "\x00" in value:
        raise InvalidInput("%(name)s must not contain NUL characters", params={"name": name}, field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("%(name)s is not valid Unicode text", params={"name": name}, field=name) from exc


@dataclass(frozen=True)
class Str(Schema):
    min_length: int = 0
    max_length: int = 1000
    choices: tuple[str, ...] = ()
    fmt: str | None = None

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, str):
            raise InvalidInput("%(name)s must be a string", params={"name": name}, field=name)
        _check_text(value, name)
        if self.choices:
            if value not in self.choices:
                raise InvalidInput(
                    "%(name)s must be one of %(choices)s",
                    params={"name": name, "choices": ", ".join(self.choices)},
                    field=name,
                )
            return value
        if not self.min_length <= len(value.strip()) <= self.max_length:
            raise InvalidInput(
                "%(name)s must be %(min)s to %(max)s characters",
                params={"name": name, "min": self.min_length, "max": self.max_length},
                field=name,
            )
        return value

    def render(self, registry: Registry) -> SchemaDict:
        if self.choices:
            return {"type": "string", "enum": list(self.choices)}
        out: SchemaDict = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            out["minLength"] = self.min_length
        if self.fmt:
            out["format"] = self.fmt
        return out


@dataclass(frozen=True)
class Int(Schema):
    minimum: int = -(2**31)
    maximum: int = 2**31 - 1

    def check(self, value: Any, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("%(name)s must be a whole number", params={"name": name}, field=name)
        if not self.minimum <= value <= self.maximum:
            raise InvalidInput(
                "%(name)s must be from %(min)s to %(max)s",
                params={"name": name, "min": self.minimum, "max": self.maximum},
                field=name,
            )
        return value

    def render(self, registry: Registry) -> SchemaDict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Num(Schema):
    minimum: float = -math.inf
    maximum: float = math.inf

    def check(self, value: Any, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput("%(name)s must be a number", params={"name": name}, field=name)
        if not self.minimum <= value <= self.maximum:
            raise InvalidInput("%(name)s is out of range", params={"name": name}, field=name)
        return float(value)

    def render(self, registry: Registry) -> SchemaDict:
        out: SchemaDict = {"type": "number"}
        if math.isfinite(self.minimum):
            out["minimum"] = self.minimum
        if math.isfinite(self.maximum):
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class Bool(Schema):
    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, bool):
            raise InvalidInput("%(name)s must be true or false", params={"name": name}, field=name)
        return value

    def render(self, registry: Registry) -> SchemaDict:
        return {"type": "boolean"}


@dataclass(frozen=True)
class ListOf(Schema):
    item: Schema = field(default_factory=Str)
    max_items: int = 50

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, list):
            raise InvalidInput("%(name)s must be a list", params={"name": name}, field=name)
        if len(value) > self.max_items:
            raise InvalidInput(
                "%(name)s has more than %(max)s items",
                params={"name": name, "max": self.max_items},
                field=name,
            )
        return [self.item.check(v, name) for v in value]

    def render(self, registry: Registry) -> SchemaDict:
        return {"type": "array", "items": self.item.to_json(registry), "maxItems": self.max_items}


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
        _check_text(encoded, name)
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
        return {"type": "object", "additionalProperties": True}


@dataclass(frozen=True)
class Obj(Schema):
    """An object with named fields; unknown fields are refused so typos do not pass silently."""

    name: str | None = None
    fields: dict[str, Schema] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def check(self, value: Any, name: str = "body") -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidInput("%(name)s must be an object", params={"name": name}, field=name)
        for key in value:
            if key not in self.fields:
                raise InvalidInput(
                    "unknown field %(name)r", params={"name": str(key)[:60]}, field=str(key)[:60]
                )
        for key in self.required:
            if value.get(key) is None:
                raise InvalidInput("%(name)s is required", params={"name": key}, field=key)
        out: dict[str, Any] = {}
        for key, schema in self.fields.items():
            if key not in value:
                continue
            if value[key] is None:
                if schema.nullable:
                    out[key] = None
                continue
            out[key] = schema.check(value[key], key)
        return out

    def render(self, registry: Registry) -> SchemaDict:
        out: SchemaDict = {
            "type": "object",
            "properties": {k: s.to_json(registry) for k, s in self.fields.items()},
            "additionalProperties": False,
        }
        if self.required:
            out["required"] = list(self.required)
        return out

    def to_json(self, registry: Registry) -> SchemaDict:
        if self.name is None:
            return super().to_json(registry)
        ref = registry.ref(self)
        return {"anyOf": [ref, {"type": "null"}]} if self.nullable else ref

    def optional(self, name: str) -> Obj:
        """The same fields with none required: the shape of a PATCH body."""
        return Obj(name=name, description=self.description, fields=self.fields)
