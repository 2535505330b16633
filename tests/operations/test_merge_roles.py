"""Only supervisors and admins merge customers: an agent's session gets 403 and no merge row
on the desk; API keys need the admin scope. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlmodel import select

from config import Settings
from repository.core.customers import create_customer
from repository.core.models import Customer
from repository.db import Database
from repository.directory import create_agent
from repository.directory.api_keys import create_api_key
from tests.test_admin_ui import ADMIN, AGENT, Admin, _serve

_DESK_CSRF = re.compile(r'id="desk-labels"[^>]*data-csrf="([^"]+)"')


async def desk_token(site: Admin, username: str, password: str) -> tuple[str, str]:
    """Sign in and open the desk: its HTML and the session's CSRF token."""
    await site.login(username, password)
    page = await site.client.get("/agent")
    assert page.status_code == 200
    token = _DESK_CSRF.search(page.text)
    assert token is not None
    return page.text, token.group(1)


def _customer_ids(db: Database) -> set[int]:
    with db.read() as session:
        return {c.id for c in session.exec(select(Customer)).all() if c.id is not None}


async def customers(site: Admin) -> set[int]:
    return set(await site.db(_customer_ids))


async def test_agents_may_not_merge_supervisors_may(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    async for site in _serve(make_settings(DATABASE_URL=database_url)):
        kept = (await site.db(create_customer, display_name="Rita Moreno", email="ritam@gmail.com"))[0].id
        twin = (await site.db(create_customer, display_name="Rita M", email="rita.m+shop@gmail.com"))[0].id
        other = (await site.db(create_customer, display_name="Rita Again", email="r.itam@gmail.com"))[0].id
        await site.db(create_agent, "suzy", "Suzy Boss", "suzy-merge-pass", role="supervisor")
        merge_url = f"/agent/customers/{kept}/merge"

        # An agent: no merge row on the desk, and the session cannot merge.
        desk, token = await desk_token(site, *AGENT)
        assert 'id="desk-merge"' not in desk
        refused = await site.client.post(merge_url, json={"merge_id": twin}, headers={"X-CSRF-Token": token})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
        assert "supervisor" in refused.json()["error"]["message"]
        assert {kept, twin} <= await customers(site), "nothing was merged"
        suggestions = await site.client.get(f"/agent/customers/{kept}/duplicates")
        assert suggestions.status_code == 200  # reading suggestions is harmless
        await site.client.post("/logout", data={"csrf_token": await site.csrf("/agent")})

        # A supervisor: the row is there and the merge and its undo go through.
        desk, token = await desk_token(site, "suzy", "suzy-merge-pass")
        assert 'id="desk-merge"' in desk
        done = await site.client.post(merge_url, json={"merge_id": twin}, headers={"X-CSRF-Token": token})
        assert done.status_code == 200, done.text
        assert twin not in await customers(site)
        undo = await site.client.post(
            f"/agent/merges/{done.json()['id']}/undo", headers={"X-CSRF-Token": token}
        )
        assert undo.status_code == 200, undo.text
        assert twin in await customers(site)
        await site.client.post("/logout", data={"csrf_token": await site.csrf("/agent")})
        desk, _token = await desk_token(site, *ADMIN)
        assert 'id="desk-merge"' in desk

        # API keys: read and write are not enough; admin is.
        plain, _ = await site.db(create_api_key, "crm sync", ("read", "write"))
        trusted, _ = await site.db(create_api_key, "supervisor tool", ("read", "write", "admin"))
        api = f"/api/v1/customers/{kept}/merge"
        c = site.client  # an API key decides, whoever is signed in on this client
        no = await c.post(api, json={"merge_id": other}, headers={"Authorization": f"Bearer {plain}"})
        assert no.status_code == 403 and no.json()["error"]["code"] == "insufficient_scope"
        assert no.json()["error"]["scope"] == "admin"
        seen = await c.get(
            "/api/v1/customer-merges/suggestions", headers={"Authorization": f"Bearer {plain}"}
        )
        assert seen.status_code == 200
        yes = await c.post(api, json={"merge_id": other}, headers={"Authorization": f"Bearer {trusted}"})
        assert yes.status_code == 200, yes.text
        assert other not in await customers(site)
        back = await c.post(
            f"/api/v1/customer-merges/{yes.json()['merge']['id']}/undo",
            headers={"Authorization": f"Bearer {plain}"},
        )
        assert back.status_code == 403
