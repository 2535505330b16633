"""Identity normalisation: one person's addresses must compare equal however typed."""

from __future__ import annotations

import re

import phonenumbers

from repository.errors import InvalidInput

IDENTITY_KINDS = ("email", "phone", "webchat")
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,255}\.[^@\s<>\"'.]{2,63}$")


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise InvalidInput("not a valid email address", field="email")
    return value


def normalise_phone(value: str, region: str = "US") -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("not a valid phone number", field="phone") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput("not a valid phone number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, value: str) -> str:
    """The canonical form of an identity, or InvalidInput."""
    if kind == "email":
        return normalise_email(value)
    if kind == "phone":
        return normalise_phone(value)
    if kind == "webchat":
        value = value.strip()
        if not value or len(value) > 64:
            raise InvalidInput("not a valid visitor id", field="visitor")
        return value
    raise InvalidInput("unknown identity kind %(kind)r", params={"kind": kind}, field="kind")
