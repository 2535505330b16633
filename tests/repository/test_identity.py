"""Identity normalisation: one person's addresses compare equal however they were typed."""

from __future__ import annotations

import pytest

from repository import InvalidInput
from repository.core.identity import normalise


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann@Example.COM", "ann@example.com"),
        ("  ann.lee+orders@example.co.uk \n", "ann.lee+orders@example.co.uk"),
    ],
)
def test_emails_compare_case_insensitively_and_ignore_surrounding_space(typed: str, canonical: str) -> None:
    assert normalise("email", typed) == canonical


@pytest.mark.parametrize(
    "typed",
    ["", "ann", "ann@", "@example.com", "ann@example", "ann lee@example.com", "a@b@example.com", "<a@x.com>"],
)
def test_malformed_emails_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        normalise("email", typed)
    assert excinfo.value.details == {"field": "email"}


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("+1 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+49 (0)30 1234567", "+49301234567"),
    ],
)
def test_phone_numbers_become_e164(typed: str, canonical: str) -> None:
    assert normalise("phone", typed) == canonical


@pytest.mark.parametrize("typed", ["", "12", "not a number", "+1 415 555 2671 12345 6789"])
def test_impossible_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        normalise("phone", typed)
    assert excinfo.value.details == {"field": "phone"}


def test_webchat_visitor_ids_are_trimmed_and_bounded() -> None:
    assert normalise("webchat", "  v-123  ") == "v-123"
    assert normalise("webchat", "x" * 64) == "x" * 64
    for bad in ("", "   ", "x" * 65):
        with pytest.raises(InvalidInput):
            normalise("webchat", bad)


def test_an_unknown_identity_kind_is_refused() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        normalise("fax", "555-1234")
    assert excinfo.value.code == "invalid_input"
    assert excinfo.value.details == {"field": "kind"}
