"""The phone menu asks the same calendar: a number without hours of its own follows its
default queue's calendar, and a number with hours still closes on that queue's holidays.
A real server process, webhooks signed as Twilio signs them, Prism for Twilio's REST API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from repository import Database
from repository.directory.business_hours import save_hours
from repository.telephony.config import get_number, save_number
from tests.live import ServerProcess
from tests.telephony.conftest import Prism, sid, twilio_post, voice_params

pytestmark = pytest.mark.server
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def configure(server: ServerProcess, number: dict[str, object], calendar: dict[str, object]) -> None:
    db = Database(server.database_url)
    try:
        current = get_number(db, "+14155550100")
        save_number(db, current.id if current else None, {"number": "+14155550100", **number})
        save_hours(db, server.ids["support"], calendar)  # type: ignore[attr-defined]
    finally:
        db.dispose()


async def after_hours(server: ServerProcess, n: int) -> bool:
    response = await twilio_post(server, "/channels/twilio/voice", voice_params(sid("CA", n)))
    assert response.status_code == 200, response.text
    return "<Record" in response.text


async def test_the_phone_menu_follows_the_default_queues_calendar_and_holidays(
    phone_server: ServerProcess, prism: Prism
) -> None:
    server = phone_server
    support = server.ids["support"]  # type: ignore[attr-defined]
    today = datetime.now(UTC).date().isoformat()
    menu = {"default_queue_id": support, "business_hours": {}, "after_hours_message": "Closed."}

    configure(server, menu, {"business_hours": ALL_WEEK, "time_zone": "UTC", "holidays": []})
    assert not await after_hours(server, 1)
    configure(server, menu, {"holidays": [today]})
    assert await after_hours(server, 2), "the queue's holiday closes a number without hours"
    configure(server, {**menu, "business_hours": ALL_WEEK}, {"business_hours": {}})
    assert await after_hours(server, 3), "the number's own hours, the queue's holidays"
    configure(server, {**menu, "business_hours": ALL_WEEK}, {"holidays": []})
    assert not await after_hours(server, 4)
