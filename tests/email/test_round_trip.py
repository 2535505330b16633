"""Replies by SMTP and answers by IMAP: headers as received, threading, reopening, bounces, loops."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlmodel import select

from repository.core.models import Event, Interaction
from repository.directory import create_agent, create_wrapup_code, get_agent, heartbeat, set_presence
from repository.email.mailboxes import list_mailboxes, update_mailbox
from tests.email.corpus import simple

pytestmark = pytest.mark.server


def interactions(db: Any) -> list[Interaction]:
    with db.read() as session:
        return list(
            session.exec(
                select(Interaction).where(Interaction.channel == "email").order_by(Interaction.id)
            ).all()
        )


def event(db: Any, event_id: int) -> Event:
    with db.read() as session:
        row = session.get(Event, event_id)
    assert row is not None
    return row


def customer_events(db: Any, interaction_id: int) -> list[Event]:
    with db.read() as session:
        return list(
            session.exec(
                select(Event).where(Event.interaction_id == interaction_id, Event.author_type == "customer")
            ).all()
        )


async def accepted_interaction(app: Any, agent: Any) -> Interaction:
    """Wait for the router to offer the new mail to ``agent``, then accept it as the desktop would."""
    db = app.ctx.db

    def offer() -> list[Interaction]:
        heartbeat(db, [agent.id])  # stands in for the agent's open desktop
        return [i for i in interactions(db) if i.status == "offered" and i.agent_id == agent.id]

    try:
        offered = await app.wait_for(offer, what="an offer")
    except AssertionError:
        raise AssertionError(f"no offer: {interactions(db)} agent={get_agent(db, agent.id)}") from None
    return await app.ctx.hub.accept(agent, offered[0].id)


async def available_agent(app: Any, name: str = "Ana Lima") -> Any:
    db = app.ctx.db
    agent = create_agent(db, name.split()[0].lower(), name, "pw-not-used-here-1")
    set_presence(db, agent.id, "available")
    heartbeat(db, [agent.id])
    return agent


def dsn_for(original_message_id: str, recipient: str) -> bytes:
    """An RFC 3464 bounce as Postfix writes it, byte for byte."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customers.test>\r\n"
        "To: support@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.customers.test')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\r\n'
        "\r\n"
        "--BOUND\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "Your message could not be delivered.\r\n"
        "--BOUND\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customers.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        "--BOUND\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_message_id}>\r\n"
        f"To: {recipient}\r\n"
        "Subject: Re: Hello\r\n\r\n"
        "--BOUND--\r\n"
    ).encode()


async def test_reply_leaves_threaded_and_the_customers_answer_reopens_the_same_interaction(
    email_app: Any,
) -> None:
    async with email_app() as app:
        db, hub = app.ctx.db, app.ctx.hub
        agent = await available_agent(app)
        create_wrapup_code(db, "resolved", "Resolved")
        first_id, first = simple("Jane Roe <jane@customers.test>", "Order 42 is late", "Where is my order?")
        app.deliver([first])
        interaction = await accepted_interaction(app, agent)

        reply = await hub.reply(agent, interaction.id, "Hello Jane,\n\nIt ships today.\n\nAna")
        await app.wait_for(lambda: app.smtp.received, what="the reply at the SMTP server")
        mail_from, rcpt, sent = app.smtp.received[0]
        assert mail_from == "support@example.test" and rcpt == ["jane@customers.test"]
        assert sent["From"].addresses[0].display_name == "Ana Lima via Northwind Support"
        assert sent["From"].addresses[0].addr_spec == "support@example.test"
        assert sent["To"].addresses[0].addr_spec == "jane@customers.test"
        assert sent["Subject"] == f"Re: Order 42 is late [#{interaction.id}]"
        reply_mid = sent["Message-ID"].strip("<>")
        assert reply_mid and reply_mid != first_id and reply_mid.endswith("@example.test")
        assert sent["In-Reply-To"] == f"<{first_id}>"
        assert f"<{first_id}>" in sent["References"]
        assert sent.get_content_type() == "multipart/alternative"
        plain = sent.get_body(("plain",))
        html = sent.get_body(("html",))
        assert plain is not None and "It ships today." in plain.get_content()
        assert html is not None and "<p>It ships today.</p>" in html.get_content()
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "sent", what="delivery state sent")

        await hub.close(agent, interaction.id, "resolved")
        answer = EmailMessage()
        answer["From"] = "jane@customers.test"
        answer["To"] = "support@example.test"
        answer["Subject"] = "Re: Order 42 is late"  # the client dropped our token: headers must do
        answer["Message-ID"] = make_msgid(domain="customers.test")
        answer["In-Reply-To"] = f"<{reply_mid}>"
        answer["References"] = f"<{first_id}> <{reply_mid}>"
        answer.set_content("Thanks! It arrived.\n\nOn Tue, Ana wrote:\n> It ships today.")
        app.deliver([answer.as_bytes()])
        await app.wait_for(
            lambda: len(customer_events(db, interaction.id)) == 2, what="the answer in the same interaction"
        )
        reopened = [i for i in interactions(db) if i.id == interaction.id][0]
        assert reopened.status in ("queued", "offered", "active")
        answer_event = customer_events(db, interaction.id)[-1]
        assert answer_event.body == "Thanks! It arrived."
        assert "> It ships today." in answer_event.payload["quoted"]

        # A subject token alone threads too (a client that drops In-Reply-To)...
        token_mail = simple("jane@customers.test", f"About [#{interaction.id}]", "One more thing")[1]
        # ...but never for another customer quoting the same token.
        stranger = simple("mallory@elsewhere.test", f"Re: Order 42 is late [#{interaction.id}]", "Let me in")[
            1
        ]
        new_subject = simple("jane@customers.test", "A new question", "Do you ship to Norway?")[1]
        app.deliver([token_mail, stranger, new_subject])
        await app.wait_for(lambda: len(interactions(db)) == 3, what="two new interactions")
        await app.wait_for(lambda: len(customer_events(db, interaction.id)) == 3, what="the token mail")
        others = [i for i in interactions(db) if i.id != interaction.id]
        assert {i.subject for i in others} == {
            f"Re: Order 42 is late [#{interaction.id}]",
            "A new question",
        }
        assert len({i.customer_id for i in others}) == 2


