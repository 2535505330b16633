"""Sign-in protection: password guessing is throttled; a signed-out session cannot be replayed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from config import Settings
from contact_center.app import create_app
from contact_center.demo import seed_demo

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def client(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def _sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    assert token is not None
    return await client.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": password}
    )


async def test_ten_wrong_passwords_lock_that_username_even_for_the_right_one(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(10):
        assert (await _sign_in(client, "alice", "guess")).status_code == 401

    locked = await _sign_in(client, "alice", "alice-demo-pass")

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text


async def test_another_user_on_the_same_address_can_still_sign_in(client: httpx.AsyncClient) -> None:
    for _ in range(10):
        await _sign_in(client, "alice", "guess")

    assert (await _sign_in(client, "bob", "bob-demo-pass")).status_code == 303


async def test_successful_sign_ins_are_never_counted(client: httpx.AsyncClient) -> None:
    for _ in range(15):
        assert (await _sign_in(client, "bob", "bob-demo-pass")).status_code == 303


async def test_a_copy_of_the_cookie_stops_working_once_that_sign_in_signs_out(
    client: httpx.AsyncClient,
) -> None:
    assert (await _sign_in(client, "bob", "bob-demo-pass")).status_code == 303
    copied = dict(client.cookies)
    assert (await client.get("/agent")).status_code == 200
    page = await client.get("/agent")
    token = _CSRF.search(page.text)
    assert token is not None

    assert (await client.post("/logout", data={"csrf_token": token.group(1)})).status_code == 303

    client.cookies.clear()
    client.cookies.update(copied)
    replayed = await client.get("/agent")
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/login")
