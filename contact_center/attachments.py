"""Visitor attachments: images and PDFs, checked by content rather than by name.

Files are stored under the data dir and served through signed links, with headers
that stop a browser from running anything inside them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from sqlmodel import select

from repository.core.models import Attachment
from repository.errors import Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from pathlib import Path

    from contact_center.visitor_tokens import VisitorTokens
    from repository import Database

# Magic numbers of the types we accept; the client's Content-Type is not trusted.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def sniff(head: bytes) -> str | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_filename(name: str) -> str:
    cleaned = _SAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return cleaned[:120] or "file"


class AttachmentStore:
    def __init__(self, db: Database, root: Path, tokens: VisitorTokens, max_bytes: int) -> None:
        self.db = db
        self.root = root
        self.tokens = tokens
        self.max_bytes = max_bytes

    async def save(self, owner: str, filename: str, data: bytes) -> dict[str, Any]:
        if len(data) > self.max_bytes:
            raise InvalidInput(
                "attachments are limited to %(max)s bytes", params={"max": self.max_bytes}, code="too_large"
            )
        if not data:
            raise InvalidInput("the file is empty", code="empty_file")
        content_type = sniff(data[:16])
        if content_type is None:
            raise InvalidInput(
                "only images (PNG, JPEG, GIF, WebP) and PDF files can be sent", code="unsupported_type"
            )
        return await to_thread.run_sync(self._save_sync, owner, safe_filename(filename), content_type, data)

    def _save_sync(self, owner: str, filename: str, content_type: str, data: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        folder = self.root / digest[:2]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{digest}-{secrets.token_hex(4)}"
        path.write_bytes(data)
        row = Attachment(
            owner_key=owner,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            storage_path=str(path),
        )
        with self.db.write() as session:
            session.add(row)
            session.flush()
        return self.describe_row(row)

    def describe_row(self, row: Attachment) -> dict[str, Any]:
        token = self.tokens.attachment_token(row.id)  # type: ignore[arg-type]
        return {
            "token": token,
            "filename": row.filename,
            "content_type": row.content_type,
            "size": row.size,
            "url": f"/channels/webchat/attachments/{token}",
        }

    async def describe(self, token: Any, *, owner: str) -> dict[str, Any]:
        """The attachment behind ``token``, if it was uploaded by ``owner``."""
        if not isinstance(token, str):
            raise InvalidInput("attachments are given by token", code="invalid_field", field="attachments")
        row = await self.load(token)
        if row.owner_key != owner:
            raise Forbidden("that attachment belongs to someone else")
        return self.describe_row(row)

    async def load(self, token: str) -> Attachment:
        attachment_id = self.tokens.attachment_id(token)

        def fetch() -> Attachment | None:
            with self.db.read() as session:
                return session.exec(select(Attachment).where(Attachment.id == attachment_id)).first()

        row = await to_thread.run_sync(fetch)
        if row is None:
            raise NotFound("no such attachment")
        return row
