"""Verified widget identity on a real server (issue 14, item 1).

A known customer (platinum, with a past contact) exists. An impostor who types their
email, with no signature, a forged one, or a signature for another email, must land
on a record of their own: the agent sees "unverified, claimed: …" and nothing of the
real customer's record, and the real record gains no identity. The same email signed
with the widget's secret links to the real customer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import select

from channels.webchat.identity import identity_hash
from repository import Database, upgrade
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Customer, Identity, Interaction
from repository.directory import create_agent, create_queue
from repository.directory.widget_keys import create_widget_key
from tests.live import Client, ServerProcess, agent, client_id, login
from tests.services import create_database, drop_database

pytestmark = [pytest.mark.server, pytest.mark.asyncio(loop_scope="module")]
ALLOWED = "http://shop.example.test"
VICTIM = "vera@example.com"
PASSWORD = "identity-pass"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {"WIDGET_ALLOWED_ORIGINS": ALLOWED}
    pg: tuple[str, str] | None = None
    if request.param == "postgresql":
        pg = create_database(request.getfixturevalue("postgres_server"))
        env["DATABASE_URL"] = pg[0]
    proc = ServerProcess(tmp_path_factory.mktemp("identity") / "data", **env)
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ada", "Ada", PASSWORD, capacity={"chat": 20})
    past = ingest(
        db,
        InboundItem(
            channel="email",
            identities=[("email", VICTIM)],
            thread_key="vera-past",
            body="Where is my order #A-1001 to 12 Secret Lane?",
            display_name="Vera Victim",
        ),
    )
    with db.write() as session:
        vera = session.get(Customer, past.customer.id)
        assert vera is not None
        vera.tier, vera.lifetime_value = "platinum", 98765.0
        session.add(vera)
        interaction = session.get(Interaction, past.interaction.id)
        assert interaction is not None
        interaction.status = "closed"
        session.add(interaction)
    proc.secret = create_widget_key(db, "shop").secret  # type: ignore[attr-defined]
    proc.victim_id = past.customer.id  # type: ignore[attr-defined]
    db.dispose()
    proc.start()
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]
    if pg is not None:
        drop_database(request.getfixturevalue("postgres_server"), pg[1])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(server: ServerProcess) -> AsyncIterator[Client]:
    client = await agent(server, await login(server.base, "ada", PASSWORD))
    yield client
    await client.close()


async def chat(server: ServerProcess, desk: Client, hello: dict[str, Any]) -> tuple[Client, dict[str, Any]]:
    """Say hello as a visitor, send a message, and return the agent's offer for it."""
    import websockets

    ws = await websockets.connect(
        server.ws_base + "/channels/webchat/ws", additional_headers={"Origin": ALLOWED}
    )
    visitor = Client(ws)
    visitor.start()
    await visitor.send({"type": "hello", **hello})
    await visitor.wait_for(lambda f: f["type"] == "welcome")
    body = "hello " + client_id()
    await visitor.send({"type": "message", "client_id": client_id(), "body": body})
    await visitor.wait_for(lambda f: f["type"] == "ack")
    offer = await desk.wait_for(
        lambda f: f["type"] == "offer" and any(e["body"] == body for e in f["events"]), timeout=15
    )
    return visitor, offer


def victim_identities(server: ServerProcess) -> set[tuple[str, str]]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            rows = session.exec(select(Identity).where(Identity.customer_id == server.victim_id))  # type: ignore[attr-defined]
            return {(r.kind, r.value) for r in rows}
    finally:
        db.dispose()


def assert_nothing_of_the_victim_shown(server: ServerProcess, offer: dict[str, Any]) -> None:
    context = offer["context"]
    customer = context["customer"]
    assert offer["interaction"]["customer_id"] != server.victim_id  # type: ignore[attr-defined]
    assert customer["id"] != server.victim_id  # type: ignore[attr-defined]
    assert customer["email"] in (None, "")
    assert customer["attributes"]["claimed_email"] == VICTIM
    assert context["value"]["tier"] != "platinum"
    text = repr(context)
    for secret in ("98765", "Secret Lane", "A-1001", "Vera Victim", "platinum"):
        assert secret not in text, secret


@pytest.mark.parametrize(
    "hello",
    [
        {"name": "Mallory", "email": VICTIM},
        {"name": "Mallory", "email": VICTIM, "widget": "shop", "identity_hash": "0" * 64},
        {"name": "Mallory", "email": VICTIM, "widget": "nope", "identity_hash": "0" * 64},
        # A genuine signature, but for the impostor's own address.
        {"name": "Mallory", "email": VICTIM, "widget": "shop", "identity_hash": "OWN"},
    ],
    ids=["unsigned", "forged-hash", "unknown-widget", "signature-for-another-email"],
)
async def test_an_impostor_is_neither_linked_to_nor_shown_the_real_customer(
    server: ServerProcess, desk: Client, hello: dict[str, Any]
) -> None:
    if hello.get("identity_hash") == "OWN":
        hello = {**hello, "identity_hash": identity_hash(server.secret, "mallory@example.com")}  # type: ignore[attr-defined]
    before = victim_identities(server)
    visitor, offer = await chat(server, desk, hello)
    assert visitor.of_type("welcome")[0]["identity"] == "unverified"
    assert_nothing_of_the_victim_shown(server, offer)
    assert victim_identities(server) == before  # no webchat identity attached to the real customer
    await visitor.close()


async def test_a_visitor_signed_by_the_site_is_linked_to_their_record(
    server: ServerProcess, desk: Client
) -> None:
    signature = identity_hash(server.secret, " Vera@Example.com ")  # type: ignore[attr-defined]
    visitor, offer = await chat(
        server, desk, {"email": VICTIM, "name": "Vera", "widget": "shop", "identity_hash": signature}
    )
    assert visitor.of_type("welcome")[0]["identity"] == "verified"
    assert offer["interaction"]["customer_id"] == server.victim_id  # type: ignore[attr-defined]
    assert offer["context"]["value"]["tier"] == "platinum"
    assert any("Secret Lane" in (item["last_message"] or "") for item in offer["context"]["timeline"])
    # Repeating the verified email unsigned (the pre-chat form) keeps it verified;
    # switching to another email does not carry the verification over.
    await visitor.send({"type": "profile", "email": VICTIM})
    saved = await visitor.wait_for(lambda f: f["type"] == "profile_saved")
    assert saved["identity"] == "verified"
    await visitor.send({"type": "profile", "email": "someone.else@example.com"})
    await visitor.wait_for(lambda f: f["type"] == "profile_saved" and f["identity"] == "unverified")
    await visitor.close()
