"""The live monitor on a real server process: push within 1 s, interventions, audit, roles."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets
from sqlmodel import select

from repository import Database, upgrade
from repository.core.models import Event
from repository.directory import create_agent, create_queue, create_wrapup_code
from repository.supervision.models import AgentStateChange, SupervisorAction
from tests.live import Client, ServerProcess, agent, client_id, login, visitor

pytestmark = [pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data")
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    create_queue(db, "Billing")
    create_agent(db, "alice", "Alice", "alice-password")
    create_agent(db, "sam", "Sam Super", "sam-password", role="supervisor")
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    proc.start()
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]


async def supervisor(server: ServerProcess, cookie: str) -> Client:
    ws = await websockets.connect(
        server.ws_base + "/supervisor/ws", additional_headers={"Cookie": f"cc_session={cookie}"}
    )
    client = Client(ws)
    client.start()
    await client.send({"type": "hello"})
    await client.wait_for(lambda f: f["type"] == "snapshot")
    return client


def waiting_in(frame: dict, name: str) -> int:
    return next(q["waiting"] for q in frame["queues"] if q["name"] == name)


async def test_a_new_contact_reaches_the_supervisor_within_one_second(server: ServerProcess) -> None:
    sup = await supervisor(server, await login(server.base, "sam", "sam-password"))
    seen = len(sup.frames)
    guest = await visitor(server, name="Dana")
    sent = time.monotonic()
    await guest.send({"type": "message", "client_id": client_id(), "body": "hello"})
    frame = await sup.wait_for(
        lambda f: f["type"] == "snapshot" and sup.frames.index(f) >= seen and waiting_in(f, "General") == 1,
        timeout=5,
    )
    elapsed = time.monotonic() - sent
    assert elapsed < 1.0, f"the supervisor saw the change after {elapsed:.2f} s"
    assert frame["contacts"][0]["customer"] == "Dana"
    await sup.close()
    await guest.close()


async def test_interventions_reassign_whisper_and_sign_out_are_audited(server: ServerProcess) -> None:
    sup = await supervisor(server, await login(server.base, "sam", "sam-password"))
    desk = await agent(server, await login(server.base, "alice", "alice-password"))
    guest = await visitor(server, name="Erin")
    await guest.send({"type": "message", "client_id": client_id(), "body": "where is my parcel?"})
    offer = await desk.wait_for(lambda f: f["type"] == "offer")
    contact = offer["interaction"]["id"]
    await desk.send({"type": "accept", "interaction_id": contact})
    await sup.wait_for(
        lambda f: f["type"] == "snapshot" and any(c["status"] == "active" for c in f["contacts"])
    )

    await sup.send({"type": "whisper", "interaction_id": contact, "body": "offer the voucher", "ref": "w1"})
    await sup.wait_for(lambda f: f["type"] == "done" and f["ref"] == "w1")
    note = await desk.wait_for(lambda f: f["type"] == "event" and f["event"]["body"] == "offer the voucher")
    assert note["event"]["kind"] == "note" and note["event"]["payload"]["whisper"] is True
    await guest.barrier()
    assert not any("voucher" in str(f) for f in guest.frames), "the customer must never see a whisper"

    await sup.send(
        {"type": "force_state", "agent_id": offer["interaction"]["agent_id"], "state": "offline", "ref": "s1"}
    )
    done = await sup.wait_for(lambda f: f["type"] == "done" and f["ref"] == "s1")
    assert done["released"] == [contact]
    await sup.wait_for(
        lambda f: (
            f["type"] == "snapshot"
            and any(c["id"] == contact and c["status"] == "queued" for c in f["contacts"])
        )
    )
    billing = next(q["id"] for q in sup.of_type("snapshot")[-1]["queues"] if q["name"] == "Billing")
    await sup.send({"type": "reassign", "interaction_id": contact, "to_queue_id": billing, "ref": "r1"})
    await sup.wait_for(lambda f: f["type"] == "done" and f["ref"] == "r1")
    await sup.wait_for(lambda f: f["type"] == "snapshot" and waiting_in(f, "Billing") == 1)

    # Bad input is an error frame; the socket stays open.
    await sup.send({"type": "reassign", "interaction_id": "x", "ref": "bad"})
    error = await sup.wait_for(lambda f: f["type"] == "error" and f.get("ref") == "bad")
    assert error["code"] == "invalid_field"
    await sup.send({"type": "force_state", "agent_id": 999, "state": "away", "ref": "nf"})
    assert (await sup.wait_for(lambda f: f["type"] == "error" and f.get("ref") == "nf"))[
        "code"
    ] == "not_found"
    await sup.send({"type": "staffing", "queue_id": billing, "arrivals_per_30min": 100, "ref": "st"})
    staffing = await sup.wait_for(lambda f: f["type"] == "staffing")
    assert staffing["agents_needed"] >= 1 and staffing["what_if"] is True

    db = Database(server.database_url)
    with db.read() as session:
        actions = [
            (a.action, a.interaction_id)
            for a in session.exec(select(SupervisorAction).order_by(SupervisorAction.id)).all()
        ]
        forced = session.exec(select(AgentStateChange).where(AgentStateChange.cause == "supervisor")).all()
        whisper = session.exec(select(Event).where(Event.kind == "note")).one()
    db.dispose()
    assert actions == [("whisper", contact), ("force_state", None), ("reassign", contact)]
    assert [f.state for f in forced] == ["offline"]
    assert whisper.payload["whisper"] is True
    for client in (sup, desk, guest):
        await client.close()


async def test_agents_get_403_on_the_supervisor_pages_and_the_socket_refuses_them(
    server: ServerProcess,
) -> None:
    cookie = await login(server.base, "alice", "alice-password")
    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as http:
        for path in ("/supervisor", "/reports", "/reports/data", "/reports/export.csv"):
            assert (await http.get(path)).status_code == 403, path
    async with httpx.AsyncClient(base_url=server.base) as anonymous:
        assert (await anonymous.get("/supervisor")).status_code == 303
    ws = await websockets.connect(
        server.ws_base + "/supervisor/ws", additional_headers={"Cookie": f"cc_session={cookie}"}
    )
    client = Client(ws)
    client.start()
    error = await client.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "forbidden"
    await asyncio.wait_for(client._reader, 5)  # type: ignore[arg-type]
    assert ws.close_code == 4403


async def test_reports_drill_down_transcript_and_csv_share_the_filters(server: ServerProcess) -> None:
    desk = await agent(server, await login(server.base, "alice", "alice-password"))
    guest = await visitor(server, name="=HYPERLINK(evil)")
    await guest.send({"type": "message", "client_id": client_id(), "body": "hi there"})
    offer = await desk.wait_for(lambda f: f["type"] == "offer")
    contact = offer["interaction"]["id"]
    await desk.send({"type": "accept", "interaction_id": contact})
    await desk.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active")
    cookie = await login(server.base, "sam", "sam-password")
    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as http:
        data = (await http.get("/reports/data", params={"granularity": "hour", "group": "channel"})).json()
        assert data["total"]["volume"] == 1 and data["series"][0]["key"] == "chat"
        rows = (await http.get("/reports/interactions", params={"metric": "asa"})).json()["interactions"]
        assert [r["id"] for r in rows] == [contact]
        transcript = (await http.get(f"/reports/transcript/{contact}")).json()
        assert any(e["body"] == "hi there" for e in transcript["events"])
        csv_text = (await http.get("/reports/export.csv")).text
        assert csv_text.splitlines()[0].startswith("id,channel,queue,agent,customer")
        assert "'=HYPERLINK(evil)" in csv_text  # a formula is defused, not run by a spreadsheet
        for bad in (
            {"granularity": "minute"},
            {"from": "yesterday"},
            {"tz": "Mars/Olympus"},
            {"queue_id": "-1"},
        ):
            response = await http.get("/reports/data", params=bad)
            assert response.status_code == 422, (bad, response.text)  # the product's "invalid_input"
        assert (await http.get("/reports/transcript/99999")).status_code == 404
    await desk.close()
    await guest.close()


async def test_signing_out_closes_that_sessions_monitor_and_no_other(server: ServerProcess) -> None:
    db = Database(server.database_url)
    create_agent(db, "kim", "Kim Lead", "kim-password", role="supervisor")
    db.dispose()
    async with httpx.AsyncClient(base_url=server.base) as browser:
        page = await browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await browser.post(
            "/login", data={"csrf_token": token, "username": "sam", "password": "sam-password"}
        )
        mine = await supervisor(server, str(browser.cookies.get("cc_session")))
        same_person_elsewhere = await supervisor(server, await login(server.base, "sam", "sam-password"))
        colleague = await supervisor(server, await login(server.base, "kim", "kim-password"))
        monitor_page = await browser.get("/supervisor")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', monitor_page.text).group(1)  # type: ignore[union-attr]
        sent = time.monotonic()
        assert (await browser.post("/logout", data={"csrf_token": csrf})).status_code == 303
    error = await mine.wait_for(lambda f: f["type"] == "error", timeout=1.0)
    await asyncio.wait_for(mine._reader, 1.0)  # type: ignore[arg-type]
    elapsed = time.monotonic() - sent
    assert error["code"] == "unauthorized" and error["message"]
    assert mine.ws.close_code == 4401
    assert elapsed < 1.0, f"the monitor closed {elapsed:.2f} s after sign-out"
    # Another sign-in of the same supervisor, and another supervisor, keep watching.
    for other in (same_person_elsewhere, colleague):
        await other.send({"type": "ping"})
        await other.wait_for(lambda f: f["type"] == "pong")
        assert other.ws.close_code is None
        await other.close()


async def test_staffing_what_ifs_are_rate_limited_per_socket(server: ServerProcess) -> None:
    cookie = await login(server.base, "sam", "sam-password")
    greedy = await supervisor(server, cookie)
    polite = await supervisor(server, cookie)
    general = next(q["id"] for q in greedy.of_type("snapshot")[-1]["queues"] if q["name"] == "General")
    for n in range(12):
        await greedy.send({"type": "staffing", "queue_id": general, "arrivals_per_30min": 50, "ref": n})
    refused = await greedy.wait_for(lambda f: f["type"] == "error" and f.get("ref") == 10)
    last = await greedy.wait_for(lambda f: f.get("ref") == 11)
    assert refused["code"] == last["code"] == "rate_limited"
    assert 1 <= refused["retry_after_seconds"] <= 10 and "10" in refused["message"]
    answered = [f["ref"] for f in greedy.of_type("staffing")]
    assert answered == list(range(10))
    # The limit is this socket's: the other page still gets its answer, and the greedy
    # one keeps its snapshots and other frames.
    await polite.send({"type": "staffing", "queue_id": general, "arrivals_per_30min": 50, "ref": "p"})
    assert (await polite.wait_for(lambda f: f.get("ref") == "p"))["type"] == "staffing"
    await greedy.send({"type": "audit", "ref": "a"})
    await greedy.wait_for(lambda f: f["type"] == "audit")
    for client in (greedy, polite):
        await client.close()
