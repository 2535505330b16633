"""Every way a contact can go unanswered counts as an abandon in the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contact_center.supervision.metrics import Contact, SlSettings, figures

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _unanswered(status: str, disposition: str | None, waited: float) -> Contact:
    queued = NOW - timedelta(minutes=10)
    return Contact(
        id=1,
        channel="voice",
        queue_id=1,
        customer_id=1,
        status=status,
        agent_id=None,
        queued_at=queued,
        answered_at=None,
        ended_at=queued + timedelta(seconds=waited),
        closed_at=queued + timedelta(seconds=waited),
        disposition=disposition,
    )


@pytest.mark.parametrize(
    ("status", "disposition"),
    [
        ("closed", "abandoned"),  # a chat whose customer left before anyone accepted
        ("abandoned", "abandoned"),  # a Twilio caller who hung up in the queue
        ("abandoned", "missed"),  # a PBX call that rang out unanswered
    ],
)
def test_an_unanswered_contact_is_an_abandon_with_its_wait(status: str, disposition: str) -> None:
    result = figures(
        [_unanswered(status, disposition, waited=30)],
        lambda _c: SlSettings(),
        NOW,
        formula="answered",
        threshold_seconds=20,
        target_percent=80,
    )

    assert (result.abandoned, result.abandoned_within, result.abandon_rate) == (1, 0, 100.0)
