"""Agents' passwords: argon2id hashes, checked in constant-ish time.

The hasher uses argon2-cffi's default parameters (RFC 9106's low-memory profile, ~50 ms
and 64 MiB per hash). A test run sets ``ARGON2_PROFILE=test`` to get the library's
cheapest parameters instead: the suite signs agents in hundreds of times, and the real
cost would be most of its CPU time. Any other value is refused, so a typo cannot
silently weaken production hashes. Nothing is hashed at import time.
"""

from __future__ import annotations

import functools
import logging
import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

log = logging.getLogger(__name__)

PROFILES = {"default": profiles.RFC_9106_LOW_MEMORY, "test": profiles.CHEAPEST}


@functools.cache
def hasher() -> PasswordHasher:
    name = os.environ.get("ARGON2_PROFILE", "default")
    if name not in PROFILES:
        raise RuntimeError(f"ARGON2_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
    if name != "default":
        log.warning("ARGON2_PROFILE=%s: password hashes are weak; for test runs only", name)
    return PasswordHasher.from_parameters(PROFILES[name])


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so a sign-in for an unknown name
    # costs as much as one with a wrong password.
    return hasher().hash("not-a-real-password")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no stored hash, spends the same time and says no."""
    try:
        hasher().verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the ones in force."""
    return hasher().check_needs_rehash(stored_hash)
