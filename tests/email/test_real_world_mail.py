"""Issue 15, items 2-9: real-world mail through a real Dovecot into the CCR, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from repository.core.models import Customer, Event, Interaction, utcnow
from repository.email.mailboxes import create_mailbox, list_mailboxes, update_mailbox
from repository.email.models import EmailQuarantine
from repository.email.secrets import PasswordSealer
from tests.email import real_world
from tests.email.corpus import simple
from tests.email.dovecot import USER
from tests.email.test_round_trip import accepted_interaction, available_agent, event

pytestmark = pytest.mark.server
MiB = 1024 * 1024


def customer_mail(db: Any) -> list[Event]:
    with db.read() as session:
        return list(
            session.exec(
                select(Event)
                .where(Event.channel == "email", Event.author_type == "customer")
                .order_by(Event.id)
            ).all()
        )


def quarantined(db: Any) -> list[EmailQuarantine]:
    with db.read() as session:
        return list(session.exec(select(EmailQuarantine).order_by(EmailQuarantine.id)).all())


def customer(db: Any, customer_id: int) -> Customer:
    with db.read() as session:
        row = session.get(Customer, customer_id)
    assert row is not None
    return row


async def acknowledging(app: Any) -> None:
    box = list_mailboxes(app.ctx.db)[0]
    update_mailbox(app.ctx.db, box.id, acknowledge=True)
    await app.channel.reconcile()


async def test_item2_utf8_and_gbk_sender_names_and_subjects_decode_instead_of_quarantining(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        app.deliver(
            [
                real_world.utf8_raw_sender("Zoë Müller-Łukasz", "zoe@customers.test", "Grüße aus Köln"),
                real_world.gb2312_labelled("朱镕基", "zhu@customers.test", "镕的订单"),
            ]
        )
        await app.wait_for(lambda: len(customer_mail(db)) == 2, what="both mails stored")
        assert quarantined(db) == []
        zoe, zhu = customer_mail(db)
        assert zoe.payload["from"] == "Zoë Müller-Łukasz <zoe@customers.test>"
        assert customer(db, zoe.customer_id).display_name == "Zoë Müller-Łukasz"
        assert zoe.payload["subject"] == "Grüße aus Köln"
        assert zhu.payload["from"] == "朱镕基 <zhu@customers.test>"
        assert customer(db, zhu.customer_id).display_name == "朱镕基"
        assert zhu.payload["subject"] == "镕的订单"
        assert "\ufffd" not in zhu.payload["subject"]
        assert zhu.body == "请问订单什么时候发货？"


async def test_item3_an_attachment_over_25_mib_is_reported_and_logged_and_one_under_10_mib_is_kept(
    email_app: Any, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="channels.email.mail_store")
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        assert app.ctx.settings.email_attachment_max_bytes == 25 * MiB
        app.deliver(
            [
                real_world.with_attachment("big@customers.test", 28 * MiB, "scan-28mb.pdf"),
                real_world.with_attachment("mid@customers.test", 12 * MiB, "scan-12mb.pdf"),
            ]
        )
        await app.wait_for(lambda: len(customer_mail(db)) == 2, timeout=90, what="both mails")
        big, mid = sorted(customer_mail(db), key=lambda e: e.payload["from_address"])
        (dropped,) = big.payload["attachments"]
        assert dropped == {
            "filename": "scan-28mb.pdf",
            "content_type": "application/pdf",
            "size": 28 * MiB,
            "too_large": True,
            "limit": 25 * MiB,
        }
        # 12 MiB was over the old shared 10 MiB limit; email keeps it now.
        (kept,) = mid.payload["attachments"]
        assert kept["size"] == 12 * MiB and kept["url"].startswith("/channels/email/attachments/")
        logged = [r.getMessage() for r in caplog.records if "not kept" in r.getMessage()]
        assert len(logged) == 1 and "scan-28mb.pdf" in logged[0] and str(28 * MiB) in logged[0]


async def test_item5_mail_from_our_own_mailboxes_is_stored_flagged_and_never_acknowledged(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        create_mailbox(
            db,
            "billing@example.test",
            sealer=PasswordSealer(str(app.ctx.settings.secret_key)),
            imap_host="127.0.0.1",
            imap_user="billing@example.test",
            smtp_host="127.0.0.1",
            is_active=False,
        )
        await acknowledging(app)
        app.deliver(
            [
                simple(f"Support <{USER}>", "Loop one", "talking to myself")[1],
                simple("Billing <billing@example.test>", "Loop two", "from the other desk")[1],
                simple("person@customers.test", "A real question", "hello")[1],
            ]
        )
        await app.wait_for(lambda: len(customer_mail(db)) == 3, what="three mails stored")
        await app.wait_for(lambda: len(app.smtp.received) >= 1, what="the one acknowledgement")
        await asyncio.sleep(0.5)  # let any (wrong) acknowledgement arrive before counting
        by_sender = {e.payload["from_address"]: e for e in customer_mail(db)}
        for address in (USER, "billing@example.test"):
            assert by_sender[address].payload["loop"] is True
            assert by_sender[address].payload["automated"].startswith("loop")
        assert "loop" not in by_sender["person@customers.test"].payload
        recipients = [m["To"].addresses[0].addr_spec for _, _, m in app.smtp.received]
        assert recipients == ["person@customers.test"]


async def test_item6_a_1_mb_subject_is_capped_where_stored_and_in_the_acknowledgement(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        await acknowledging(app)
        subject = "refund " * 150_000  # 1,050,000 characters
        app.deliver(
            [real_world.plain("spoofed@customers.test", subject, "body", message_id="big-subject@c.test")]
        )
        await app.wait_for(lambda: len(customer_mail(db)) == 1, what="the mail")
        await app.wait_for(lambda: len(app.smtp.received) == 1, what="the acknowledgement")
        stored = customer_mail(db)[0]
        assert len(stored.payload["subject"]) == 998
        with db.read() as session:
            interaction = session.get(Interaction, stored.interaction_id)
        assert interaction is not None and len(interaction.subject) <= 300
        ack = app.smtp.received[0][2]
        assert len(str(ack["Subject"])) < 1100
        assert len(ack.as_bytes()) < 20_000


async def test_item7_bounces_are_recognised_first_and_unknown_ones_are_quarantined(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db, hub = app.ctx.db, app.ctx.hub
        agent = await available_agent(app)
        app.deliver([simple("ghost@customers.test", "Hello", "Anyone there?")[1]])
        interaction = await accepted_interaction(app, agent)
        reply = await hub.reply(agent, interaction.id, "We are here.")
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "sent", what="sent")
        reply_mid = app.smtp.received[0][2]["Message-ID"].strip("<>")

        app.deliver(
            [
                real_world.delivery_report(reply_mid, "ghost@customers.test"),  # From: <>
                real_world.delivery_report("never-sent@elsewhere.test", "who@customers.test"),
            ]
        )
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "failed", what="the bounce")
        await app.wait_for(lambda: len(quarantined(db)) == 1, what="the unknown bounce quarantined")
        (row,) = quarantined(db)
        assert row.reason == "bounce for unknown message" and row.uid == 3
        assert len(customer_mail(db)) == 1  # neither bounce is customer mail


async def test_item8_identical_mails_without_message_id_days_apart_are_two_mails(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db

        def same(date: str | None = None) -> bytes:
            return real_world.plain("repeat@customers.test", "Printer jammed", "It jammed again.", date=date)

        # With a Date header: the same text on two days is two mails; the same copy twice is one.
        monday = same("Mon, 01 Dec 2025 09:00:00 +0000")
        app.deliver([monday, monday, same("Thu, 04 Dec 2025 09:00:00 +0000")])
        await app.wait_for(lambda: len(customer_mail(db)) == 2, what="two dated mails")
        # Without Date: the same content is one mail within 10 minutes, another one days later.
        app.deliver([same(), same()])
        await app.wait_for(lambda: len(customer_mail(db)) == 3, what="the undated mail")
        await asyncio.sleep(1.0)
        assert len(customer_mail(db)) == 3
        undated = customer_mail(db)[-1]
        with db.write() as session:
            session.execute(
                update(Event).where(Event.id == undated.id).values(created_at=utcnow() - timedelta(days=3))  # type: ignore[arg-type]
            )
        app.deliver([same()])
        await app.wait_for(lambda: len(customer_mail(db)) == 4, what="the undated mail three days later")
        latest = customer_mail(db)[-1]
        assert latest.external_id != undated.external_id
        assert latest.payload["imap"]["uid"] == 6


async def test_item9_forwarded_mail_broken_multipart_and_comment_names_are_readable(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        app.deliver(
            [
                real_world.forwarded_whole("fwd@customers.test"),
                real_world.boundary_lost("broken@customers.test"),
                real_world.comment_name("anne@customers.test", "Anne P. Erson"),
            ]
        )
        await app.wait_for(lambda: len(customer_mail(db)) == 3, what="three mails")
        fwd, broken, anne = customer_mail(db)
        assert fwd.body == "The invoice charges 12 units; we ordered 10."
        (inner,) = fwd.payload["forwarded"]
        assert inner["headers"] == {
            "from": "Bob Builder <bob@partner.test>",
            "to": "fwd@customers.test",
            "date": "Mon, 01 Dec 2025 10:00:00 +0000",
            "subject": "Invoice 4471 is wrong",
        }
        assert inner["text"] == "The invoice charges 12 units; we ordered 10."
        assert [a["filename"] for a in fwd.payload["attachments"]] == ["message.eml"]
        assert broken.body == "The parcel arrived damaged, photos follow."
        assert broken.payload["attachments"] == []
        assert customer(db, anne.customer_id).display_name == "Anne P. Erson"
        assert anne.payload["from"] == "Anne P. Erson <anne@customers.test>"
