"""The people a bench needs: one queue and its agents in the store, signed in like a browser.

Seeding goes straight through the repository API (no HTTP), so it is not timed as
product work; signing in goes through the real ``/login`` form with its CSRF token,
and the desktop socket is opened the way ``agent.js`` opens it.
"""

from __future__ import annotations

import asyncio
import json
import re

import httpx
from websockets.asyncio.client import ClientConnection, connect

PASSWORD = "bench-password-123"


def seed(
    database_url: str,
    *,
    queue: str,
    description: str,
    agents: int,
    capacity: dict[str, int],
    supervisor: str | None = None,
    wrapup_code: str | None = None,
) -> None:
    """One default queue and agents ``bench0``… (optionally a supervisor and a wrap-up code)."""
    from repository import Database, upgrade
    from repository.directory import create_agent, create_queue, create_wrapup_code

    upgrade(database_url)
    db = Database(database_url)
    try:
        create_queue(db, queue, description=description, is_default=True)
        if wrapup_code:
            create_wrapup_code(db, wrapup_code, wrapup_code.capitalize())
        if supervisor:
            create_agent(db, supervisor, "Bench Supervisor", PASSWORD, role="supervisor")
        for i in range(agents):
            create_agent(db, f"bench{i}", f"Bench Agent {i}", PASSWORD, capacity=capacity)
    finally:
        db.dispose()


async def login(base: str, username: str) -> str:
    """Sign in like a browser: read the form's CSRF token, post it, keep the session cookie."""
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60) as client:
        page = await client.get("/login")
        page.raise_for_status()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if match is None:
            raise RuntimeError("no csrf_token on /login")
        response = await client.post(
            "/login",
            data={"csrf_token": match.group(1), "username": username, "password": PASSWORD, "next": "/agent"},
        )
        if response.status_code != 303:
            raise RuntimeError(f"login of {username} failed with HTTP {response.status_code}")
        cookie = client.cookies.get("cc_session")
        if not cookie:
            raise RuntimeError("login set no cc_session cookie")
        return cookie


async def open_desktop(
    ws_base: str, cookie: str, label: str, *, compression: str | None = None
) -> tuple[ClientConnection, int]:
    """An agent desktop socket past ``hello``/``welcome``, set available: (socket, agent id)."""
    ws = await connect(
        ws_base + "/agent/ws",
        additional_headers={"Cookie": f"cc_session={cookie}"},
        compression=compression,
        max_size=2**22,
        open_timeout=60,
        ping_interval=20,
        ping_timeout=None,
    )
    await ws.send(json.dumps({"type": "hello"}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"{label}: expected welcome, got {welcome}")
    await ws.send(json.dumps({"type": "presence", "state": "available"}))
    return ws, int(welcome["agent"]["id"])
