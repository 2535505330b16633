"""Building an outbound mail: threading headers, the subject token, text plus HTML,
and the agent's files as attachments (multipart/mixed around the alternative).

``From`` is the mailbox with the agent's name ("Ana via Northwind Support"), the
``Message-ID`` is fresh, ``In-Reply-To``/``References`` continue the customer's
thread, and the subject carries ``[#<interaction id>]`` so that a mail client which
drops the headers still threads by subject token.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from contact_center.i18n import _, bcp47, use_locale
from repository.core.models import utcnow

_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|antw|réf|回复|回覆|答复)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)
MAX_REFERENCES = 20


def reply_subject(subject: str, interaction_id: int, language: str | None = None) -> str:
    """``Re: <subject> [#id]``; with ``language`` the prefix is that language's (回复：/回覆：)."""
    token = f"[#{interaction_id}]"
    base = _REPLY_PREFIX.sub("", subject or "").strip()
    if token not in base:
        base = f"{base} {token}".strip()
    if language is None:
        return f"Re: {base}"
    with use_locale(language):
        # TRANSLATORS: the subject prefix of an answer; inbound threading strips 回复：/回覆： too.
        return _("Re: %(subject)s", subject=base)


def text_to_html(text: str, language: str | None = None) -> str:
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    lang = f' lang="{html.escape(bcp47(language))}"' if language else ""
    return f'<!DOCTYPE html>\n<html{lang}><body style="font-family:sans-serif">\n{body}</body></html>\n'


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
    language: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
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
    msg.add_alternative(text_to_html(text, language), subtype="html")
    for filename, content_type, data in attachments:
        # The first file turns the message into multipart/mixed with the text first;
        # a non-ASCII name is written RFC 2231-encoded by the policy.
        maintype, _slash, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    if language:
        # RFC 3282: the language the text is written in, e.g. zh-Hant (after set_content,
        # which drops Content-* headers).
        msg["Content-Language"] = bcp47(language)
    return msg
