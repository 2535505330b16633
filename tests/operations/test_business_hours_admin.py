"""The admin form for a queue's calendar (hours per weekday, time zone, holidays), through
the real app with a signed-in admin, on SQLite and PostgreSQL: saved as the API sees it,
refused with a reason, CSRF-checked, admin-only and in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from config import Settings
from repository.compliance.audit import list_entries
from repository.directory import authenticate, list_queues
from repository.directory.business_hours import get_hours, hours_dict, is_open
from tests.test_admin_ui import ADMIN, AGENT, _serve

CALENDAR = {
    "time_zone": "Europe/Berlin",
    "hours_mon": "09:00-12:30, 13:30-17:00",
    "hours_fri": "22:00-06:00",
    "holidays": "2026-12-25\n2026-12-26, 2026-12-25",
}


async def test_an_admin_edits_a_queue_calendar(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    async for site in _serve(make_settings(DATABASE_URL=database_url)):
        await site.login(*ADMIN)
        queue = next(q for q in await site.db(list_queues) if q.name == "General")
        page = f"/admin/queues/{queue.id}"
        form = await site.client.get(page)
        assert f'action="/admin/queues/{queue.id}/hours"' in form.text
        assert "Monday" in form.text and '<option value="Europe/Berlin">' in form.text

        saved = await site.follow(await site.submit(f"{page}/hours", CALENDAR, page=page))
        assert "Hours of queue General saved." in saved.text
        stored = hours_dict(await site.db(get_hours, queue.id))
        assert stored == {
            "business_hours": {
                "mon": [["09:00", "12:30"], ["13:30", "17:00"]],
                "tue": [],
                "wed": [],
                "thu": [],
                "fri": [["22:00", "06:00"]],
                "sat": [],
                "sun": [],
            },
            "time_zone": "Europe/Berlin",
            "holidays": ["2026-12-25", "2026-12-26"],
        }
        # The page shows what is stored, and the API reads the same calendar.
        assert 'value="09:00-12:30, 13:30-17:00"' in saved.text
        assert '<option value="Europe/Berlin" selected>' in saved.text
        assert "2026-12-25\n2026-12-26</textarea>" in saved.text
        row = await site.db(get_hours, queue.id)
        monday_ten_berlin = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (CET)
        assert is_open(row, monday_ten_berlin) == (True, None)
        assert is_open(row, datetime(2026, 12, 25, 10, 0, tzinfo=UTC))[0] is False  # a holiday
        api = await site.api(f"/api/v1/queues/{queue.id}")
        assert api["time_zone"] == "Europe/Berlin" and api["holidays"] == ["2026-12-25", "2026-12-26"]

        # Audited like every admin post: who, which page, the form.
        [entry] = await site.db(list_entries, action=f"admin.post /admin/queues/{queue.id}/hours")
        sam = await site.db(authenticate, *ADMIN)
        assert (entry.actor_type, entry.actor_id) == ("agent", sam.id)
        assert entry.after["form"]["time_zone"] == "Europe/Berlin" and entry.after["status"] == 303

        # Refused with a reason, and nothing changes.
        for bad, reason in (
            ({"hours_tue": "25:00-26:00"}, "different open and close"),
            ({"hours_tue": "nine to five"}, "09:00-17:00"),
            ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
            ({"holidays": "2026-02-30"}, "is not a date like 2026-12-25"),
        ):
            refused = await site.follow(await site.submit(f"{page}/hours", {**CALENDAR, **bad}, page=page))
            assert reason in refused.text, (bad, refused.text[-2000:])
            assert hours_dict(await site.db(get_hours, queue.id)) == stored

        # Every day blank: always open again.
        blank = {"time_zone": "UTC", "holidays": ""}
        await site.follow(await site.submit(f"{page}/hours", blank, page=page))
        assert hours_dict(await site.db(get_hours, queue.id))["business_hours"] == {}

        # Without the form's CSRF token nothing is saved.
        forged = await site.client.post(f"{page}/hours", data=CALENDAR)
        assert forged.status_code == 403
        assert hours_dict(await site.db(get_hours, queue.id))["business_hours"] == {}
        missing = await site.client.post("/admin/queues/999999/hours", data={"csrf_token": await site.csrf()})
        assert missing.status_code == 303
        assert "no such queue" in (await site.client.get(missing.headers["location"])).text

        # Agents may not change it.
        await site.client.post("/logout", data={"csrf_token": await site.csrf("/agent")})
        await site.login(*AGENT)
        denied = await site.client.post(
            f"{page}/hours", data={"csrf_token": await site.csrf("/agent"), **CALENDAR}
        )
        assert denied.status_code == 403
        assert hours_dict(await site.db(get_hours, queue.id))["business_hours"] == {}
