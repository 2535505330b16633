"""Admin form for a queue's calendar: hours per weekday, time zone, holidays.

Shown on the queue's admin page (``/admin/queues/{id}``) and posted to
``/admin/queues/{id}/hours``: the same CSRF check and post/redirect/get as every admin
form (agent_ui/admin/directory.py ``flashed_post``), recorded in the audit log by
contact_center/admin_audit.py like every admin post. The checks are the queue API's
(``repository/directory/business_hours.py``), so the form and ``PATCH /api/v1/queues``
refuse the same things. See docs/business-hours.md.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from babel.dates import get_day_names
from starlette.routing import Route

from agent_ui.admin.phone import hours_from_form, hours_text
from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from contact_center.i18n import _
from contact_center.i18n.translate import current_locale
from repository.directory.business_hours import DAYS, QueueHours, hours_dict, save_hours
from repository.directory.configuration import get_queue

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from contact_center.context import AppContext
    from repository.core.models import Agent

# Holidays may be typed one per line, or separated by commas or spaces.
_SEPARATORS = re.compile(r"[\s,;]+")
_ZONES = sorted(available_timezones())


def calendar_form(row: QueueHours | None) -> dict[str, Any]:
    """What the queue page's calendar form shows: the stored calendar as form values."""
    stored = hours_dict(row)
    names = get_day_names("wide", locale=current_locale())
    return {
        "days": [
            {"key": day, "name": names[i], "spans": hours_text(stored["business_hours"].get(day, []))}
            for i, day in enumerate(DAYS)
        ],
        "time_zone": stored["time_zone"],
        "holidays": "\n".join(stored["holidays"]),
        "zones": _ZONES,
    }


def calendar_from_form(form: dict[str, Any]) -> dict[str, Any]:
    raw_holidays = str(form.get("holidays", ""))[:20_000]
    return {
        "business_hours": hours_from_form(form),
        "time_zone": str(form.get("time_zone", "")).strip() or "UTC",
        "holidays": [day for day in _SEPARATORS.split(raw_holidays) if day],
    }


def hours_admin_routes(ctx: AppContext) -> list[Route]:
    db = ctx.hub.db.run

    @require_role(ctx, "admin")
    async def save(request: Request, admin: Agent) -> Response:
        queue_id = row_id(request, "queue_id")

        async def act(form: dict[str, Any]) -> str:
            queue = await db(get_queue, queue_id)
            await db(save_hours, queue_id, calendar_from_form(form))
            return _("Hours of queue %(name)s saved.", name=queue.name)

        return await flashed_post(request, f"/admin/queues/{queue_id}", act)

    return [Route("/admin/queues/{queue_id}/hours", save, methods=["POST"])]
