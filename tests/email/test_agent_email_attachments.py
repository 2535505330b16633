"""An agent's files on an email reply leave as MIME attachments through a real SMTP
server (aiosmtpd): byte-identical, with their content type and filename; a file gone
from disk fails the reply instead of sending it without."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from agent_ui.desk.attachments import _store, describe, owner_key
from repository.core.models import Attachment
from tests.email.corpus import simple
from tests.email.test_round_trip import accepted_interaction, available_agent, event

pytestmark = pytest.mark.server

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000) + b"\r\n.\r\n\x00end"  # CRLF-dot would break a naive sender
PDF = b"%PDF-1.4\n" + os.urandom(2000) + b"\n%%EOF\n"


async def test_an_email_reply_carries_the_agents_files_byte_identical(email_app: Any) -> None:
    async with email_app() as app:
        db, hub = app.ctx.db, app.ctx.hub
        agent = await available_agent(app)
        app.deliver([simple("Jane Roe <jane@customers.test>", "Invoice please", "Can you send it?")[1]])
        interaction = await accepted_interaction(app, agent)

        store = _store(app.ctx)
        png = await store.save(owner_key(agent.id), "screen shot.png", PNG)
        pdf = await store.save(owner_key(agent.id), "报价单 Q4.pdf", PDF)
        files = await describe(app.ctx, agent.id, [png["token"], pdf["token"]])
        reply = await hub.reply(agent, interaction.id, "Here it is.\n\nAna", attachments=files)

        await app.wait_for(lambda: app.smtp.received, what="the reply at the SMTP server")
        _from, rcpt, sent = app.smtp.received[0]
        assert rcpt == ["jane@customers.test"]
        assert sent.get_content_type() == "multipart/mixed"
        plain = sent.get_body(("plain",))
        assert plain is not None and "Here it is." in plain.get_content()
        got = [
            (part.get_filename(), part.get_content_type(), part.get_content())
            for part in sent.iter_attachments()
        ]
        assert got == [
            ("screen shot.png", "image/png", PNG),
            ("报价单 Q4.pdf", "application/pdf", PDF),
        ]
        await app.wait_for(lambda: event(db, reply.id).delivery_status == "sent", what="delivery state sent")
        # Stored on the event like a chat reply's files, which is what the desk renders.
        stored = event(db, reply.id).payload["attachments"]
        assert [(f["filename"], f["content_type"], f["size"]) for f in stored] == [
            ("screen shot.png", "image/png", len(PNG)),
            ("报价单 Q4.pdf", "application/pdf", len(PDF)),
        ]
        assert all(f["url"].startswith("/channels/webchat/attachments/") for f in stored)

        # Another agent's upload cannot ride along, and a file gone from disk fails the reply.
        other = await store.save(owner_key(agent.id + 1000), "x.png", PNG)
        with pytest.raises(Exception, match="belongs to someone else"):
            await describe(app.ctx, agent.id, [other["token"]])
        gone = await store.save(owner_key(agent.id), "gone.pdf", PDF)
        with db.read() as session:
            path = session.exec(
                select(Attachment.storage_path).where(Attachment.filename == "gone.pdf")
            ).one()
        Path(path).unlink()
        files = await describe(app.ctx, agent.id, [gone["token"]])
        doomed = await hub.reply(agent, interaction.id, "And the other one.", attachments=files)
        await app.wait_for(lambda: event(db, doomed.id).delivery_status == "failed", what="delivery failed")
        assert event(db, doomed.id).payload["delivery_error"] == "the file is gone"
        assert len(app.smtp.received) == 1
