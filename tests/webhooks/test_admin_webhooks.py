"""The webhooks admin page: create (secret shown once), the delivery log, retry, switch off, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from repository.directory import create_agent, list_queues
from repository.webhooks import store as webhook_store
from repository.webhooks.models import WebhookDelivery
from tests.test_admin_ui import ADMIN, Admin, _serve


@pytest.fixture
async def site(make_settings: Callable[..., Settings]) -> AsyncIterator[Admin]:
    async for served in _serve(make_settings(ANALYTICS_INTERVAL_SECONDS="0")):
        yield served


@pytest.fixture
async def admin(site: Admin) -> Admin:
    await site.login(*ADMIN)
    return site


async def test_an_admin_creates_a_webhook_sees_the_secret_once_and_retries_a_failed_delivery(
    admin: Admin,
) -> None:
    response = await admin.submit(
        "/admin/webhooks",
        {
            "url": "https://erp.example.com/hooks",
            "events": "interaction.closed",
            "description": "ERP <b>sync</b>",
        },
        page="/admin/webhooks",
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    [sub] = await admin.db(webhook_store.list_subscriptions)
    assert sub.secret in response.text and sub.events == ["interaction.closed"]
    assert "ERP &lt;b&gt;sync&lt;/b&gt;" in response.text
    page = await admin.client.get("/admin/webhooks")
    assert sub.secret not in page.text and webhook_store.masked(sub.secret) in page.text

    await admin.db(webhook_store.record_deliveries, "interaction.closed", "closed:1", {"id": "closed:1"})
    with admin.app.state.ctx.db.write() as session:
        row = session.get(WebhookDelivery, 1)
        assert row is not None
        row.status, row.attempts, row.last_error = "failed", 8, "HTTP 500: boom"
        session.add(row)
    page = await admin.client.get("/admin/webhooks?status=failed")
    assert "HTTP 500: boom" in page.text and "Retry now" in page.text

    retried = await admin.follow(
        await admin.submit("/admin/webhooks/deliveries/1/retry", {}, page="/admin/webhooks")
    )
    assert "will be sent again now" in retried.text
    [row] = await admin.db(webhook_store.list_deliveries)
    assert (row.status, row.attempts) == ("pending", 0)

    await admin.follow(await admin.submit(f"/admin/webhooks/{sub.id}/deactivate", {}, page="/admin/webhooks"))
    assert (await admin.db(webhook_store.get_subscription, sub.id)).is_active is False


async def test_bad_webhook_forms_are_refused_with_a_reason(admin: Admin) -> None:
    for form in (
        {"url": "javascript:alert(1)", "events": "*"},
        {"url": "https://x.example.com", "events": "nope"},
    ):
        page = await admin.follow(await admin.submit("/admin/webhooks", form, page="/admin/webhooks"))
        assert 'class="flash flash-error"' in page.text
    assert await admin.db(webhook_store.list_subscriptions) == []
    assert (
        await admin.client.post(
            "/admin/webhooks/deliveries/abc/retry", data={"csrf_token": await admin.csrf()}
        )
    ).status_code == 404


async def test_the_queue_form_edits_tier_boosts(admin: Admin) -> None:
    queue = (await admin.db(list_queues))[0]
    form = {
        "name": queue.name,
        "description": "",
        "required_skills": "",
        "priority": "0",
        "strategy": "longest_idle",
    }
    path = f"/admin/queues/{queue.id}"

    await admin.follow(await admin.submit(path, {**form, "tier_boosts": "Platinum=30, gold = 15"}, page=path))
    assert (await admin.db(list_queues))[0].tier_boosts == {"platinum": 30, "gold": 15}
    assert 'value="platinum=30, gold=15"' in (await admin.client.get(path)).text

    page = await admin.follow(await admin.submit(path, {**form, "tier_boosts": "platinum=lots"}, page=path))
    assert "Tier boosts are tier=points pairs" in page.text
    assert (await admin.db(list_queues))[0].tier_boosts == {"platinum": 30, "gold": 15}


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_only_admins_see_the_webhooks_page(site: Admin, role: str) -> None:
    await site.db(create_agent, f"the-{role}", "Someone", "long enough", role=role)
    await site.login(f"the-{role}", "long enough")
    assert (await site.client.get("/admin/webhooks")).status_code == 403
