"""Mail carrying NUL bytes (some broken mailers and spam do) is stored, not retried forever.

PostgreSQL text columns refuse U+0000, so without cleaning, one such mail made the
ingest transaction fail, the poller reconnect, and the same mail fail again, holding
up every mail behind it. The channel drops the NULs and goes on; the next mail is
stored as usual.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tests.email.test_real_world_mail import customer, customer_mail, quarantined

pytestmark = pytest.mark.server


def mail_with_nuls(index: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Nu\x00l Sender <nul{index}@customers.test>"
    message["To"] = "support@example.test"
    message["Subject"] = f"Order\x00 {index}"
    message["Message-ID"] = f"<nul-{index}@customers.test>"
    message.set_content(f"line one\x00line two {index}")
    return bytes(message)


def plain_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Plain Sender <plain@customers.test>"
    message["To"] = "support@example.test"
    message["Subject"] = "After the broken one"
    message["Message-ID"] = "<plain-after@customers.test>"
    message.set_content("I am the next mail.")
    return bytes(message)


async def test_nul_bytes_in_body_subject_and_name_are_dropped_and_the_next_mail_still_arrives(
    email_app: Any, database_url: str
) -> None:
    async with email_app(DATABASE_URL=database_url) as app:
        db = app.ctx.db
        app.deliver([mail_with_nuls(1), plain_mail()])
        await app.wait_for(lambda: len(customer_mail(db)) == 2, what="both mails stored")
        broken, after = customer_mail(db)
        assert "\x00" not in broken.body and "line one" in broken.body and "line two 1" in broken.body
        assert "\x00" not in broken.payload["subject"]
        assert "\x00" not in customer(db, broken.customer_id).display_name
        assert after.body.strip() == "I am the next mail."
        assert quarantined(db) == []
