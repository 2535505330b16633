"""Object schemas: ``Obj``, an object with named fields, and the ``Variant`` shapes it can take.

An object refuses unknown fields, enforces required, exactly-one-of and at-least-one-of
fields, and can switch shape on one field's value (``by`` and ``variants``); named
objects become ``components.schemas`` entries. These rules are what makes a request
body, so they are kept apart from the simpler scalar and collection schemas. Part of
the schema language described in contact_center/api/schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contact_center.api.schema import Registry, Schema, SchemaDict
from contact_center.api.schema_scalars import Str
from repository.errors import InvalidInput


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
