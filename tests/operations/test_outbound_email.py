"""A back-end system emails a customer through the real SMTP server (aiosmtpd); the answer,
fetched from Dovecot by IMAP, threads into the same interaction. Email opt-outs and
quiet hours refuse a start with a stable code before anything is stored or sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from sqlmodel import select

from contact_center.app import create_app
from repository.core.models import Event, Interaction
from repository.directory import create_queue
from repository.directory.api_keys import create_api_key
from tests.email.conftest import SmtpSink

pytestmark = pytest.mark.server
PLUGINS = ("channels.email.plugin", "contact_center.api.plugin")


@asynccontextmanager
async def serve(settings: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(settings, plugins=PLUGINS)
    ctx = app.state.ctx
    create_queue(ctx.db, "Email", is_default=True)
    async with app.router.lifespan_context(app):
        token, _key = create_api_key(ctx.db, "shop")
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
            yield ctx, c


async def eventually(predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    async def poll() -> Any:
        while not (value := await asyncio.to_thread(predicate)):
            await asyncio.sleep(0.1)
        return value

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def rows(db: Any, model: Any, **where: Any) -> list[Any]:
    with db.read() as session:
        query = select(model).order_by(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query).all())


async def test_a_started_email_leaves_by_smtp_and_the_answer_threads_back(
    email_settings: Callable[..., Any], smtp_sink: SmtpSink, dovecot: Any, folder: str
) -> None:
    async with serve(email_settings()) as (ctx, api):
        customer = (
            await api.post("/api/v1/customers", json={"display_name": "Jane", "email": "Jane@Customers.test"})
        ).json()
        start = {
            "customer_id": customer["id"],
            "channel": "email",
            "subject": "Your order 42 has shipped",
            "body": "Hello Jane,\n\nYour parcel left our warehouse today.",
            "author_name": "Northwind Shop",
        }
        assert (await api.post("/api/v1/messages", json={**start, "subject": ""})).status_code == 422
        response = await api.post("/api/v1/messages", json=start)
        assert response.status_code == 201, response.text
        sent = response.json()
        iid = sent["interaction"]["id"]
        await eventually(lambda: smtp_sink.received, "the mail at the SMTP server")
        mail_from, rcpt, mail = smtp_sink.received[0]
        assert rcpt == ["jane@customers.test"]
        assert mail["Subject"] == f"Your order 42 has shipped [#{iid}]"
        assert mail["From"].addresses[0].display_name == "Northwind Shop via Northwind Support"
        assert "left our warehouse" in mail.get_body(("plain",)).get_content()
        await eventually(
            lambda: rows(ctx.db, Event, id=sent["event"]["id"])[0].delivery_status == "sent", "delivery sent"
        )

        # Jane answers from her mail client: IMAP fetches it into the same interaction.
        answer = EmailMessage()
        answer["From"] = "jane@customers.test"
        answer["To"] = mail_from
        answer["Subject"] = "Re: Your order 42 has shipped"
        answer["Message-ID"] = make_msgid(domain="customers.test")
        answer["In-Reply-To"] = mail["Message-ID"]
        answer.set_content("Great, thank you!")
        dovecot.append([answer.as_bytes()], folder)
        await eventually(
            lambda: [e for e in rows(ctx.db, Event, interaction_id=iid) if e.author_type == "customer"],
            "the answer in the same interaction",
        )
        assert len(rows(ctx.db, Interaction)) == 1

        # Opted out: refused with a reason, nothing stored, nothing sent.
        opt = await api.post(
            "/api/v1/opt-outs", json={"channel": "email", "address": "JANE@customers.test", "opted_out": True}
        )
        assert opt.status_code == 200 and opt.json()["changed"] is True
        events_before, mails_before = len(rows(ctx.db, Event)), len(smtp_sink.received)
        refused = await api.post("/api/v1/messages", json={**start, "subject": "A new offer"})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "opted_out"
        await asyncio.sleep(0.3)
        assert len(rows(ctx.db, Event)) == events_before and len(smtp_sink.received) == mails_before
        lifted = await api.post(
            "/api/v1/opt-outs",
            json={"channel": "email", "address": "jane@customers.test", "opted_out": False},
        )
        assert lifted.json()["changed"] is True


async def test_quiet_hours_hold_back_a_new_conversation_and_say_until_when(
    email_settings: Callable[..., Any], smtp_sink: SmtpSink
) -> None:
    now = datetime.now(UTC)
    span = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
    async with serve(email_settings(OUTBOUND_QUIET_HOURS=span, OUTBOUND_TIME_ZONE="UTC")) as (ctx, api):
        customer = (await api.post("/api/v1/customers", json={"email": "max@customers.test"})).json()
        response = await api.post(
            "/api/v1/messages",
            json={"customer_id": customer["id"], "channel": "email", "subject": "Hi", "body": "News"},
        )
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "quiet_hours"
        resumes = datetime.fromisoformat(error["retry_at"])
        assert timedelta(minutes=58) < resumes - now < timedelta(minutes=61)
        assert rows(ctx.db, Event) == [] and smtp_sink.received == []
