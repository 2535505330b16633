"""The real-world mail shapes of issue 15, built with the stdlib ``email`` package.

Each builder returns the bytes a provider would deliver. Where a shape cannot be
written by ``email`` as a sane mailer would (a GBK-only character under a ``gb2312``
label, a multipart that lost its boundary), the message is built with ``email`` and
then given exactly that defect.
"""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText


def utf8_raw_sender(name: str, address: str, subject: str) -> bytes:
    """A display name in raw 8-bit UTF-8, not RFC 2047-encoded (SMTPUTF8 style)."""
    msg = EmailMessage(policy=policy.SMTPUTF8)
    msg["From"] = f"{name} <{address}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<raw8-{address}>"
    msg.set_content("Hallo, wo bleibt meine Bestellung?")
    return msg.as_bytes()


def gb2312_labelled(name: str, address: str, subject: str) -> bytes:
    """Name and Subject encoded as GBK bytes under a ``gb2312`` label, as Chinese mailers do."""

    def word(text: str) -> str:
        return "=?gb2312?B?" + base64.b64encode(text.encode("gbk")).decode("ascii") + "?="

    msg = Message()
    msg["From"] = f"{word(name)} <{address}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = word(subject)
    msg["Message-ID"] = f"<gbk-{address}>"
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = "text/plain; charset=gb2312"
    msg["Content-Transfer-Encoding"] = "base64"
    msg.set_payload(base64.encodebytes("请问订单什么时候发货？".encode("gbk")).decode("ascii"))
    return msg.as_bytes()


def with_attachment(address: str, size: int, filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = "support@example.test"
    msg["Subject"] = f"Scan {filename}"
    msg["Message-ID"] = f"<att-{size}-{address}>"
    msg.set_content("The scan is attached.")
    msg.add_attachment(
        bytes(range(256)) * (size // 256) + b"x" * (size % 256), "application", "pdf", filename=filename
    )
    return msg.as_bytes()


def delivery_report(original_message_id: str, recipient: str, sender: str = "<>") -> bytes:
    """An RFC 3464 bounce; ``From: <>`` as some MTAs write it."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = sender
    report["To"] = "support@example.test"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = f"<bounce-{original_message_id}>"
    report.attach(MIMEText("Your message could not be delivered.", "plain", "us-ascii"))
    status = Message()
    status.set_type("message/delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.customers.test"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 no such user"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    report.attach(
        MIMEText(
            f"Message-ID: <{original_message_id}>\r\nTo: {recipient}\r\nSubject: Re: Hello\r\n",
            "rfc822-headers",
        )
    )
    return report.as_bytes()


def plain(
    sender: str, subject: str, text: str, *, message_id: str | None = None, date: str | None = None
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = f"<{message_id}>"
    if date:
        msg["Date"] = date
    msg.set_content(text)
    return msg.as_bytes()


def forwarded_whole(sender: str) -> bytes:
    """A mail that is nothing but another mail (``message/rfc822`` as the whole body)."""
    inner = EmailMessage()
    inner["From"] = "Bob Builder <bob@partner.test>"
    inner["To"] = sender
    inner["Date"] = "Mon, 01 Dec 2025 10:00:00 +0000"
    inner["Subject"] = "Invoice 4471 is wrong"
    inner.set_content("The invoice charges 12 units; we ordered 10.")
    outer = EmailMessage()
    outer["From"] = sender
    outer["To"] = "support@example.test"
    outer["Subject"] = "Fwd: Invoice 4471 is wrong"
    outer["Message-ID"] = f"<fwd-{sender}>"
    outer.set_content(inner)
    return outer.as_bytes()


def boundary_lost(sender: str) -> bytes:
    """A multipart/mixed whose Content-Type lost its boundary parameter."""
    msg = MIMEMultipart("mixed", boundary="LOSTBOUNDARY")
    msg["From"] = sender
    msg["To"] = "support@example.test"
    msg["Subject"] = "Broken structure"
    msg["Message-ID"] = f"<broken-{sender}>"
    msg.attach(MIMEText("The parcel arrived damaged, photos follow.", "plain", "utf-8"))
    raw = msg.as_bytes()
    return raw.replace(b'; boundary="LOSTBOUNDARY"', b"", 1)


def comment_name(address: str, name: str) -> bytes:
    msg = Message()
    msg["From"] = f"{address} ({name})"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Old-style sender"
    msg["Message-ID"] = f"<comment-{address}>"
    msg.set_payload("Sent from a very old mailer.")
    return msg.as_bytes()
