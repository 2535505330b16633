"""Collector pauses show on /metrics, so an operator can tell them from a slow database."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from contact_center import gc_pauses


@pytest.fixture(autouse=True)
def watching() -> Iterator[None]:
    gc_pauses.watch()
    yield
    gc_pauses.unwatch()  # the rest of the test run's collections are not this test's business


def collections(generation: str) -> float:
    return REGISTRY.get_sample_value("cc_gc_pause_seconds_count", {"generation": generation}) or 0.0


def test_each_collection_is_timed_by_generation() -> None:
    gc_pauses.watch()  # idempotent: one callback, one observation per collection
    before = collections("2")
    gc.collect(2)
    assert collections("2") == before + 1


def test_a_long_pause_is_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(gc_pauses, "SLOW_PAUSE_SECONDS", 0.0)
    with caplog.at_level(logging.WARNING, logger="contact_center.gc_pauses"):
        gc.collect(1)
    assert any(
        "generation 1" in r.getMessage() and "paused the event loop" in r.getMessage() for r in caplog.records
    )
