"""The admin page for labels and custom fields, through the real app with a signed-in admin."""

from __future__ import annotations

from repository.crm.custom_fields import list_fields
from repository.crm.labels import list_labels
from tests.test_admin_ui import Admin, admin, site  # noqa: F401


async def test_an_admin_defines_recolours_and_deletes_labels_and_defines_fields(admin: Admin) -> None:  # noqa: F811
    page = "/admin/labels"
    created = await admin.follow(await admin.submit(page, {"name": "VIP", "colour": "#D97706"}, page=page))
    assert "Label VIP created." in created.text and "VIP" in created.text
    [vip] = await admin.db(list_labels)
    assert vip["colour"] == "#d97706"
    refused = await admin.follow(await admin.submit(page, {"name": "VIP"}, page=page))
    assert "already exists" in refused.text
    bad = await admin.follow(await admin.submit(page, {"name": "Red", "colour": "red"}, page=page))
    assert "#rrggbb" in bad.text

    await admin.follow(await admin.submit(f"{page}/{vip['id']}", {"colour": "#2563eb"}, page=page))
    assert (await admin.db(list_labels))[0]["colour"] == "#2563eb"

    field = {
        "target": "customer",
        "key": "contract",
        "name": "Contract",
        "type": "list",
        "options": "basic, pro",
    }
    done = await admin.follow(await admin.submit("/admin/custom-fields", field, page=page))
    assert "Field Contract created." in done.text and "basic, pro" in done.text
    [stored] = await admin.db(list_fields)
    assert (stored.key, stored.type, stored.options) == ("contract", "list", ["basic", "pro"])
    empty = await admin.follow(
        await admin.submit("/admin/custom-fields", {**field, "key": "tier2", "options": ""}, page=page)
    )
    assert "distinct options" in empty.text

    gone = await admin.follow(await admin.submit(f"{page}/{vip['id']}/delete", {}, page=page))
    assert "taken off every record" in gone.text and await admin.db(list_labels) == []
    assert (await admin.client.get(f"{page}/999/delete")).status_code == 405
