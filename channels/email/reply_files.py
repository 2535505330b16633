"""The files an agent attached to an email reply, read back for the outgoing mail.

The desk uploads them to ``/agent/attachments`` (agent_ui/desk/attachments.py), which
stores them like visitors' chat files; the stored reply names them by token in
``payload["attachments"]``, already checked to be that agent's uploads. Here the tokens
become bytes again so :func:`channels.email.compose.build` can attach them. A file gone
from disk raises :class:`NotFound` ("the file is gone"): the reply is then marked failed,
never sent without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from contact_center.attachments import AttachmentStore
from contact_center.visitor_tokens import VisitorTokens
from repository.errors import NotFound

if TYPE_CHECKING:
    from contact_center.context import AppContext

# (filename, content type, bytes), the shape compose.build attaches.
ReplyFile = tuple[str, str, bytes]


async def load(ctx: AppContext, described: list[dict[str, Any]]) -> list[ReplyFile]:
    if not described:
        return []
    settings = ctx.settings
    store = AttachmentStore(
        ctx.db,
        settings.attachment_dir,
        VisitorTokens(str(settings.secret_key)),
        settings.attachment_max_bytes,
    )
    files: list[ReplyFile] = []
    for item in described:
        row = await store.load(str(item.get("token", "")))
        try:
            data = await to_thread.run_sync(Path(row.storage_path).read_bytes)
        except OSError as exc:
            raise NotFound("the file is gone") from exc
        files.append((row.filename, row.content_type, data))
    return files
