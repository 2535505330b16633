"""Tricky and hostile mail for the ingestion tests, each with what the CCR must end up holding.

Every message is built byte by byte in the charset it declares, so the parser is
tested on the wire format real mailers produce, not on what ``email`` would write.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass
class Expected:
    raw: bytes
    kind: str
    outcome: str = "ingested"  # or "quarantined" / "duplicate"
    message_id: str | None = None
    subject: str = ""
    text: str | None = None
    text_startswith: str | None = None
    quoted_contains: str | None = None
    html_contains: list[str] = field(default_factory=list)
    html_absent: list[str] = field(default_factory=list)
    attachments: dict[str, str] = field(default_factory=dict)  # filename -> sha256


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw(headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("ascii")
    return head + b"\r\n" + body


def _charset_mail(i: int, charset: str, text: str, subject: str, cte: str = "8bit") -> Expected:
    mid = f"cs{i}@corpus.test"
    body = text.encode(charset)
    if cte == "base64":
        payload = base64.encodebytes(body)
    else:
        payload = body.replace(b"\n", b"\r\n") + b"\r\n"
    raw = _raw(
        [
            ("From", f"Customer {i} <c{i % 7}@customers.test>"),
            ("To", "support@example.test"),
            ("Subject", Header(subject, charset).encode()),
            ("Message-ID", f"<{mid}>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'text/plain; charset="{charset}"'),
            ("Content-Transfer-Encoding", cte),
        ],
        payload,
    )
    return Expected(raw, f"charset:{charset}", message_id=mid, subject=subject, text=text)


CHARSET_SAMPLES = [
    ("gb2312", "您好，我的订单还没有到。请帮忙查询。", "订单查询"),
    ("gbk", "您好，镕基先生的包裹丢了，喆喆很着急。", "包裹丢失 镕"),
    ("gb18030", "请查收附件。罕见字：𠀀𪚥。谢谢！", "罕见字 𪚥"),
    ("big5", "您好，我的訂單還沒有到。請幫忙查詢，謝謝。", "訂單查詢"),
    ("iso-2022-jp", "お世話になっております。注文の件でご連絡しました。", "ご注文について"),
    ("iso-8859-1", "Bonjour, ma commande n'est pas arrivée. Merci à vous, François.", "Commande reçue?"),
    ("iso-8859-2", "Dzień dobry, zamówienie nie dotarło. Łukasz Żółć", "Zamówienie źle"),
    ("iso-8859-5", "Здравствуйте, мой заказ не пришёл.", "Заказ"),
    ("iso-8859-7", "Καλημέρα, η παραγγελία μου δεν έφτασε.", "Παραγγελία"),
    ("iso-8859-15", "Prix: 20 € - œuvre complète.", "Facture €"),
    ("utf-8", "Hello 👋 — naïve café, 日本語, עברית, العربية.", "Unicode ✓"),
]


def charset_mails(start: int) -> list[Expected]:
    out = []
    for n, (charset, text, subject) in enumerate(CHARSET_SAMPLES):
        cte = "base64" if n % 2 else "8bit"
        if charset == "iso-2022-jp":
            cte = "7bit"
        out.append(_charset_mail(start + n, charset, text, subject, cte))
    return out


def html_only(i: int) -> Expected:
    mid = f"html{i}@corpus.test"
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        '<p onclick="steal()">Hello <b>team</b>,</p><p>Please call me.</p>'
        '<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(1)">click</a>'
        "</body></html>"
    )
    msg = EmailMessage()
    msg["From"] = f"Html Person <html{i % 3}@customers.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = f"HTML only {i}"
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(html, subtype="html")
    return Expected(
        msg.as_bytes(),
        "html-only",
        message_id=mid,
        subject=f"HTML only {i}",
        text="Hello team,\n\nPlease call me.\nclick",
        html_contains=["<b>team</b>"],
        html_absent=["<script", "onclick", "javascript:", "tracker.example", "<style"],
    )


def nested(i: int, depth: int) -> Expected:
    mid = f"nest{i}@corpus.test"
    data = b"%PDF-1.4 nested " + str(i).encode()
    inner: MIMEMultipart | MIMEText = MIMEText(f"Deep text {i} at depth {depth}.", "plain", "utf-8")
    for level in range(depth):
        outer = MIMEMultipart("mixed")
        outer.attach(inner)
        if level == 0:
            part = MIMEApplication(data, "pdf")
            part.add_header("Content-Disposition", "attachment", filename=f"deep-{i}.pdf")
            outer.attach(part)
        inner = outer
    inner["From"] = f"nest{i % 5}@customers.test"
    inner["To"] = "support@example.test"
    inner["Subject"] = f"Nested {depth}"
    inner["Message-ID"] = f"<{mid}>"
    if depth > 40:
        return Expected(inner.as_bytes(), "too-deep", outcome="quarantined", message_id=mid)
    return Expected(
        inner.as_bytes(),
        f"nested-{depth}",
        message_id=mid,
        subject=f"Nested {depth}",
        text=f"Deep text {i} at depth {depth}.",
        attachments={f"deep-{i}.pdf": sha(data)},
    )


def with_attachments(i: int) -> Expected:
    mid = f"att{i}@corpus.test"
    report = f"季度报告 {i}".encode() * 50
    msg = EmailMessage()
    msg["From"] = f"=?utf-8?b?{base64.b64encode('王小明'.encode()).decode()}?= <wang{i % 4}@customers.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "=?gb2312?b?" + base64.b64encode("附件".encode("gb2312")).decode() + "?="
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(f"See the attached report {i}.")
    msg.add_alternative(f'<p>See the attached report {i}.</p><img src="cid:logo{i}@x">', subtype="html")
    msg.get_payload()[1].add_related(PNG, "image", "png", cid=f"<logo{i}@x>", filename="logo.png")
    msg.add_attachment(report, maintype="application", subtype="octet-stream", filename=f"季度报告-{i}.txt")
    raw = msg.as_bytes()
    # The stdlib writes RFC 2231 (filename*=utf-8''…) for non-ASCII names: what we want to read.
    assert b"filename*=" in raw
    return Expected(
        raw,
        "attachments-2231",
        message_id=mid,
        subject="附件",
        text=f"See the attached report {i}.",
        attachments={f"季度报告-{i}.txt": sha(report), "logo.png": sha(PNG)},
    )


def huge(i: int) -> Expected:
    mid = f"huge{i}@corpus.test"
    text = "\n".join(f"Line {n}: the quick brown fox jumps over the lazy dog." for n in range(1500))
    msg = EmailMessage()
    msg["From"] = "bigsender@customers.test"
    msg["To"] = "support@example.test"
    msg["Subject"] = f"Huge {i}"
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(text)
    return Expected(
        msg.as_bytes(),
        "huge",
        message_id=mid,
        subject=f"Huge {i}",
        text_startswith=text[:5000],
        attachments={"message.txt": sha(text.encode())},
    )


def empty(i: int) -> Expected:
    mid = f"empty{i}@corpus.test"
    raw = _raw(
        [
            ("From", "empty@customers.test"),
            ("To", "support@example.test"),
            ("Subject", ""),
            ("Message-ID", f"<{mid}>"),
        ],
        b"",
    )
    return Expected(raw, "empty", message_id=mid, subject="", text="")


def no_message_id(i: int) -> Expected:
    raw = _raw(
        [("From", f"nomid{i % 3}@customers.test"), ("To", "support@example.test"), ("Subject", f"No id {i}")],
        f"Message without an id, number {i}.\r\n".encode(),
    )
    return Expected(raw, "no-message-id", subject=f"No id {i}", text=f"Message without an id, number {i}.")


def duplicate_id_other_content(i: int) -> list[Expected]:
    mid = f"dupid{i}@corpus.test"
    out = []
    for variant in ("first", "second"):
        raw = _raw(
            [
                ("From", "dup@customers.test"),
                ("To", "support@example.test"),
                ("Subject", f"Same id, {variant}"),
                ("Message-ID", f"<{mid}>"),
            ],
            f"This is the {variant} message sharing one id.\r\n".encode(),
        )
        out.append(
            Expected(
                raw,
                "duplicate-id",
                message_id=mid,
                subject=f"Same id, {variant}",
                text=f"This is the {variant} message sharing one id.",
            )
        )
    return out


def malformed(i: int) -> Expected:
    raw = (
        b"From: <<<@@@>>> (((\r\n"
        b"To: support@example.test\r\n"
        b"Subject: =?utf-8?q?broken=ZZ?= \xff\xfe\r\n"
        b"Message-ID: <malformed" + str(i).encode() + b"@corpus.test>\r\n"
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\nnot really mime\r\n"
    )
    return Expected(raw, "malformed-header", outcome="quarantined", message_id=f"malformed{i}@corpus.test")


def quoted_reply(i: int) -> Expected:
    mid = f"quoted{i}@corpus.test"
    text = f"Thanks, that fixed it ({i}).\n\nOn Mon, 3 Mar 2025 at 10:00, Support <support@example.test> wrote:\n> Please restart the router.\n> Regards"
    msg = EmailMessage()
    msg["From"] = f"quoter{i % 2}@customers.test"
    msg["To"] = "support@example.test"
    msg["Subject"] = f"Router {i}"
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(text)
    return Expected(
        msg.as_bytes(),
        "quoted",
        message_id=mid,
        subject=f"Router {i}",
        text=f"Thanks, that fixed it ({i}).",
        quoted_contains="> Please restart the router.",
    )


def corpus(total: int = 200) -> list[Expected]:
    """``total`` messages cycling through every kind; exact re-deliveries included."""
    out: list[Expected] = []
    i = 0
    while len(out) < total:
        batch: list[Expected] = [
            *charset_mails(i),
            html_only(i),
            nested(i, 12),
            with_attachments(i),
            huge(i),
            empty(i),
            no_message_id(i),
            *duplicate_id_other_content(i),
            malformed(i),
            quoted_reply(i),
        ]
        if i == 0:
            batch.append(nested(i + 1000, 60))
        # The same bytes delivered twice (e.g. To and Cc): stored once.
        batch.append(
            Expected(batch[0].raw, batch[0].kind, outcome="duplicate", message_id=batch[0].message_id)
        )
        out.extend(batch)
        i += 100
    return out[:total]


def simple(sender: str, subject: str, text: str, **headers: str) -> tuple[str, bytes]:
    mid = make_msgid(domain="customers.test").strip("<>")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{mid}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return mid, msg.as_bytes()
