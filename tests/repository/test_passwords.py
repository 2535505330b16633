"""Password hashing: real argon2 parameters unless a test run asks for cheap ones."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from repository.directory import passwords


@pytest.fixture
def fresh_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    passwords.hasher.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    passwords.hasher.cache_clear()


def test_production_hashes_use_argon2s_recommended_parameters(fresh_hasher: pytest.MonkeyPatch) -> None:
    fresh_hasher.delenv("ARGON2_PROFILE", raising=False)
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "m=65536,t=3,p=4" in stored
    assert passwords.verify_password(stored, "correct horse battery")


def test_a_test_run_gets_cheap_hashes_that_still_verify(fresh_hasher: pytest.MonkeyPatch) -> None:
    fresh_hasher.setenv("ARGON2_PROFILE", "test")
    stored = passwords.hash_password("correct horse battery")
    assert "m=8,t=1,p=1" in stored
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "wrong horse battery")


def test_an_unknown_profile_fails_instead_of_weakening_hashes(fresh_hasher: pytest.MonkeyPatch) -> None:
    fresh_hasher.setenv("ARGON2_PROFILE", "fast")
    with pytest.raises(RuntimeError, match="ARGON2_PROFILE"):
        passwords.hash_password("correct horse battery")


def test_hashes_made_with_other_parameters_are_upgraded(fresh_hasher: pytest.MonkeyPatch) -> None:
    fresh_hasher.setenv("ARGON2_PROFILE", "test")
    cheap = passwords.hash_password("correct horse battery")
    passwords.hasher.cache_clear()
    fresh_hasher.delenv("ARGON2_PROFILE")
    assert passwords.needs_rehash(cheap)
    assert not passwords.needs_rehash(passwords.hash_password("correct horse battery"))


def test_no_stored_hash_or_a_broken_one_never_matches() -> None:
    assert not passwords.verify_password(None, "not-a-real-password")
    assert not passwords.verify_password("not a hash", "anything")


def test_importing_the_directory_hashes_nothing() -> None:
    probe = (
        "import repository.directory, repository.directory.passwords as p;"
        "print(p.hasher.cache_info().currsize, p._dummy_hash.cache_info().currsize)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["0", "0"]
