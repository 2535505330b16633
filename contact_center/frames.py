"""Websocket frames: parse with limits, dispatch by type, answer bad input with an error frame.

A bad frame never closes the socket and never reaches another session: the client
gets ``{"type": "error", "code": ..., "message": ...}`` and the loop goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from contact_center import metrics
from contact_center.errors import localized
from repository import json_codec
from repository.errors import ContactCenterError

log = logging.getLogger(__name__)
Frame = dict[str, Any]
Handler = Callable[[Frame], Awaitable[None]]
# Ids are PostgreSQL ``integer`` columns; SQLite overflows at 2**63. The API uses the same bound.
MAX_INT = 2**31 - 1
# No frame of the protocol nests deeper than a few levels; the bound keeps walks cheap.
MAX_DEPTH = 16


class FrameError(ContactCenterError):
    code = "bad_frame"


async def receive_frame(ws: WebSocket, max_bytes: int) -> Frame:
    """The next frame as a dict. Raises FrameError for bad input, WebSocketDisconnect on close."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    raw = message.get("text")
    if raw is None:
        raw_bytes = message.get("bytes") or b""
        if len(raw_bytes) > max_bytes:
            raise FrameError(
                "frame larger than %(max)s bytes", params={"max": max_bytes}, code="frame_too_large"
            )
        try:
            raw = raw_bytes.decode()
        except UnicodeDecodeError as exc:
            raise FrameError("frames are UTF-8 JSON text") from exc
    if len(raw.encode()) > max_bytes:
        raise FrameError("frame larger than %(max)s bytes", params={"max": max_bytes}, code="frame_too_large")
    try:
        frame = json.loads(raw)
    except RecursionError as exc:
        # json gives up on deep nesting (a few KB of "[[[[") with RecursionError, not ValueError.
        raise FrameError(
            "frame is nested deeper than %(max)s levels", params={"max": MAX_DEPTH}, code="too_deep"
        ) from exc
    except ValueError as exc:
        raise FrameError("frame is not valid JSON", code="malformed_json") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError('a frame is a JSON object with a string "type"', code="malformed_frame")
    check_storable(frame)
    return frame


def check_storable(frame: Frame) -> None:
    """Refuse text the store cannot keep, anywhere in the frame, before any handler sees it.

    A NUL is refused by PostgreSQL and a lone surrogate (``"\\ud800"`` is valid JSON) cannot
    be encoded as UTF-8, so either would fail a save deep inside a handler; checking every
    string here covers message bodies, client ids, names, notes and close reasons alike.
    Iterative, so the walk itself cannot recurse too deep.
    """
    stack: list[tuple[str, Any, int]] = [(_printable(k), v, 1) for k, v in frame.items()]
    stack.extend(("(key)", k, 1) for k in frame)
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FrameError(
                "frame is nested deeper than %(max)s levels", params={"max": MAX_DEPTH}, code="too_deep"
            )
        if isinstance(value, dict):
            stack.extend((f"{path}.{_printable(k)}"[:80], v, depth + 1) for k, v in value.items())
            stack.extend((path, k, depth + 1) for k in value)
        elif isinstance(value, list):
            stack.extend((path, v, depth + 1) for v in value)
        elif isinstance(value, str):
            _check_text(value, path)


def _printable(key: str) -> str:
    """A field name safe to echo back in an error (the key itself may be the bad text)."""
    return key.encode("utf-8", "replace").decode().replace("\x00", "?")[:40]


def _check_text(value: str, path: str) -> None:
    if "\x00" in value:
        raise FrameError(
            "'%(field)s' must not contain NUL characters",
            params={"field": path},
            code="invalid_text",
            field=path,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FrameError(
            "'%(field)s' is not valid Unicode text (lone surrogate)",
            params={"field": path},
            code="invalid_text",
            field=path,
        ) from exc


async def send_frame(ws: WebSocket, frame: Frame) -> bool:
    """Send if the socket is still open; False if it is gone."""
    return await send_encoded(ws, json_codec.dumps(frame))


async def send_encoded(ws: WebSocket, text: str) -> bool:
    """``send_frame`` for a frame already encoded, e.g. once for many sockets."""
    if ws.application_state != WebSocketState.CONNECTED or ws.client_state != WebSocketState.CONNECTED:
        return False
    try:
        await ws.send_text(text)
        return True
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False


async def send_error(ws: WebSocket, kind: str, error: ContactCenterError, ref: Any = None) -> None:
    metrics.BAD_FRAMES.labels(kind=kind, code=error.code).inc()
    frame: Frame = {"type": "error", "code": error.code, "message": localized(error), **error.details}
    if ref is not None:
        frame["ref"] = ref
    await send_frame(ws, frame)


def field(frame: Frame, name: str, kind: type, *, required: bool = True, max_len: int | None = None) -> Any:
    """A typed field of a frame, or a FrameError naming it."""
    value = frame.get(name)
    if value is None:
        if required:
            raise FrameError(
                "%(type)s needs '%(field)s'",
                params={"type": frame["type"], "field": name},
                code="missing_field",
                field=name,
            )
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise FrameError(
            "'%(field)s' must be a whole number", params={"field": name}, code="invalid_field", field=name
        )
    if kind is int and not -MAX_INT <= value <= MAX_INT:
        raise FrameError(
            "'%(field)s' is out of range", params={"field": name}, code="invalid_field", field=name
        )
    if kind is not int and not isinstance(value, kind):
        raise FrameError(
            "'%(field)s' must be a %(kind)s",
            params={"field": name, "kind": kind.__name__},
            code="invalid_field",
            field=name,
        )
    if max_len is not None and isinstance(value, str | list) and len(value) > max_len:
        raise FrameError(
            "'%(field)s' is longer than %(max)s",
            params={"field": name, "max": max_len},
            code="invalid_field",
            field=name,
        )
    return value


async def dispatch(ws: WebSocket, kind: str, handlers: Mapping[str, Handler], frame: Frame) -> None:
    """Run the handler for the frame's type; errors become error frames."""
    handler = handlers.get(frame["type"])
    ref = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
    iid = frame.get("interaction_id")
    if ref is None and isinstance(iid, int) and 0 < iid <= MAX_INT:
        ref = frame["interaction_id"]  # lets the desktop tie a failed accept/close to its conversation
    if handler is None:
        await send_error(
            ws,
            kind,
            FrameError(
                "unknown frame type '%(type)s'", params={"type": frame["type"][:40]}, code="unknown_type"
            ),
            ref,
        )
        return
    try:
        await handler(frame)
    except ContactCenterError as exc:
        await send_error(ws, kind, exc, ref)
    except (WebSocketDisconnect, OSError):
        raise
    except Exception:
        log.exception("%s websocket: handler for %r failed", kind, frame["type"])
        await send_error(ws, kind, ContactCenterError("internal error; the frame was not processed"), ref)
