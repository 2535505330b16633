"""Walking a message's MIME tree: body text, HTML, attachments and delivery reports.

The walk never descends into attached mail for the body (``message/*`` parts are kept
whole as attachments), but a forwarded ``message/rfc822`` also gets a readable summary
(its headers and text, :class:`Forwarded`) so the desktop can show it without a
download. A multipart whose boundary is missing cannot be split; its raw text becomes
the body rather than a pseudo-attachment. Hostile nesting stops at :data:`MAX_DEPTH`
and :data:`MAX_PARTS`.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from email.utils import collapse_rfc2231_value

from channels.email.header_words import decoded_header
from channels.email.headers import PARSE_POLICY, decode_bytes, header_text, message_ids
from channels.email.parsed import Dsn, Forwarded, MailParseError, MailPart

MAX_DEPTH = 40
MAX_PARTS = 500
MAX_FORWARDED = 5
_FORWARDED_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")


class Walker:
    """Collects body text, HTML and attachments without descending into attached mail."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[MailPart] = []
        self.parts = 0
        self.reports: list[Message] = []
        self.charsets: list[str] = []
        self.forwarded: list[Forwarded] = []
        self.in_report = 0

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
            payload = part.get_payload()
            children = [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
            if ctype == "multipart/alternative" and isinstance(payload, list):
                self._alternative(children, depth)
                return
            self.in_report += ctype == "multipart/report"
            for child in children:
                self.walk(child, depth + 1)
            self.in_report -= ctype == "multipart/report"
            return
        if ctype.startswith("multipart/"):
            # Declared multipart but not splittable (no boundary parameter): split it at
            # the first "--token" line if there is one, else show the raw text rather
            # than hide it in a "multipart.mixed" pseudo-attachment.
            repaired = _with_found_boundary(part, ctype)
            if repaired is not None:
                self.walk(repaired, depth + 1)
            else:
                self.texts.append(_raw_text(part))
            return
        if ctype == "message/rfc822" and not self.in_report:
            self._forwarded(part, depth)
        self._leaf(part, ctype)

    def _forwarded(self, part: Message, depth: int) -> None:
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(inner, Message) or len(self.forwarded) >= MAX_FORWARDED:
            return
        walker = Walker()
        walker.parts = self.parts  # the inner parts count against the same limits
        walker.walk(inner, depth + 1)
        self.parts = walker.parts
        text = "\n".join(t for t in walker.texts if t).strip("\n")
        headers = {name.lower(): decoded_header(inner, name)[:998] for name in _FORWARDED_HEADERS}
        self.forwarded.append(Forwarded({k: v for k, v in headers.items() if v}, text))
        self.forwarded.extend(walker.forwarded[: MAX_FORWARDED - len(self.forwarded)])

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
        content_id = (
            (header_text(part, "Content-ID").strip("<> ") or None) if part.get("Content-ID") else None
        )
        self.attachments.append(
            MailPart(
                filename=filename or _default_name(ctype),
                content_type=ctype,
                data=data,
                inline=disposition == "inline" or (disposition is None and content_id is not None),
                content_id=content_id,
            )
        )


def _with_found_boundary(part: Message, ctype: str) -> Message | None:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    found = re.search(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(?:--)?\r?$", payload, re.MULTILINE)
    if found is None:
        return None
    head = f'Content-Type: {ctype}; boundary="{found.group(1).decode("ascii")}"\r\n\r\n'.encode()
    repaired = message_from_bytes(head + payload, policy=PARSE_POLICY)
    children = repaired.get_payload()
    return repaired if repaired.is_multipart() and isinstance(children, list) and children else None


def _raw_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else _raw_payload(part)
    return decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n").strip("\n")


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


def read_dsn(reports: list[Message]) -> Dsn | None:
    """The first delivery-status report among the walked ``multipart/report`` parts."""
    for report in reports:
        # An RFC 2231-encoded parameter comes back as a tuple; collapse it to its text.
        if collapse_rfc2231_value(report.get_param("report-type", "")).lower() != "delivery-status":
            continue
        failed, status, diagnostic, originals = False, "", "", []
        for part in report.walk():
            ctype = part.get_content_type()
            if ctype == "message/delivery-status":
                blocks = part.get_payload()
                for block in blocks if isinstance(blocks, list) else []:
                    if not isinstance(block, Message):
                        continue
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
