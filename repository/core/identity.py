"""Identity normalisation: one person's addresses must compare equal however typed."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from repository.errors import InvalidInput

IDENTITY_KINDS = ("email", "phone", "webchat")
# Not in an address: @, quotes, angle brackets, control characters and any space that either
# Python or ECMAScript counts as one. Written in the syntax both share, because the API
# publishes this pattern in its OpenAPI document (contact_center/api/formats.py).
_NOT_IN_ADDRESS = (
    "@<>\"'\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
)
EMAIL_PATTERN = (
    f"^[^{_NOT_IN_ADDRESS}]{{1,64}}@[^{_NOT_IN_ADDRESS}]{{1,255}}\\.[^{_NOT_IN_ADDRESS}.]{{2,63}}$"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.fullmatch(value):
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


# A separator a person may type between digits: "+1 415-555.0100".
_GAP = "[ .-]?"


def _digits(lengths: tuple[int, ...]) -> str:
    """``n`` digits for each allowed ``n``, with runs of lengths as one range: {5,10}."""
    runs: list[list[int]] = []
    for n in sorted(set(lengths)):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    spans = [f"{{{low}}}" if low == high else f"{{{low},{high}}}" for low, high in runs]
    return "|".join(f"(?:{_GAP}[0-9]){span}" for span in spans)


@cache
def phone_pattern() -> str:
    """The phone numbers the API takes, as a regular expression built from phonenumbers' metadata.

    "+", a country calling code, then a national number of a length possible in that
    country (is_possible_number's rule), digits optionally separated by a space, dot or
    dash; or a US number of ten digits written nationally, "(415) 555-0100". Every number
    it matches passes normalise_phone (tests/repository/test_phone_pattern.py).
    """
    # Countries whose numbers have the same possible lengths share one branch, "(?:1|7|…)"
    # then the digits: the same set of numbers as a branch per country, in half the text, so
    # clients and test generators (schemathesis) compile and draw from it quickly.
    codes_by_lengths: dict[str, list[str]] = {}
    for code, regions in sorted(COUNTRY_CODE_TO_REGION_CODE.items()):
        if regions[0] == "001":  # phonenumbers' region for non-geographic codes (800, 808…)
            metadata = PhoneMetadata.metadata_for_nongeo_region(code)
        else:
            metadata = PhoneMetadata.metadata_for_region(regions[0])
        general = metadata.general_desc if metadata else None
        lengths = tuple(n for n in (general.possible_length if general else ()) if n > 1)
        if lengths:
            codes_by_lengths.setdefault(_digits(lengths), []).append(str(code))
    branches = [f"(?:{'|'.join(codes)})(?:{digits})" for digits, codes in codes_by_lengths.items()]
    international = "\\+(?:" + "|".join(branches) + ")"
    national = "(?:\\([0-9]{3}\\) ?|[0-9]{3}[ .-]?)[0-9]{3}[ .-]?[0-9]{4}"
    return f"^(?:{international}|{national})$"
