"""Scalar schemas: text (``Str``), whole numbers (``Int``), numbers (``Num``) and ``Bool``.

A scalar is checked on its own, with no fields or items to recurse into; the text rules
(NUL refused, blank refused when a value is required, patterns matched the ECMAScript
way) live here because they are what a string means in this API and every other kind
of schema reuses them for its keys and text. Part of the schema language described in
contact_center/api/schema.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from contact_center.api.schema import Registry, Schema, SchemaDict
from repository.errors import InvalidInput

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


def check_text(value: str, name: str) -> None:
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
        check_text(value, name)
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
