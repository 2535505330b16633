"""The reports' business-hours option with one queue chosen uses that queue's calendar
(its hours, zone and holidays) instead of the fixed window; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contact_center.supervision import reports
from repository import Database
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Interaction
from repository.directory import create_queue
from repository.directory.business_hours import save_hours

TUESDAY = datetime(2026, 3, 10, tzinfo=UTC)


def arrive(db: Database, queue_id: int, n: int, at: datetime) -> None:
    item = InboundItem(
        channel="chat", identities=[("webchat", f"v{n}")], thread_key=f"c{n}", body="hi", queue_id=queue_id
    )
    result = ingest(db, item)
    with db.write() as session:
        row = session.get(Interaction, result.interaction.id)
        assert row is not None
        row.queued_at = row.created_at = at
        session.add(row)


def test_a_queue_calendar_replaces_the_fixed_window_in_reports(db: Database) -> None:
    evening = create_queue(db, "Evening")
    other = create_queue(db, "Other")
    arrive(db, evening.id, 1, TUESDAY + timedelta(hours=10))  # inside 09–17, outside the calendar
    arrive(db, evening.id, 2, TUESDAY + timedelta(hours=19))  # 20:00 in Berlin: open
    arrive(db, evening.id, 3, TUESDAY + timedelta(days=1, hours=19))  # Wednesday: a holiday
    arrive(db, other.id, 4, TUESDAY + timedelta(hours=10))
    save_hours(
        db,
        evening.id,
        {
            "business_hours": {"tue": [["18:00", "23:00"]], "wed": [["18:00", "23:00"]]},
            "time_zone": "Europe/Berlin",
            "holidays": ["2026-03-11"],
        },
    )
    names: dict[str, dict[int, str]] = {"queue": {}, "agent": {}}
    end = TUESDAY + timedelta(days=2)

    def volume(queue_id: int | None, bh: reports.BusinessHours | None) -> int:
        q = reports.ReportQuery(start=TUESDAY, end=end, queue_id=queue_id, business_hours=bh)
        return reports.series(reports.load(db, q, names, end), {}, end)["total"]["volume"]

    assert volume(evening.id, None) == 3
    assert volume(evening.id, reports.BusinessHours()) == 1  # only the Tuesday-evening chat
    assert volume(other.id, reports.BusinessHours()) == 1  # no calendar: the fixed 09–17 window
    assert volume(None, reports.BusinessHours()) == 2  # all queues: the fixed window
