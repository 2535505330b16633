"""The acknowledgement of a new thread speaks the customer's language (real Dovecot + aiosmtpd).

The customer's mail decides when it says (Content-Language, or a GB/Big5 charset), else
the mailbox's ``language``. Subject, text and HTML all follow.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from sqlmodel import select

from channels.email.language import customer_language
from repository.core.models import Event
from repository.email.mailboxes import list_mailboxes, update_mailbox
from tests.email.corpus import CHARSET_SAMPLES, _charset_mail, simple

pytestmark = pytest.mark.server

HANT_ACK = "感謝您的來信。我們已收到，將盡快回覆。"
HANS_ACK = "感谢您的来信。我们已收到，会尽快回复。"
ENGLISH_ACK = "Thank you for your message. We have received it and will answer as soon as we can."


def _sample(charset: str) -> tuple[str, str]:
    _cs, text, subject = next(s for s in CHARSET_SAMPLES if s[0] == charset)
    return text, subject


def _ack_to(received: list[tuple[str, list[str], EmailMessage]], address: str) -> EmailMessage | None:
    for _sender, rcpts, msg in received:
        if address in rcpts and msg["Auto-Submitted"] == "auto-replied":
            return msg
    return None


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _stored_acks(db: Any) -> list[str]:
    with db.read() as session:
        rows = session.exec(select(Event).where(Event.author_type == "system", Event.kind == "message"))
        return [e.body for e in rows.all()]


async def test_a_big5_mail_gets_a_traditional_acknowledgement_and_the_mailbox_language_is_the_fallback(
    email_app: Any,
) -> None:
    async with email_app() as app:
        db = app.ctx.db
        box = list_mailboxes(db)[0]
        assert box.language == "en"  # the default
        update_mailbox(db, box.id, acknowledge=True, language="zh_Hans")
        await app.channel.reconcile()

        text, subject = _sample("big5")
        big5 = _charset_mail(1, "big5", text, subject, "base64").raw  # From: c1@customers.test
        english = simple("en@customers.test", "Order late", "Where is it?")[1]
        english = english.replace(b"Subject:", b"Content-Language: en-GB\r\nSubject:", 1)
        plain = simple("plain@customers.test", "Hello", "No language given")[1]
        app.deliver([big5, english, plain])
        await app.wait_for(lambda: len(app.smtp.received) >= 3, what="three acknowledgements")

        hant = _ack_to(app.smtp.received, "c1@customers.test")
        assert hant is not None
        assert hant["Content-Language"] == "zh-Hant"
        assert hant["Subject"].startswith("回覆：") and "[#" in hant["Subject"] and subject in hant["Subject"]
        body, html = _parts(hant)
        assert HANT_ACK in body and "您的參考編號為 [#" in body
        assert '<html lang="zh-Hant">' in html and HANT_ACK in html

        # Content-Language wins over the mailbox's language.
        en = _ack_to(app.smtp.received, "en@customers.test")
        assert en is not None and en["Content-Language"] == "en"
        assert en["Subject"].startswith("Re: Order late [#")
        assert ENGLISH_ACK in _parts(en)[0]

        # A mail that says nothing gets the mailbox's language.
        hans = _ack_to(app.smtp.received, "plain@customers.test")
        assert hans is not None and hans["Content-Language"] == "zh-Hans"
        assert hans["Subject"].startswith("回复：Hello [#")
        assert HANS_ACK in _parts(hans)[0]

        # The agent sees, in the customer's timeline, what the customer was sent.
        stored = _stored_acks(db)
        assert any(HANT_ACK in s for s in stored) and any(HANS_ACK in s for s in stored)


def test_language_hints_in_order_of_trust() -> None:
    assert customer_language("zh-TW", ["utf-8"], "en") == "zh_Hant"
    assert customer_language("zh-CN", ["big5"], "en") == "zh_Hans"  # the header beats the charset
    assert customer_language("", ["GB2312"], "en") == "zh_Hans"
    assert customer_language("", ["eucgb2312_cn"], "en") == "zh_Hans"  # Python's alias in encoded-words
    assert customer_language("", ["cp936"], "en") == "zh_Hans"
    assert customer_language("", ['"Big5-HKSCS"'], "en") == "zh_Hant"
    assert customer_language("fr", ["utf-8"], "zh_Hant") == "zh_Hant"  # no French catalogue: the mailbox's
    assert customer_language("", ["utf-8"], "zh_Hans") == "zh_Hans"
    assert customer_language("", [], "xx_YY") == "en"  # a mailbox language since uninstalled
    assert customer_language("\x00;;,," * 100, ["\x00" * 500], "en") == "en"  # junk never raises


async def test_the_mailbox_language_is_set_and_checked_through_the_api(make_settings: Any) -> None:
    import httpx

    from contact_center.app import create_app
    from repository.directory.api_keys import create_api_key

    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        token, _key = create_api_key(app.state.ctx.db, "mailbox-language")
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as api:
            created = await api.post(
                "/api/v1/mailboxes",
                json={
                    "address": "hilfe@example.test",
                    "imap_host": "imap.invalid",
                    "imap_user": "u",
                    "smtp_host": "smtp.invalid",
                    "is_active": False,
                },
            )
            assert created.status_code == 201 and created.json()["language"] == "en", created.text
            url = f"/api/v1/mailboxes/{created.json()['id']}"
            changed = await api.patch(url, json={"language": "zh_Hant"})
            assert changed.status_code == 200 and changed.json()["language"] == "zh_Hant", changed.text
            for bad in ("xx_YY", "../../etc", 5):
                refused = await api.patch(url, json={"language": bad})
                assert refused.status_code == 422 and refused.json()["error"]["field"] == "language", (
                    refused.text
                )
            assert (await api.get(url)).json()["language"] == "zh_Hant"
