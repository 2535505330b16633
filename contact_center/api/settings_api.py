"""Desk settings other systems may manage: wrap-up codes, canned replies, skills."""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from repository.core.browse import page_rows
from repository.core.models import CannedReply, Skill, WrapUpCode
from repository.directory import create_canned_reply, create_wrapup_code, delete_row
from repository.directory.configuration import set_wrapup_code_active

_SLUG = "letters, digits, - and _"
# ASCII in the API: the document's pattern language has no "any letter" class Python reads alike.
# At least one letter or digit: "-" alone is not a code (repository/directory/work.py).
_SLUG_PATTERN = "^[A-Za-z0-9_-]*[A-Za-z0-9][A-Za-z0-9_-]*$"
WRAPUP_CODE = Obj(
    name="WrapUpCode",
    fields={
        "id": Int(minimum=1),
        "code": Str(
            min_length=1, max_length=60, pattern=_SLUG_PATTERN, pattern_reason="a wrap-up code is " + _SLUG
        ),
        "label": Str(max_length=120),
        "is_active": Bool(),
    },
    required=("id", "code", "label", "is_active"),
)
WRAPUP_CREATE = Obj(
    name="WrapUpCodeCreate",
    fields={"code": WRAPUP_CODE.fields["code"], "label": Str(max_length=120)},
    required=("code",),
)
CANNED_REPLY = Obj(
    name="CannedReply",
    fields={
        "id": Int(minimum=1),
        "shortcut": Str(
            min_length=1,
            max_length=40,
            pattern="^/?" + _SLUG_PATTERN[1:],
            pattern_reason="a shortcut is " + _SLUG,
            description="typed as /shortcut",
        ),
        "title": Str(max_length=120),
        "body": Str(min_length=1, max_length=5000),
    },
    required=("id", "shortcut", "title", "body"),
)
CANNED_CREATE = Obj(
    name="CannedReplyCreate",
    fields={k: v for k, v in CANNED_REPLY.fields.items() if k != "id"},
    required=("shortcut", "body"),
)
SKILL = Obj(
    name="Skill",
    fields={"id": Int(minimum=1), "name": Str(max_length=60), "description": Str(max_length=200)},
    required=("id", "name", "description"),
)


def wrapup_dict(row: WrapUpCode) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "label": row.label, "is_active": row.is_active}


def canned_dict(row: CannedReply) -> dict[str, Any]:
    return {"id": row.id, "shortcut": row.shortcut, "title": row.title, "body": row.body}


def skill_dict(row: Skill) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description}


async def list_wrapup_codes_(call: Call) -> Any:
    active = None if call.query.get("include_inactive") else True
    page = await call.db(page_rows, WrapUpCode, is_active=active, **call.page)
    return envelope(page, wrapup_dict)


async def create_wrapup_code_(call: Call) -> Any:
    row = await call.db(create_wrapup_code, call.body["code"], call.body.get("label", ""))
    return wrapup_dict(row)


async def delete_wrapup_code_(call: Call) -> None:
    await call.db(set_wrapup_code_active, call.ids["code_id"], False)


async def list_canned_replies_(call: Call) -> Any:
    return envelope(await call.db(page_rows, CannedReply, **call.page), canned_dict)


async def create_canned_reply_(call: Call) -> Any:
    body = call.body
    return canned_dict(
        await call.db(create_canned_reply, body["shortcut"], body.get("title", ""), body["body"])
    )


async def delete_canned_reply_(call: Call) -> None:
    await call.db(delete_row, CannedReply, call.ids["reply_id"])


async def list_skills_(call: Call) -> Any:
    return envelope(await call.db(page_rows, Skill, **call.page), skill_dict)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/wrapup-codes",
        list_wrapup_codes_,
        "List wrap-up (disposition) codes",
        "settings",
        response=page_of(WRAPUP_CODE),
        query=(Param("include_inactive", Bool(description="also list retired codes")),),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/wrapup-codes",
        create_wrapup_code_,
        "Create a wrap-up code",
        "settings",
        response=WRAPUP_CODE,
        status=201,
        body=WRAPUP_CREATE,
        conflicts=True,
    ),
    Endpoint(
        "DELETE",
        "/wrapup-codes/{code_id}",
        delete_wrapup_code_,
        "Retire a wrap-up code; closed interactions keep naming it",
        "settings",
    ),
    Endpoint(
        "GET",
        "/canned-replies",
        list_canned_replies_,
        "List canned replies",
        "settings",
        response=page_of(CANNED_REPLY),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/canned-replies",
        create_canned_reply_,
        "Create a canned reply",
        "settings",
        response=CANNED_REPLY,
        status=201,
        body=CANNED_CREATE,
        conflicts=True,
    ),
    Endpoint(
        "DELETE",
        "/canned-replies/{reply_id}",
        delete_canned_reply_,
        "Delete a canned reply",
        "settings",
    ),
    Endpoint(
        "GET",
        "/skills",
        list_skills_,
        "List the skills agents and queues use",
        "settings",
        response=page_of(SKILL),
        paged=True,
    ),
]
