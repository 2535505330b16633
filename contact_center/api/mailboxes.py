"""Email mailboxes: IMAP/SMTP settings, target queue and health. Passwords are write-only.

A password given in a create or update is sealed before it is stored
(repository/email/secrets.py); no response ever carries one, only whether it is set.
An empty or missing password on update keeps the stored one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.formats import LANGUAGE
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import FreeObject
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from contact_center.i18n import supported_locales
from repository.core.browse import page_rows
from repository.email.leases import health_by_mailbox
from repository.email.mailboxes import create_mailbox, get_mailbox, mailbox_dict, update_mailbox
from repository.email.models import SECURITY, Mailbox
from repository.email.secrets import MAX_PASSWORD_CHARS, PasswordSealer
from repository.errors import InvalidInput

_PASSWORD = Str(max_length=MAX_PASSWORD_CHARS, description="write-only; empty keeps the stored one")
_SETTINGS = {
    "display_name": Str(max_length=120, description='replies say "<agent> via <display_name>"'),
    "imap_host": Str(min_length=1, max_length=255),
    "imap_port": Int(minimum=1, maximum=65535),
    "imap_security": Str(choices=SECURITY),
    "imap_user": Str(min_length=1, max_length=320),
    "imap_folder": Str(min_length=1, max_length=200),
    "smtp_host": Str(max_length=255),
    "smtp_port": Int(minimum=1, maximum=65535),
    "smtp_security": Str(choices=SECURITY),
    "smtp_user": Str(max_length=320),
    "queue_id": Int(minimum=1, nullable=True, description="null: the default queue"),
    "acknowledge": Bool(description="acknowledge new threads from people with their reference"),
    "language": replace(
        LANGUAGE,
        description="locale id of the acknowledgement (en, zh_Hans, zh_Hant) when the customer's mail "
        "does not name one (Content-Language, or a GB/Big5 charset); default en",
    ),
    "is_active": Bool(description="polled and used for replies"),
}
_ADDRESS = Str(min_length=3, max_length=320, fmt="email")
HEALTH = FreeObject(
    description="connected, idle, last_sync, last_error, reconnects, ingested, quarantined, polled_by "
    "(the node holding the poll lease); null before the first poll",
    max_bytes=4096,
    nullable=True,
)
MAILBOX = Obj(
    name="Mailbox",
    fields={
        "id": Int(minimum=1),
        "address": _ADDRESS,
        "source": Str(choices=("env", "admin"), description="env: from EMAIL_* variables, reset at start-up"),
        **_SETTINGS,
        "imap_password_set": Bool(),
        "smtp_password_set": Bool(),
        "health": HEALTH,
    },
    required=("id", "address", "imap_host", "imap_user", "imap_password_set", "smtp_password_set"),
)
_WRITABLE = {
    "address": _ADDRESS,
    **_SETTINGS,
    # Replies leave by SMTP: a mailbox needs a host to answer from (repository/email/mailboxes.py).
    "smtp_host": Str(min_length=1, max_length=255),
    "imap_password": _PASSWORD,
    "smtp_password": _PASSWORD,
}
MAILBOX_CREATE = Obj(
    name="MailboxCreate", fields=_WRITABLE, required=("address", "imap_host", "imap_user", "smtp_host")
)
MAILBOX_PATCH = Obj(name="MailboxPatch", fields=_WRITABLE)


def _sealer(call: Call) -> PasswordSealer:
    return PasswordSealer(str(call.ctx.settings.secret_key))


def _with_health(row: Mailbox, health: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {**mailbox_dict(row), "health": health.get(row.id)}  # type: ignore[arg-type]


async def list_mailboxes_(call: Call) -> Any:
    page = await call.db(page_rows, Mailbox, **call.page)
    health = await call.db(health_by_mailbox)
    return envelope(page, lambda row: _with_health(row, health))


async def get_mailbox_(call: Call) -> Any:
    row = await call.db(get_mailbox, call.ids["mailbox_id"])
    return _with_health(row, await call.db(health_by_mailbox))


def _check_language(body: dict[str, Any]) -> None:
    if "language" in body and body["language"] not in supported_locales():
        raise InvalidInput(
            "language must be one of %(choices)s",
            params={"choices": ", ".join(supported_locales())},
            field="language",
        )


async def create_mailbox_(call: Call) -> Any:
    body = dict(call.body)
    _check_language(body)
    row = await call.db(create_mailbox, body.pop("address"), sealer=_sealer(call), **body)
    return _with_health(row, {})


async def update_mailbox_(call: Call) -> Any:
    _check_language(call.body)
    row = await call.db(update_mailbox, call.ids["mailbox_id"], sealer=_sealer(call), **call.body)
    return _with_health(row, await call.db(health_by_mailbox))


TAG = "email"
ENDPOINTS = [
    Endpoint(
        "GET",
        "/mailboxes",
        list_mailboxes_,
        "List email mailboxes with their health (never their passwords)",
        TAG,
        response=page_of(MAILBOX),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/mailboxes",
        create_mailbox_,
        "Add a mailbox; every node starts polling it within seconds (one node holds it)",
        TAG,
        response=MAILBOX,
        status=201,
        body=MAILBOX_CREATE,
        conflicts=True,
    ),
    Endpoint(
        "GET", "/mailboxes/{mailbox_id}", get_mailbox_, "A mailbox and its health", TAG, response=MAILBOX
    ),
    Endpoint(
        "PATCH",
        "/mailboxes/{mailbox_id}",
        update_mailbox_,
        "Change a mailbox's settings; an empty password keeps the stored one",
        TAG,
        response=MAILBOX,
        body=MAILBOX_PATCH,
        conflicts=True,
    ),
]
