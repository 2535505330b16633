"""Storing the files that came with a mail, for agents to download.

Files go under the data dir's attachment folder, content-addressed, with a row in
the core ``attachments`` table. Downloads need a signed-in agent session and are
served so that nothing in them can run in the agent's browser.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from repository.core.models import Attachment

if TYPE_CHECKING:
    from channels.email.mime import MailPart
    from repository import Database

URL_PREFIX = "/channels/email/attachments/"
_SAFE_NAME = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)
_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def safe_filename(name: str) -> str:
    cleaned = _SAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return cleaned[:200] or "file"


def sniff_image(head: bytes) -> str | None:
    for magic, content_type in _IMAGES:
        if head.startswith(magic):
            return content_type
    return None


def describe(row: Attachment, part: MailPart | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "url": f"{URL_PREFIX}{row.id}",
    }
    if part is not None and part.content_id:
        out["content_id"] = part.content_id
        out["inline"] = part.inline
    return out


def save(db: Database, root: Path, owner: str, part: MailPart, max_bytes: int) -> dict[str, Any]:
    """Store one attachment (once per owner and content) and describe it for the payload."""
    filename = safe_filename(part.filename)
    if len(part.data) > max_bytes:
        return {
            "filename": filename,
            "content_type": part.content_type,
            "size": len(part.data),
            "too_large": True,
            "limit": max_bytes,  # the desktop says "not kept: 28 MB over the 25 MB limit"
        }
    digest = hashlib.sha256(part.data).hexdigest()
    with db.read() as session:
        existing = session.exec(
            select(Attachment).where(
                Attachment.owner_key == owner, Attachment.sha256 == digest, Attachment.filename == filename
            )
        ).first()
    if existing is not None:
        return describe(existing, part)
    folder = root / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        path.write_bytes(part.data)
    row = Attachment(
        owner_key=owner[:120],
        filename=filename,
        content_type=part.content_type[:100],
        size=len(part.data),
        sha256=digest,
        storage_path=str(path),
    )
    with db.write() as session:
        session.add(row)
        session.flush()
    return describe(row, part)


def load(db: Database, attachment_id: int) -> Attachment | None:
    with db.read() as session:
        row = session.get(Attachment, attachment_id)
    return row if row is not None and row.owner_key.startswith("email:") else None
