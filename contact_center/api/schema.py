"""A small schema language: one declaration both checks input and documents it.

Each request body, query parameter and response of the API is declared once with
these classes. The API checks what clients send against the declaration, and the
OpenAPI document renders the same declaration as JSON Schema, so the two cannot
drift apart.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from repository.errors import InvalidInput

SchemaDict = dict[str, Any]
# ECMAScript's \\s (WhiteSpace and LineTerminator) spelled out, so that Python's re on the
# server and the JSON Schema validators of clients read the same set of characters; plus
# the separators Python's str.strip() also removes (U+001C-U+001F, U+0085), so a value the
# document calls "not blank" stays non-empty when a handler strips it.
SPACE = "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
# Every string refuses NUL (PostgreSQL cannot store it); a required one also refuses blank.
ANY_TEXT = "^[^\\u0000]*$"
SOME_TEXT = f"^[^\\u0000]*[^\\u0000{SPACE}][^\\u0000]*$"


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A document pattern (``^...$``, ECMAScript syntax shared with Python) for ``fullmatch``.

    ``fullmatch`` makes ``$`` mean the very end, as in ECMAScript; ``re.search`` would let it
    match before a final newline.
    """
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return re.compile(pattern)


class Registry:
    """Named object schemas met while rendering; they become ``components.schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, SchemaDict] = {}

    def ref(self, schema: Obj | Str) -> SchemaDict:
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
    """Text. Lengths count characters as JSON Schema does; ``min_length`` >= 1 also means not blank.

    ``pattern`` is the field's own rule, in the document exactly as the server applies it;
    it must refuse NUL itself. ``pattern_reason`` is the message when it does not match.
    """

    min_length: int = 0
    max_length: int = 1000
    choices: tuple[str, ...] = ()
    fmt: str | None = None
    pattern: str | None = None
    pattern_reason: str = "%(name)s is not in the expected form"
    # A named format (PhoneNumber, TimeZone…) is written once under components.schemas.
    name: str | None = None

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, str):
            raise InvalidInput("%(name)s must be a string", params={"name": name}, field=name)
        _check_text(value, name)
        if self.choices:
            if value not in self.choices and len(self.choices) > 20:
                # A long list (time zones) is in the document, not in every error message.
                raise InvalidInput(
                    "%(name)s is not one of the allowed values", params={"name": name}, field=name
                )
            if value not in self.choices:
                raise InvalidInput(
                    "%(name)s must be one of %(choices)s",
                    params={"name": name, "choices": ", ".join(self.choices)},
                    field=name,
                )
            return value
        if not self.min_length <= len(value) <= self.max_length:
            raise InvalidInput(
                "%(name)s must be %(min)s to %(max)s characters",
                params={"name": name, "min": self.min_length, "max": self.max_length},
                field=name,
            )
        if self.min_length and not self.pattern and not compiled(SOME_TEXT).fullmatch(value):
            raise InvalidInput("%(name)s must not be blank", params={"name": name}, field=name)
        if self.pattern and not compiled(self.pattern).fullmatch(value):
            raise InvalidInput(self.pattern_reason, params={"name": name}, field=name)
        return value

    def render(self, registry: Registry) -> SchemaDict:
        if self.choices:
            return {"type": "string", "enum": list(self.choices)}
        out: SchemaDict = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            out["minLength"] = self.min_length
        if self.fmt:
            out["format"] = self.fmt
        out["pattern"] = self.pattern or (SOME_TEXT if self.min_length else ANY_TEXT)
        return out

    def to_json(self, registry: Registry) -> SchemaDict:
        if self.name is None:
            return super().to_json(registry)
        rendered: SchemaDict = registry.ref(self)
        if self.nullable:
            rendered = {"anyOf": [rendered, {"type": "null"}]}
        return {**rendered, "description": self.description} if self.description else rendered


@dataclass(frozen=True)
class Int(Schema):
    minimum: int = -(2**31)
    maximum: int = 2**31 - 1

    def check(self, value: Any, name: str) -> Any:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema's integer includes 3.0
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


@dataclass(frozen=True)
class Variant:
    """The shape an object takes when its ``by`` field holds one of ``values``.

    ``fields`` replace the object's own declarations of those fields (``to`` is a phone
    number on SMS, an email address on email); ``required`` adds to its required fields.
    """

    values: tuple[str, ...]
    fields: dict[str, Schema] = field(default_factory=dict)
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Obj(Schema):
    """An object with named fields; unknown fields are refused so typos do not pass silently."""

    name: str | None = None
    fields: dict[str, Schema] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # Exactly one of these fields must be given (e.g. a label by id or by name).
    one_of: tuple[str, ...] = ()
    # At least one of these fields must be given, and not as null (null reads as "not given").
    any_of: tuple[str, ...] = ()
    # The field whose value picks one of ``variants``; it must be required, with choices.
    by: str | None = None
    variants: tuple[Variant, ...] = ()

    def check(self, value: Any, name: str = "body") -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidInput("%(name)s must be an object", params={"name": name}, field=name)
        if self.by is not None and value.get(self.by) is not None:
            chosen = self.fields[self.by].check(value[self.by], self.by)
            for variant in self.variants:
                if chosen in variant.values:
                    return self._variant(variant).check(value, name)
        for key in value:
            if key not in self.fields:
                raise InvalidInput(
                    "unknown field %(name)r", params={"name": str(key)[:60]}, field=str(key)[:60]
                )
        for key in self.required:
            if key not in value:
                raise InvalidInput("%(name)s is required", params={"name": key}, field=key)
        given = [key for key in self.one_of if key in value]
        if self.one_of and len(given) != 1:
            raise InvalidInput(
                "give exactly one of %(names)s",
                params={"names": ", ".join(self.one_of)},
                field=self.one_of[0],
            )
        if self.any_of and all(value.get(key) is None for key in self.any_of):
            raise InvalidInput(
                "give at least one of %(names)s",
                params={"names": ", ".join(self.any_of)},
                field=self.any_of[0],
            )
        out: dict[str, Any] = {}
        for key, schema in self.fields.items():
            if key not in value:
                continue
            if value[key] is None:
                # Dropping a null silently would read as "unchanged" where the client meant "clear".
                if not schema.nullable:
                    raise InvalidInput("%(name)s must not be null", params={"name": key}, field=key)
                out[key] = None
                continue
            out[key] = schema.check(value[key], key)
        return out

    def _variant(self, variant: Variant) -> Obj:
        """This object as it is when ``variant`` applies: its fields replaced, no variants left."""
        required = (*self.required, *(k for k in variant.required if k not in self.required))
        return Obj(
            fields={**self.fields, **variant.fields},
            required=required,
            one_of=self.one_of,
            any_of=self.any_of,
        )

    def render(self, registry: Registry) -> SchemaDict:
        if self.variants:
            # One whole object per variant, each fixing ``by`` to its values: a generator (and a
            # reader) sees exactly the shape the server checks for that value.
            assert self.by is not None and self.by in self.required
            by = self.fields[self.by]
            covered = [value for variant in self.variants for value in variant.values]
            assert isinstance(by, Str) and sorted(covered) == sorted(by.choices), self.by
            branches = []
            for variant in self.variants:
                branch = self._variant(variant).render(registry)
                branch["properties"][self.by] = {"type": "string", "enum": list(variant.values)}
                branches.append(branch)
            return {"oneOf": branches}
        out: SchemaDict = {
            "type": "object",
            "properties": {k: s.to_json(registry) for k, s in self.fields.items()},
            "additionalProperties": False,
        }
        if self.required:
            out["required"] = list(self.required)
        if self.one_of:
            out["oneOf"] = [{"required": [key]} for key in self.one_of]
        if self.any_of:
            out["anyOf"] = [
                {"required": [key], "properties": {key: {"not": {"type": "null"}}}} for key in self.any_of
            ]
        return out

    def to_json(self, registry: Registry) -> SchemaDict:
        if self.name is None:
            return super().to_json(registry)
        ref = registry.ref(self)
        return {"anyOf": [ref, {"type": "null"}]} if self.nullable else ref

    def optional(self, name: str) -> Obj:
        """The same fields with none required: the shape of a PATCH body."""
        return Obj(name=name, description=self.description, fields=self.fields)
