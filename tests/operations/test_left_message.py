"""Outside business hours the chat queue says when it is back, and a message left in the
widget becomes an email conversation whose answer leaves by the real SMTP server (aiosmtpd)
and whose reply comes back by IMAP (Dovecot) into the same conversation; on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from contact_center.app import create_app
from repository.core.models import Event, Interaction
from repository.directory import create_queue, list_queues
from repository.directory.api_keys import create_api_key
from repository.directory.business_hours import back_at, save_hours
from repository.email.mailboxes import list_mailboxes, update_mailbox
from tests.email.conftest import SmtpSink, email_app  # noqa: F401
from tests.email.corpus import simple
from tests.operations.test_outbound_email import eventually, rows

pytestmark = pytest.mark.server
TAIPEI = ZoneInfo("Asia/Taipei")
PLUGINS = ("channels.email.plugin", "channels.webchat.plugin", "contact_center.api.plugin")


def closed_now() -> dict[str, Any]:
    """Hours that exclude this minute: open only tomorrow 09:00-17:00 UTC."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    return {("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]: [["09:00", "17:00"]]}


@asynccontextmanager
async def serve(settings: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient, httpx.AsyncClient]]:
    app = create_app(settings, plugins=PLUGINS)
    ctx = app.state.ctx
    queue = create_queue(ctx.db, "Support", is_default=True)
    save_hours(ctx.db, queue.id, {"business_hours": closed_now(), "time_zone": "UTC"})
    async with app.router.lifespan_context(app):
        token, _key = create_api_key(ctx.db, "desk")
        transport = httpx.ASGITransport(app=app)
        base = "http://testserver"
        auth = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(transport=transport, base_url=base) as visitor,
            httpx.AsyncClient(transport=transport, base_url=base, headers=auth) as api,
        ):
            yield ctx, visitor, api


async def test_a_left_message_is_answered_by_email(
    email_settings: Callable[..., Any], smtp_sink: SmtpSink, dovecot: Any, folder: str, database_url: str
) -> None:
    async with serve(email_settings(DATABASE_URL=database_url)) as (ctx, visitor, api):
        hours = (await visitor.get("/channels/webchat/hours")).json()
        tomorrow_nine = (datetime.now(UTC) + timedelta(days=1)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        assert hours["open"] is False
        assert datetime.fromisoformat(hours["next_open_at"]) == tomorrow_nine
        assert sum(len(d["spans"]) for d in hours["week"]) == 1

        bad = await visitor.post(
            "/channels/webchat/messages", json={"email": "not-an-address", "message": "hi"}
        )
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
        empty = await visitor.post(
            "/channels/webchat/messages", json={"email": "kim@customers.test", "message": " "}
        )
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "message"
        assert rows(ctx.db, Interaction) == []

        left = await visitor.post(
            "/channels/webchat/messages",
            json={"name": "Kim Lee", "email": "Kim@Customers.test", "message": "Where is order 7?\nThanks"},
        )
        assert left.status_code == 201, left.text
        iid = left.json()["interaction_id"]
        interaction = rows(ctx.db, Interaction, id=iid)[0]
        assert interaction.channel == "email" and interaction.subject == "Where is order 7?"
        customer_events = [e for e in rows(ctx.db, Event, interaction_id=iid) if e.author_type == "customer"]
        assert [e.body for e in customer_events] == ["Where is order 7?\nThanks"]

        answer = await api.post(
            f"/api/v1/interactions/{iid}/messages",
            json={"body": "It left the warehouse today.", "author_name": "Alice"},
        )
        assert answer.status_code == 201, answer.text
        await eventually(lambda: smtp_sink.received, "the answer at the SMTP server")
        _mail_from, rcpt, mail = smtp_sink.received[-1]
        assert rcpt == ["kim@customers.test"]
        assert f"[#{iid}]" in mail["Subject"] and "Where is order 7?" in mail["Subject"]
        assert "left the warehouse" in mail.get_body(("plain",)).get_content()

        # Kim answers from her mail client: IMAP brings it into the same conversation.
        reply = EmailMessage()
        reply["From"] = "kim@customers.test"
        reply["To"] = _mail_from
        reply["Subject"] = f"Re: {mail['Subject']}"
        reply["Message-ID"] = make_msgid(domain="customers.test")
        reply["In-Reply-To"] = mail["Message-ID"]
        reply.set_content("Thanks, it arrived!")
        dovecot.append([reply.as_bytes()], folder)
        await eventually(
            lambda: [
                e
                for e in rows(ctx.db, Event, interaction_id=iid)
                if e.author_type == "customer" and "it arrived" in e.body
            ],
            "the reply in the same conversation",
        )
        assert len(rows(ctx.db, Interaction)) == 1


async def test_an_acknowledgement_outside_hours_says_when_the_team_is_back(
    email_app: Any,  # noqa: F811  (the email tests' fixture, imported above)
    database_url: str,
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        [queue] = list_queues(db)
        save_hours(db, queue.id, {"business_hours": closed_now(), "time_zone": "Asia/Taipei"})
        update_mailbox(db, list_mailboxes(db)[0].id, acknowledge=True)
        await app.channel.reconcile()
        app.deliver([simple("ann@customers.test", "Hello", "Anyone there?")[1]])
        await app.wait_for(lambda: len(app.smtp.received) == 1, what="the acknowledgement")
        text = app.smtp.received[0][2].get_body(("plain",)).get_content()
        local = (await app.ctx.hub.db.run(back_at, queue.id, datetime.now(UTC)))[0].astimezone(TAIPEI)
        # When the queue opens next, written in the mailbox's language and the queue's zone.
        assert "We are away right now and will be back on" in text, text
        assert f"{local:%B} {local.day}, {local.year}, 9:00:00" in text and "+0800" in text, text


async def test_left_messages_obey_the_embedding_origins_and_the_conversation_limit(
    email_settings: Callable[..., Any], smtp_sink: SmtpSink, database_url: str
) -> None:
    settings = email_settings(
        DATABASE_URL=database_url,
        WIDGET_ALLOWED_ORIGINS="https://shop.example",
        WIDGET_CONVERSATIONS_PER_ADDRESS="2/minute",
    )
    async with serve(settings) as (ctx, visitor, _api):
        note = {"email": "kim@customers.test", "message": "Call me back"}
        foreign = await visitor.post(
            "/channels/webchat/messages", json=note, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "origin_not_allowed"
        shop = {"Origin": "https://shop.example"}
        preflight = await visitor.options("/channels/webchat/messages", headers=shop)
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
        for _ in range(2):
            ok = await visitor.post("/channels/webchat/messages", json=note, headers=shop)
            assert ok.status_code == 201, ok.text
        limited = await visitor.post("/channels/webchat/messages", json=note, headers=shop)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
        assert len(rows(ctx.db, Interaction)) == 2
