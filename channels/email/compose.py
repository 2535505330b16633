"""Building an outbound mail: threading headers, the subject token, text plus HTML.

``From`` is the mailbox with the agent's name ("Ana via Northwind Support"), the
``Message-ID`` is fresh, ``In-Reply-To``/``References`` continue the customer's
thread, and the subject carries ``[#<interaction id>]`` so that a mail client which
drops the headers still threads by subject token.
"""

from __future__ import annotations

import html
import re
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from repository.models import utcnow

_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|antw|réf|回复|回覆|答复)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)
MAX_REFERENCES = 20


def reply_subject(subject: str, interaction_id: int) -> str:
    token = f"[#{interaction_id}]"
    base = _REPLY_PREFIX.sub("", subject or "").strip()
    if token not in base:
        base = f"{base} {token}".strip()
    return f"Re: {base}"


def text_to_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n{body}</body></html>\n'


def build(
    *,
    mailbox_address: str,
    sender_name: str,
    to: str,
    subject: str,
    text: str,
    in_reply_to: str | None,
    references: list[str],
    automated: bool = False,
) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((sender_name, mailbox_address))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    domain = mailbox_address.rsplit("@", 1)[-1] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    chain = [r for r in references if r != in_reply_to][-(MAX_REFERENCES - 1) :]
    if in_reply_to:
        chain.append(in_reply_to)
    if chain:
        msg["References"] = " ".join(f"<{r}>" for r in chain)
    if automated:
        # RFC 3834: tells the customer's own auto-responder not to answer us back.
        msg["Auto-Submitted"] = "auto-replied"
        msg["Precedence"] = "auto_reply"
    msg.set_content(text)
    msg.add_alternative(text_to_html(text), subtype="html")
    return msg
