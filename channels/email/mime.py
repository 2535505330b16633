"""Turning raw RFC 5322 bytes into what the CCR stores, with the standard library.

``email`` with ``policy.default`` decodes RFC 2047 headers and RFC 2231 filenames.
Body text is decoded here rather than by ``get_content()`` so that mislabelled
charsets still come out readable: GB2312 mail is nearly always GBK/GB18030 in
practice, Big5 is often Big5-HKSCS, and ISO-2022-JP mail carries extensions.
Anything that raises while parsing becomes :class:`MailParseError`, and the caller
quarantines the raw bytes instead of stopping.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from channels.email.htmltext import html_to_text, sanitize_html
from channels.email.quoting import split_quoted

MAX_DEPTH = 40
MAX_PARTS = 500
_MSGID = re.compile(r"<([^<>\s]{1,250})>")
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_2",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "unicode-1-1-utf-7": "utf-7",
}


class MailParseError(Exception):
    """The message cannot be turned into a contact; it goes to quarantine."""


@dataclass
class MailPart:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class Dsn:
    """What a delivery status notification says about an earlier outbound mail."""

    original_message_ids: list[str]
    failed: bool
    status: str
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_addr: str
    from_name: str
    reply_to: str | None
    to: list[str]
    cc: list[str]
    text: str
    quoted: str
    html: str | None
    attachments: list[MailPart] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    dsn: Dsn | None = None
    content_hash: str = ""
    # Charsets the sender used (text parts, Subject encoded-words): GB2312 or Big5 tells
    # which Chinese the customer writes (channels/email/language.py).
    charsets: list[str] = field(default_factory=list)


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in a header value, in order, without angle brackets."""
    return _MSGID.findall(value or "")


