"""Inbound mail against a real Dovecot: exactly once, after downtime, restarts and resyncs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from repository.core.models import Attachment, Event, Interaction
from repository.email.mailboxes import sync_position
from repository.email.models import EmailQuarantine
from tests.email.corpus import corpus, simple

pytestmark = pytest.mark.server


def email_events(db: Any) -> list[Event]:
    with db.read() as session:
        return list(
            session.exec(select(Event).where(Event.channel == "email", Event.author_type == "customer")).all()
        )


def quarantined(db: Any) -> list[EmailQuarantine]:
    with db.read() as session:
        return list(session.exec(select(EmailQuarantine)).all())


def attachment_hashes(db: Any, event: Event) -> dict[str, str]:
    ids = [a["id"] for a in event.payload["attachments"] if "id" in a]
    with db.read() as session:
        rows = session.exec(select(Attachment).where(Attachment.id.in_(ids))).all()  # type: ignore[union-attr]
    return {r.filename: r.sha256 for r in rows}


async def test_200_tricky_messages_are_each_stored_once_with_text_and_attachments_or_quarantined(
    email_app: Any, database_url: str
) -> None:
    mails = corpus(200)
    async with email_app(DATABASE_URL=database_url) as app:
        app.deliver([m.raw for m in mails])
        expected_events = sum(m.outcome == "ingested" for m in mails)
        expected_quarantine = sum(m.outcome == "quarantined" for m in mails)
        db = app.ctx.db
        await app.wait_for(
            lambda: len(email_events(db)) >= expected_events and len(quarantined(db)) >= expected_quarantine,
            timeout=120,
            what=f"{expected_events} events and {expected_quarantine} quarantined",
        )
        events = email_events(db)
        assert len(events) == expected_events
        assert len(quarantined(db)) == expected_quarantine
        by_subject_and_id: dict[tuple[str | None, str], list[Event]] = {}
        for event in events:
            by_subject_and_id.setdefault(
                (event.payload.get("message_id"), event.payload["subject"]), []
            ).append(event)
        for mail in mails:
            if mail.outcome != "ingested":
                continue
            found = by_subject_and_id.get((mail.message_id, mail.subject), [])
            assert len(found) == 1, (mail.kind, mail.message_id, mail.subject, len(found))
            event = found[0]
            if mail.text is not None:
                assert event.payload["text"] == mail.text, mail.kind
                assert event.body == mail.text, mail.kind
            if mail.text_startswith is not None:
                assert event.body.startswith(mail.text_startswith), mail.kind
                assert event.payload["truncated"] is True
            if mail.quoted_contains is not None:
                assert mail.quoted_contains in event.payload["quoted"]
                assert "restart the router" not in event.body
            for needle in mail.html_contains:
                assert needle in event.payload["html"], mail.kind
            for needle in mail.html_absent:
                assert needle not in (event.payload["html"] or ""), (mail.kind, needle)
            if mail.attachments:
                assert attachment_hashes(db, event) == mail.attachments, mail.kind
        with db.read() as session:
            interactions = session.exec(select(Interaction).where(Interaction.channel == "email")).all()
        # No references between these mails: every stored mail opened its own interaction.
        assert len(interactions) == expected_events
        box_id = app.channel.health[next(iter(app.channel.health))].mailbox_id
        # The position is saved after each FETCH chunk is stored, indexed and announced.
        await app.wait_for(lambda: sync_position(db, box_id, app.folder)[1] == 200, what="the position")
        validity, last_uid = sync_position(db, box_id, app.folder)
        assert validity == app.dovecot.uidvalidity(app.folder) and last_uid == 200


async def test_mail_that_arrives_while_the_poller_is_stopped_is_all_fetched_once_after_restart(
    email_app: Any,
) -> None:
    first = [simple(f"early{i}@customers.test", f"Early {i}", f"early {i}")[1] for i in range(10)]
    later = [simple(f"late{i}@customers.test", f"Late {i}", f"late {i}")[1] for i in range(50)]
    async with email_app() as app:
        app.deliver(first)
        await app.wait_for(lambda: len(email_events(app.ctx.db)) == 10, what="the first 10")
    # The app is down: nothing polls while 50 more arrive.
    app.deliver(later)
    async with email_app() as app:
        await app.wait_for(lambda: len(email_events(app.ctx.db)) >= 60, what="all 60")
        for poller in [p for _, p in app.channel.pollers.values()]:
            poller.synced.clear()
            await app.wait_for(lambda p=poller: p.health.last_sync is not None, what="a sync")
        events = email_events(app.ctx.db)
        assert len(events) == 60
        assert len({e.external_id for e in events}) == 60


async def test_dovecot_restart_during_idle_reconnects_and_fetches_what_arrived_meanwhile(
    email_app: Any,
) -> None:
    async with email_app() as app:
        app.deliver([simple("before@customers.test", "Before", "before restart")[1]])
        await app.wait_for(lambda: len(email_events(app.ctx.db)) == 1, what="the first mail")
        health = next(iter(app.channel.health.values()))
        await app.wait_for(lambda: health.idle, what="IDLE")
        reconnects = health.reconnects
        app.dovecot.stop()
        await app.wait_for(lambda: health.reconnects > reconnects and not health.connected, what="the drop")
        assert health.last_error
        status = await app.channel.health_check()
        assert status["ok"] is False and status["mailboxes"][0]["connected"] is False
        app.dovecot.start()
        app.deliver([simple("during@customers.test", "During", "sent while reconnecting")[1]])
        await app.wait_for(
            lambda: len(email_events(app.ctx.db)) == 2, timeout=60, what="the mail sent meanwhile"
        )
        await app.wait_for(lambda: health.connected, what="reconnected")
        app.deliver([simple("after@customers.test", "After", "after restart, via IDLE")[1]])
        await app.wait_for(lambda: len(email_events(app.ctx.db)) == 3, what="the mail after the restart")
        assert (await app.channel.health_check())["ok"] is True


async def test_a_new_uidvalidity_resyncs_the_folder_without_duplicates(email_app: Any) -> None:
    mails = [simple(f"v{i}@customers.test", f"Validity {i}", f"message {i}")[1] for i in range(20)]
    async with email_app() as app:
        app.deliver(mails[:15])
        await app.wait_for(lambda: len(email_events(app.ctx.db)) == 15, what="15 mails")
        old_validity = app.dovecot.uidvalidity(app.folder)
    # Rebuild the folder: same 15 mails plus 5 new ones, under a new UIDVALIDITY.
    client = app.dovecot.client()
    client.delete(app.folder)
    client.create(app.folder)
    client.logout()
    app.deliver(mails)
    assert app.dovecot.uidvalidity(app.folder) != old_validity
    async with email_app() as app:
        await app.wait_for(lambda: len(email_events(app.ctx.db)) >= 20, what="the 5 new mails")
        box_id = next(iter(app.channel.health))
        await app.wait_for(
            lambda: sync_position(app.ctx.db, box_id, app.folder)[1] == 20, what="the resync to finish"
        )
        events = email_events(app.ctx.db)
        assert len(events) == 20
        assert sync_position(app.ctx.db, box_id, app.folder)[0] == app.dovecot.uidvalidity(app.folder)
