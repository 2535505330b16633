"""The queue's SLA and overflow admin page: saves the general policy and the overflow settings,
keeps per-tier policies, and refuses bad input with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from repository.directory import create_queue, list_queues
from repository.directory.sla_policies import check_policies, policies_for, set_policies
from tests.test_admin_ui import ADMIN, Admin, _serve


@pytest.fixture
async def admin(make_settings: Callable[..., Settings]) -> AsyncIterator[Admin]:
    async for served in _serve(make_settings(ANALYTICS_INTERVAL_SECONDS="0")):
        await served.login(*ADMIN)
        yield served


async def test_an_admin_sets_targets_actions_and_overflow_and_keeps_tier_policies(admin: Admin) -> None:
    queue = (await admin.db(list_queues))[0]
    spill = await admin.db(create_queue, "Spill")
    await admin.db(
        set_policies, queue.id, check_policies([{"tier": "platinum", "first_response_seconds": 30}])
    )
    path = f"/admin/queues/{queue.id}/sla"
    form = {
        "first_response_minutes": "15",
        "resolution_minutes": "",
        "warning_percent": "75",
        "action_raise_priority": "1",
        "action_notify": "1",
        "priority_step": "20",
        "overflow_queue_id": str(spill.id),
        "max_wait_minutes": "120",
        "min_skill_level": "3",
    }

    page = await admin.follow(await admin.submit(path, form, page=path))

    assert "saved" in page.text
    saved = next(q for q in await admin.db(list_queues) if q.id == queue.id)
    assert (saved.overflow_queue_id, saved.max_wait_seconds, saved.min_skill_level) == (spill.id, 7200, 3)
    assert saved.widened_skills is None and not saved.overflow_when_unstaffed
    policies = {p.tier: p for p in (await admin.db(policies_for, [queue.id]))[queue.id]}
    general = policies[None]
    assert (general.first_response_seconds, general.resolution_seconds, general.warning_percent) == (
        900,
        None,
        75,
    )
    assert (general.actions, general.priority_step) == (["raise_priority", "notify"], 20)
    assert policies["platinum"].first_response_seconds == 30  # set through the API, kept
    assert 'value="15"' in (await admin.client.get(path)).text

    page = await admin.follow(await admin.submit(path, {**form, "min_skill_level": "9"}, page=path))
    assert "min skill level is a whole number from 0 to 5" in page.text
    assert next(q for q in await admin.db(list_queues) if q.id == queue.id).min_skill_level == 3


async def test_an_admin_sets_an_agents_skill_levels(admin: Admin) -> None:
    alice = next(a for a in (await admin.api("/api/v1/agents"))["data"] if a["username"] == "alice")
    path = f"/admin/agents/{alice['id']}"
    form = {"display_name": "Alice", "role": "agent", "skills": "billing, french", "is_active": "1"}

    page = await admin.follow(
        await admin.submit(path, {**form, "skill_levels": "Billing=4, french = 2"}, page=path)
    )

    assert "Agent alice saved." in page.text
    assert (await admin.api(f"/api/v1/agents/{alice['id']}"))["skill_levels"] == {"billing": 4, "french": 2}
    page = await admin.follow(await admin.submit(path, {**form, "skill_levels": "billing=expert"}, page=path))
    assert "Skill levels are skill=level pairs from 1 to 5" in page.text
    assert (await admin.api(f"/api/v1/agents/{alice['id']}"))["skill_levels"] == {"billing": 4, "french": 2}