def decode_bytes(data: bytes, charset: str | None) -> str:
    name = (charset or "utf-8").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    if name == "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # Undeclared 8-bit text: Windows-1252 is what such mail almost always is.
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(name, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header the modern policy cannot even represent
        value = None
    if value is None:
        return ""
    return " ".join(str(value).split())


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = msg.get(name)
        found = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
    except Exception:
        found = []
    if not found:
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        found = [(n, a) for n, a in getaddresses([str(v) for v in raw]) if a]
    return [(n, a.strip().lower()) for n, a in found if _valid_address(a.strip())]


def _valid_address(addr: str) -> bool:
    local, at, domain = addr.partition("@")
    return bool(
        at and local and domain and "." in domain.strip(".") and not re.search(r"[\s<>()\[\],;\"]", addr)
    )


def _format(name: str, addr: str) -> str:
    return str(Address(display_name=name, addr_spec=addr)) if name else addr


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")


class _Walker:
    """Collects body text, HTML and attachments without descending into attached mail."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[MailPart] = []
        self.parts = 0
        self.reports: list[Message] = []
        self.charsets: list[str] = []

    def walk(self, part: Message, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise MailParseError(f"MIME parts are nested more than {MAX_DEPTH} deep")
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise MailParseError(f"more than {MAX_PARTS} MIME parts")
        ctype = part.get_content_type()
        if ctype == "multipart/report":
            self.reports.append(part)
        if part.is_multipart() and not ctype.startswith("message/"):
            children = part.get_payload()
            if ctype == "multipart/alternative" and isinstance(children, list):
                self._alternative(children, depth)
                return
            for child in children if isinstance(children, list) else []:
                self.walk(child, depth + 1)
            return
        self._leaf(part, ctype)

    def _alternative(self, children: list[Message], depth: int) -> None:
        before_text, before_html = len(self.texts), len(self.htmls)
        for child in children:
            self.walk(child, depth + 1)
        # Keep one version of each kind: the first plain and the last (richest) HTML.
        del self.texts[before_text + 1 :]
        if len(self.htmls) > before_html + 1:
            self.htmls[before_html:] = [self.htmls[-1]]

    def _leaf(self, part: Message, ctype: str) -> None:
        disposition = part.get_content_disposition()
        try:
            filename = part.get_filename()
        except Exception:
            filename = None
        if disposition != "attachment" and not filename and ctype in ("text/plain", "text/html"):
            charset = part.get_content_charset()
            if charset and len(self.charsets) < 10:
                self.charsets.append(charset[:40])
            (self.texts if ctype == "text/plain" else self.htmls).append(_part_text(part))
            return
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            data = part.as_bytes() if ctype == "message/rfc822" else _raw_payload(part)
            self.attachments.append(MailPart(filename or _default_name(ctype), ctype, data))
            return
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        content_id = (_header(part, "Content-ID").strip("<> ") or None) if part.get("Content-ID") else None
        self.attachments.append(
            MailPart(
                filename=filename or _default_name(ctype),
                content_type=ctype,
                data=data,
                inline=disposition == "inline" or (disposition is None and content_id is not None),
                content_id=content_id,
            )
        )


def _raw_payload(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        return b"".join(p.as_bytes() for p in payload if isinstance(p, Message))
    return str(payload).encode("utf-8", errors="replace")


def _default_name(ctype: str) -> str:
    main, _, sub = ctype.partition("/")
    return {"message/rfc822": "message.eml", "message/delivery-status": "delivery-status.txt"}.get(
        ctype, f"{main}.{sub or 'bin'}"[:60]
    )


_ENCODED_WORD = re.compile(rb"=\?([A-Za-z0-9_.:-]{1,40})(?:\*[A-Za-z-]+)?\?[BbQq]\?")


def parse(raw: bytes) -> ParsedMail:
    try:
        msg = message_from_bytes(raw, policy=policy.default)
        return _parse(msg, raw)
    except MailParseError:
        raise
    except (RecursionError, Exception) as exc:
        raise MailParseError(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _parse(msg: EmailMessage | Message, raw: bytes) -> ParsedMail:
    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    if not senders:
        raise MailParseError("no usable sender address in From")
    from_name, from_addr = senders[0]
    walker = _Walker()
    walker.walk(msg)
    text = "\n".join(t for t in walker.texts if t).strip("\n")
    html_source = "\n".join(walker.htmls)
    html: str | None = None
    quoted = ""
    if text:
        text, quoted = split_quoted(text)
    elif html_source.strip():
        html = sanitize_html(html_source)
        text, quoted = split_quoted(html_to_text(html_source))
    reply_to = _addresses(msg, "Reply-To")
    mid = message_ids(_header(msg, "Message-ID"))
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    subject = _header(msg, "Subject")
    digest = hashlib.sha256(from_addr.encode() + b"\0" + subject.encode() + b"\0" + body).hexdigest()
    headers = {
        name.lower(): _header(msg, name)[:300]
        for name in (
            "Auto-Submitted",
            "Precedence",
            "X-Autoreply",
            "X-Autorespond",
            "List-Id",
            "Return-Path",
            "Content-Language",
        )
        if msg.get(name) is not None
    }
    return ParsedMail(
        message_id=mid[0] if mid else None,
        in_reply_to=message_ids(_header(msg, "In-Reply-To")),
        references=message_ids(_header(msg, "References")),
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else None,
        to=[_format(n, a) for n, a in _addresses(msg, "To")],
        cc=[_format(n, a) for n, a in _addresses(msg, "Cc")],
        text=text,
        quoted=quoted,
        html=html,
        attachments=walker.attachments,
        headers=headers,
        dsn=_dsn(walker.reports),
        content_hash=digest,
        charsets=[*walker.charsets, *(c.decode("ascii").lower() for c in _ENCODED_WORD.findall(head)[:10])],
    )


def _dsn(reports: list[Message]) -> Dsn | None:
    for report in reports:
        if report.get_param("report-type", "").lower() != "delivery-status":
            continue
        failed, status, diagnostic, originals = False, "", "", []
        for part in report.walk():
            ctype = part.get_content_type()
            if ctype == "message/delivery-status":
                for block in part.get_payload() if isinstance(part.get_payload(), list) else []:
                    action = str(block.get("Action", "")).strip().lower()
                    if action == "failed":
                        failed = True
                        status = str(block.get("Status", "")).strip() or status
                        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split()) or diagnostic
            elif ctype in ("message/rfc822", "text/rfc822-headers"):
                text = _raw_payload(part).decode("utf-8", errors="replace")
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
                if found:
                    originals.extend(message_ids(found.group(1)))
        return Dsn(originals, failed, status, diagnostic[:300])
    return None


def sender_address(raw_from: str) -> str:
    return parseaddr(raw_from)[1].lower()