async def test_a_bounce_marks_the_reply_failed_and_automated_mail_is_never_acknowledged(
    email_app: Any,
) -> None:
    async with email_app() as app:
        db, hub = app.ctx.db, app.ctx.hub
        box = list_mailboxes(db)[0]
        update_mailbox(db, box.id, acknowledge=True)
        await app.channel.reconcile()
        agent = await available_agent(app)
        app.deliver([simple("ghost@customers.test", "Hello", "Anyone there?")[1]])
        await app.wait_for(lambda: len(app.smtp.received) == 1, what="the acknowledgement")
        ack = app.smtp.received[0][2]
        assert ack["Auto-Submitted"] == "auto-replied" and "[#" in ack["Subject"]
        interaction = await accepted_interaction(app, agent)
        reply = await hub.reply(agent, interaction.id, "We are here.")
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "sent", what="sent")
        reply_mid = app.smtp.received[1][2]["Message-ID"].strip("<>")

        app.deliver([dsn_for(reply_mid, "ghost@customers.test")])
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "failed", what="the bounce")
        assert "5.1.1" in event(db, reply.id).payload["delivery_error"]

        automated = [
            simple("vacation@customers.test", "Out of office", "I am away", Auto_Submitted="auto-replied")[1],
            simple("news@customers.test", "Newsletter", "Big sale", Precedence="bulk")[1],
            simple("MAILER-DAEMON@customers.test", "Warning: delayed", "still trying")[1],
        ]
        app.deliver(automated)
        await app.wait_for(lambda: len(interactions(db)) == 4, what="the automated mail stored")
        flood = [simple("eager@customers.test", f"Question {n}", "hi")[1] for n in range(8)]
        app.deliver(flood)
        await app.wait_for(lambda: len(interactions(db)) == 12, what="the flood stored")

        def acks_to(address: str) -> int:
            return sum(
                m["Auto-Submitted"] == "auto-replied" and m["To"].addresses[0].addr_spec == address
                for _, _, m in app.smtp.received
            )

        await app.wait_for(lambda: acks_to("eager@customers.test") >= 5, what="five acknowledgements")
        await asyncio.sleep(0.5)  # let any (wrong) acknowledgement reach the server before counting
        acks = [m for _, rcpt, m in app.smtp.received if m["Auto-Submitted"] == "auto-replied"]
        recipients = [m["To"].addresses[0].addr_spec for m in acks]
        assert "vacation@customers.test" not in recipients
        assert "news@customers.test" not in recipients
        assert "mailer-daemon@customers.test" not in [r.lower() for r in recipients]
        # The per-sender guard: 5 acknowledgements an hour, however many new threads.
        assert recipients.count("eager@customers.test") == 5


async def test_smtp_outage_is_retried_with_backoff_and_a_hard_refusal_fails(email_app: Any) -> None:
    async with email_app() as app:
        db, hub = app.ctx.db, app.ctx.hub
        agent = await available_agent(app)
        app.deliver([simple("pat@customers.test", "Refund", "Please refund")[1]])
        interaction = await accepted_interaction(app, agent)
        app.smtp.refuse = "451 4.3.0 try again later"
        reply = await hub.reply(agent, interaction.id, "Refund issued.")
        await app.wait_for(
            lambda: "retrying" in (event(db, reply.id).payload.get("delivery_error") or ""), what="a retry"
        )
        assert event(db, reply.id).delivery_status == "queued"
        health = (await app.channel.health_check())["mailboxes"][0]
        assert health["smtp_error"]
        app.smtp.refuse = None
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "sent", what="the retry to succeed")
        assert len(app.smtp.received) == 1

        app.smtp.refuse = "550 5.1.1 no such user"
        doomed = await hub.reply(agent, interaction.id, "Second note.")
        await app.wait_for(lambda: event(db, doomed.id).delivery_status == "failed", what="a hard failure")
