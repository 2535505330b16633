"""Per-number IVR menus, business hours and agent extensions: admin pages and the REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from repository.directory import list_agents, list_queues
from repository.telephony.config import endpoint_for, list_numbers
from tests.test_admin_ui import ADMIN, Admin, _serve


@pytest.fixture
async def admin(make_settings: Callable[..., Settings]) -> AsyncIterator[Admin]:
    async for served in _serve(make_settings()):
        await served.login(*ADMIN)
        yield served


async def test_an_admin_configures_a_number_menu_hours_and_extensions(admin: Admin) -> None:
    page = await admin.client.get("/admin/phone")
    assert page.status_code == 200 and 'href="/admin/phone"' in page.text
    queues = await admin.db(list_queues)
    response = await admin.submit(
        "/admin/phone/numbers",
        {"number": "(415) 555-0100", "label": "Main", "default_queue_id": str(queues[0].id)},
    )
    assert "+14155550100" in (await admin.follow(response)).text
    (number,) = await admin.db(list_numbers)

    form = {
        "label": "Main line",
        "greeting": "Welcome to Northwind.",
        "time_zone": "Europe/Berlin",
        "hours_mon": "09:00-12:00, 13:00-17:00",
        "menu_digit_0": "1",
        "menu_label_0": "Sales",
        "menu_keywords_0": "buy, order",
        "menu_queue_0": str(queues[0].id),
    }
    path = f"/admin/phone/numbers/{number.id}"
    saved = await admin.follow(await admin.submit(f"{path}/save", form, page=path))
    assert "Welcome to Northwind." in saved.text and "flash-error" not in saved.text
    (number,) = await admin.db(list_numbers)
    assert number.menu == [
        {"digit": "1", "label": "Sales", "queue_id": queues[0].id, "keywords": ["buy", "order"]}
    ]
    assert (
        number.business_hours["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
        and number.business_hours["tue"] == []
    )

    bad = await admin.follow(
        await admin.submit(f"{path}/save", {**form, "time_zone": "Nowhere/Land"}, page=path)
    )
    assert "flash-error" in bad.text and "time zone" in bad.text

    agent = next(a for a in await admin.db(list_agents) if a.role == "agent")
    response = await admin.submit(
        f"/admin/phone/agents/{agent.id}",
        {"client_identity": "alice-desk", "extension": "201"},
        page="/admin/phone",
    )
    assert response.status_code == 303
    endpoint = await admin.db(endpoint_for, agent.id)
    assert endpoint.client_identity == "alice-desk" and endpoint.extension == "201"

    # The same configuration through the REST API.
    listed = await admin.api("/api/v1/phone-numbers")
    assert listed["data"][0]["menu"][0]["label"] == "Sales"
    assert (await admin.api(f"/api/v1/agents/{agent.id}/phone"))["extension"] == "201"


async def test_the_rest_api_validates_phone_configuration(admin: Admin) -> None:
    from repository.directory.api_keys import create_api_key

    token, _ = await admin.db(create_api_key, "config")
    headers = {"Authorization": f"Bearer {token}"}
    queues = await admin.db(list_queues)
    client = admin.client
    created = await client.post(
        "/api/v1/phone-numbers",
        headers=headers,
        json={
            "number": "+14155550100",
            "menu": [{"digit": "2", "label": "Support", "queue_id": queues[0].id}],
            "business_hours": {"sat": []},
            "time_zone": "America/New_York",
        },
    )
    assert created.status_code == 201, created.text
    number_id = created.json()["id"]
    for bad in (
        {"menu": [{"digit": "x", "label": "A", "queue_id": queues[0].id}]},
        {"business_hours": {"mon": [["25:00", "26:00"]]}},
        {"time_zone": "Atlantis/Capital"},
    ):
        response = await client.patch(f"/api/v1/phone-numbers/{number_id}", headers=headers, json=bad)
        assert response.status_code == 422, (bad, response.text)
    # Well formed, but naming a queue that does not exist (404), or two options on one digit (409).
    unknown_queue = {"menu": [{"digit": "1", "label": "A", "queue_id": 99999}]}
    response = await client.patch(f"/api/v1/phone-numbers/{number_id}", headers=headers, json=unknown_queue)
    assert response.status_code == 404, response.text
    two_on_one = {"menu": [{"digit": "1", "label": d, "queue_id": queues[0].id} for d in ("A", "B")]}
    response = await client.patch(f"/api/v1/phone-numbers/{number_id}", headers=headers, json=two_on_one)
    assert response.status_code == 409, response.text
    dup = await client.post("/api/v1/phone-numbers", headers=headers, json={"number": "+1 415 555 0100"})
    assert dup.status_code == 409
    calls = await client.get("/api/v1/calls?state=missed", headers=headers)
    assert calls.status_code == 200 and calls.json()["data"] == []
