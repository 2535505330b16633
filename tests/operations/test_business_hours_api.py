"""A queue's business hours, time zone and holidays through the queue API, on SQLite and
PostgreSQL: set, read back, listed, partly changed, refused with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from config import Settings
from repository.directory.business_hours import get_hours, is_open
from tests.test_api import Api, _serve, assert_error, conforms

WEEK = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


async def test_queue_calendar_is_set_read_listed_and_partly_changed(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    plain = await c.post("/api/v1/queues", json={"name": "Sales"})
    assert plain.status_code == 201, plain.text
    assert plain.json()["business_hours"] == {} and plain.json()["holidays"] == []
    conforms(document, "Queue", plain.json())

    made = await c.post(
        "/api/v1/queues",
        json={
            "name": "Support",
            "business_hours": {**WEEK, "sat": [["22:00", "02:00"]]},
            "time_zone": "Europe/Berlin",
            "holidays": ["2026-12-25", "2026-12-24"],
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    conforms(document, "Queue", body)
    assert body["time_zone"] == "Europe/Berlin" and body["holidays"] == ["2026-12-24", "2026-12-25"]
    qid = body["id"]

    # A surgical change: holidays only; the hours and zone stay.
    patched = await c.patch(f"/api/v1/queues/{qid}", json={"holidays": ["2027-01-01"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["holidays"] == ["2027-01-01"]
    assert patched.json()["business_hours"]["sat"] == [["22:00", "02:00"]]
    assert patched.json()["time_zone"] == "Europe/Berlin" and patched.json()["name"] == "Support"

    got = (await c.get(f"/api/v1/queues/{qid}")).json()
    assert got == patched.json()
    listed = {q["id"]: q for q in (await c.get("/api/v1/queues")).json()["data"]}
    assert listed[qid]["holidays"] == ["2027-01-01"] and listed[plain.json()["id"]]["business_hours"] == {}

    # The stored row is what the one calendar function reads.
    row = await api.db(get_hours, qid)
    assert is_open(row, datetime(2026, 12, 7, 9, tzinfo=UTC)) == (True, None)  # Mon 10:00 Berlin
    assert is_open(row, datetime(2027, 1, 1, 10, tzinfo=UTC)) == (False, datetime(2027, 1, 2, 21, tzinfo=UTC))

    cleared = await c.patch(f"/api/v1/queues/{qid}", json={"business_hours": {}})
    assert cleared.json()["business_hours"] == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"business_hours": {"mon": [["09:00", "09:00"]]}}, "business_hours"),
        ({"business_hours": {"someday": []}}, "business_hours"),
        ({"holidays": ["2026-02-30"]}, "holidays"),
    ],
)
async def test_a_bad_calendar_is_refused_and_nothing_changes(
    api: Api, change: dict[str, object], field: str
) -> None:
    c = api.client
    qid = (await c.post("/api/v1/queues", json={"name": "Support", "time_zone": "Asia/Taipei"})).json()["id"]
    refused = await c.patch(f"/api/v1/queues/{qid}", json={"name": "Renamed", **change})
    assert_error(refused, 422, "invalid_input", field)
    after = (await c.get(f"/api/v1/queues/{qid}")).json()
    assert after["name"] == "Support" and after["time_zone"] == "Asia/Taipei"
    assert_error(await c.patch("/api/v1/queues/9999", json={"holidays": []}), 404, "not_found", None)
