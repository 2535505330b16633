"""Reading one uploaded file from a multipart request, bounded before it is buffered.

The widget's upload (a visitor, authorised by a visitor token) and the desk's (an agent,
authorised by session and CSRF token) check different callers but read the body the
same way: refuse an oversized declared length up front, let Starlette stop at one file
part of at most ``max_bytes`` + 1, and hand back the name and the bytes. The store then
decides, by content, whether the file is acceptable.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from contact_center.errors import HTTPError

# Room for the multipart boundaries and headers around the file itself.
ENVELOPE_BYTES = 64 * 1024


async def read_single_upload(request: Request, max_bytes: int) -> tuple[str, bytes]:
    """(file name, up to ``max_bytes`` + 1 bytes) of the form's ``file`` field.

    Raises HTTPError 413 for a declared body that is too large and HTTPException 400 when
    the form has no file part; one byte over ``max_bytes`` is returned so the store can
    name the limit.
    """
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise HTTPException(400, "Content-Length must be a number") from None
    if declared > max_bytes + ENVELOPE_BYTES:
        raise HTTPError(413, "attachments are limited to %(max)s bytes", params={"max": max_bytes})
    form = await request.form(max_files=1, max_fields=2, max_part_size=max_bytes + 1)
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile):
        raise HTTPException(400, 'send the file as multipart field "file"')
    return upload_file.filename or "file", await upload_file.read(max_bytes + 1)
