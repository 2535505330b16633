"""Unit specs: hostile HTML stays inert, quoting, URLs, reply headers, guards."""

from __future__ import annotations

import pytest

from channels.email.compose import build, reply_subject
from channels.email.guards import SenderRateGuard, automated_reason
from channels.email.htmltext import sanitize_html
from channels.email.mime import MailParseError, parse
from channels.email.payload import payload as payload_for
from channels.email.quoting import split_quoted
from channels.email.urls import MailboxUrlError, imap_settings, smtp_settings
from repository.email.models import Mailbox

HOSTILE = (
    b'From: "<img src=x onerror=alert(1)>" <evil@customers.test>\r\n'
    b"To: support@example.test\r\n"
    b"Subject: <script>alert('subject')</script>\r\n"
    b"Message-ID: <evil@customers.test>\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:alert(3)'>x</a>"
    b"<iframe src='https://evil.test'></iframe><svg onload=alert(4)></svg><form action=/x><input></form>"
    b"<a href='https://ok.test/'>ok</a><div style='background:url(https://track.test/p)'>s</div>\r\n"
)


def test_hostile_html_in_body_is_sanitised_and_subject_and_sender_stay_plain_text() -> None:
    mail = parse(HOSTILE)
    assert mail.html is not None
    for needle in (
        "<script",
        "onerror",
        "javascript:",
        "<iframe",
        "<svg",
        "onload",
        "<form",
        "<input",
        "style=",
        "track.test",
    ):
        assert needle not in mail.html, needle
    assert '<a href="https://ok.test/" rel="noopener noreferrer nofollow">ok</a>' in mail.html
    payload = payload_for(
        Mailbox(id=1, address="s@x.test", imap_host="h", imap_user="u", smtp_host="h"), mail, []
    )
    # Subject and From are data, not markup: kept verbatim for the desktop to set as textContent.
    assert payload["subject"] == "<script>alert('subject')</script>"
    assert payload["from"].startswith("<img src=x onerror=alert(1)>")
    assert "<script" not in mail.text


def test_sanitiser_keeps_inline_cid_images_and_drops_remote_ones() -> None:
    html = sanitize_html(
        '<img src="cid:logo@x"><img src="https://t.test/p.gif"><img src="data:image/png;base64,AA">'
    )
    assert 'src="cid:logo@x"' in html
    assert "t.test" not in html and "data:" not in html


@pytest.mark.parametrize(
    ("text", "fresh", "quoted_start"),
    [
        ("Yes please.\n\nOn Mon, 1 Jan 2025, Ana <a@x.test> wrote:\n> old", "Yes please.", "On Mon"),
        ("Danke!\n\nAm 01.01.2025 um 10:00 schrieb Ana:\n> alt", "Danke!", "Am 01"),
        ("好的。\n\n在 2025年1月1日，Ana 写道：\n> 旧", "好的。", "在 2025"),
        ("OK\n\n-----Original Message-----\nFrom: Ana\nSent: Monday", "OK", "-----Original"),
        ("OK\n\nFrom: Ana <a@x.test>\nSent: Monday\nTo: me\nSubject: hi\n\nold", "OK", "From: Ana"),
        ("> quoted first\nthen my answer", "> quoted first\nthen my answer", None),
        ("no quote at all", "no quote at all", None),
    ],
)
def test_the_quoted_part_is_split_off_and_kept(text: str, fresh: str, quoted_start: str | None) -> None:
    got_fresh, quoted = split_quoted(text)
    assert got_fresh == fresh
    if quoted_start is None:
        assert quoted == ""
    else:
        assert quoted.startswith(quoted_start)


def test_mail_without_a_usable_sender_cannot_be_parsed() -> None:
    with pytest.raises(MailParseError):
        parse(b"From: nobody\r\nSubject: x\r\n\r\nbody\r\n")


def test_mailbox_urls_are_read_and_percent_decoded() -> None:
    imap = imap_settings("imaps://support%40example.com:p%40ss@imap.gmail.com/Support%20Inbox")
    assert imap == {
        "imap_host": "imap.gmail.com",
        "imap_port": 993,
        "imap_security": "tls",
        "imap_user": "support@example.com",
        "imap_password": "p@ss",
        "imap_folder": "Support Inbox",
    }
    smtp = smtp_settings("smtp://u:p@smtp.office365.com:587?starttls=1")
    assert (smtp["smtp_port"], smtp["smtp_security"]) == (587, "starttls")
    assert smtp_settings("smtps://h")["smtp_port"] == 465
    with pytest.raises(MailboxUrlError) as err:
        imap_settings("http://user:hunter2@h")
    assert "hunter2" not in str(err.value)


def test_reply_subject_adds_one_token_and_one_re() -> None:
    assert reply_subject("Order late", 7) == "Re: Order late [#7]"
    assert reply_subject("RE: AW: Re: Order late [#7]", 7) == "Re: Order late [#7]"
    assert reply_subject("回复：订单", 3) == "Re: 订单 [#3]"


def test_reply_headers_reference_the_whole_chain() -> None:
    msg = build(
        mailbox_address="support@example.test",
        sender_name="Ana via Support",
        to="jane@customers.test",
        subject="Re: x [#1]",
        text="hi",
        in_reply_to="b@c",
        references=["a@c"],
    )
    assert msg["In-Reply-To"] == "<b@c>" and msg["References"] == "<a@c> <b@c>"
    assert msg["Auto-Submitted"] is None


@pytest.mark.parametrize(
    "headers",
    [
        b"Auto-Submitted: auto-replied\r\n",
        b"Precedence: bulk\r\n",
        b"Precedence: list\r\n",
        b"List-Id: <news.customers.test>\r\n",
        b"X-Autoreply: yes\r\n",
        b"Return-Path: <>\r\n",
    ],
)
def test_automated_mail_is_recognised(headers: bytes) -> None:
    mail = parse(b"From: a@customers.test\r\nSubject: x\r\n" + headers + b"\r\nbody\r\n")
    assert automated_reason(mail) is not None


def test_a_person_and_auto_submitted_no_are_not_automated() -> None:
    assert automated_reason(parse(b"From: a@customers.test\r\nAuto-Submitted: no\r\n\r\nhi\r\n")) is None
    assert automated_reason(parse(b"From: MAILER-DAEMON@x.test\r\n\r\nhi\r\n")) is not None


def test_rate_guard_counts_per_sender_and_mailbox() -> None:
    guard = SenderRateGuard(per_hour=2)
    assert [guard.allow(1, "a@x.test") for _ in range(3)] == [True, True, False]
    assert guard.allow(1, "b@x.test") and guard.allow(2, "a@x.test")
