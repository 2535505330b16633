"""The phone and email patterns the API publishes accept only what the normalisers accept.

The OpenAPI document carries these patterns (contact_center/api/formats.py), and clients
generate or validate input with them; a number the pattern allows but normalise_phone
refused would be a valid request the server rejects.
"""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from repository.core.identity import EMAIL_PATTERN, normalise_email, normalise_phone, phone_pattern


@settings(max_examples=250, deadline=None)
@given(st.from_regex(phone_pattern(), fullmatch=True))
def test_every_number_the_phone_pattern_allows_is_a_possible_number(number: str) -> None:
    normalised = normalise_phone(number)
    # "+", then digits only; the length is phonenumbers' to judge (its metadata allows more
    # than E.164's 15 digits in places, e.g. Nigeria's 14-digit national numbers).
    assert re.fullmatch(r"\+[0-9]{3,}", normalised)
    assert phonenumbers.is_possible_number(phonenumbers.parse(normalised))


def test_the_phone_pattern_takes_what_people_type_and_refuses_the_impossible() -> None:
    pattern = re.compile(phone_pattern())
    for typed in ("+1 415 555 0100", "(415) 555-0100", "415.555.0100", "+44 20 7946 0958", "+4930123456"):
        assert pattern.fullmatch(typed), typed
    for wrong in ("12", "+10", "0" * 31, "+1 415 555 0100\n", "+1 (415) 555 0100 ext 9", "phone"):
        assert not pattern.fullmatch(wrong), wrong


@settings(max_examples=200, deadline=None)
@given(st.from_regex(EMAIL_PATTERN, fullmatch=True))
def test_every_address_the_email_pattern_allows_is_taken(address: str) -> None:
    assert normalise_email(address) == address.strip().lower()
