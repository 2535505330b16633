"""Phone configuration: each number's IVR menu, business hours and time zone; agent phones.

Validation lives here, so the admin pages and the REST API refuse the same bad
input with the same reasons.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from repository.core.identity import normalise
from repository.core.models import Agent, Queue
from repository.directory.business_hours import Calendar, check_hours, check_time_zone
from repository.directory.business_hours import is_open as calendar_open
from repository.errors import Conflict, InvalidInput, NotFound
from repository.telephony.models import AgentEndpoint, PhoneNumber

if TYPE_CHECKING:
    from repository.db import Database

NUMBER_FIELDS = (
    "label",
    "greeting",
    "menu",
    "default_queue_id",
    "business_hours",
    "time_zone",
    "after_hours_message",
    "help_reply",
    "language",
)
# A locale id as the catalogues name them (en, zh_Hans, zh_Hant); the API and the admin
# form check that a catalogue for it is installed.
_LOCALE_ID = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]{2,8}){0,2}")


def e164(value: str, field: str = "number") -> str:
    try:
        return normalise("phone", value)
    except InvalidInput as exc:
        raise InvalidInput(
            "%(field)s: %(error)s", params={"field": field, "error": exc}, field=field
        ) from exc


def check_menu(menu: Any, queue_ids: set[int]) -> list[dict[str, Any]]:
    """[{"digit": "1", "label": "Sales", "keywords": ["sales"], "queue_id": 3}, ...]."""
    if not isinstance(menu, list) or len(menu) > 9:
        raise InvalidInput("the menu is a list of up to 9 options", field="menu")
    clean, digits = [], set()
    for option in menu:
        if not isinstance(option, dict):
            raise InvalidInput("each menu option is an object", field="menu")
        digit, label, queue_id = option.get("digit"), option.get("label", ""), option.get("queue_id")
        keywords = option.get("keywords", [])
        if not isinstance(digit, str) or not re.fullmatch(r"[0-9]", digit):
            raise InvalidInput("each option has its own digit 0–9", field="menu")
        if digit in digits:
            # Two well-formed options collide on one key: a conflict, as a duplicate record is.
            raise Conflict("each option has its own digit 0–9", field="menu")
        if not isinstance(label, str) or not label.strip() or len(label) > 80:
            raise InvalidInput("each option needs a label of up to 80 characters", field="menu")
        if not isinstance(queue_id, int) or isinstance(queue_id, bool) or queue_id not in queue_ids:
            raise NotFound("option %(digit)s: no such queue", params={"digit": digit}, field="menu")
        if not isinstance(keywords, list) or not all(isinstance(k, str) and len(k) <= 40 for k in keywords):
            raise InvalidInput(
                "option %(digit)s: keywords are short words", params={"digit": digit}, field="menu"
            )
        digits.add(digit)
        clean.append(
            {
                "digit": digit,
                "label": label.strip(),
                "queue_id": queue_id,
                "keywords": [k.lower() for k in keywords[:10]],
            }
        )
    return clean


def is_open(calendar: Calendar | None, now: datetime) -> bool:
    """Whether ``now`` falls in the calendar's hours: a number's (``phone_calendar``) or a
    queue's, by the same rules (repository.directory.business_hours, docs/business-hours.md)."""
    return calendar_open(calendar, now)[0]


def choose(number: PhoneNumber | None, digits: str = "", speech: str = "") -> dict[str, Any] | None:
    """The menu option a caller picked by digit or by saying one of its words."""
    if number is None:
        return None
    for option in number.menu:
        if digits and digits.strip()[:1] == option["digit"]:
            return option
    words = set(re.findall(r"\w+", speech.lower()))
    for option in number.menu:
        if words & set(option.get("keywords", [])) or option["label"].lower() in words:
            return option
    return None


def get_number(db: Database, number: str) -> PhoneNumber | None:
    with db.read() as session:
        return session.exec(select(PhoneNumber).where(PhoneNumber.number == number)).first()


def list_numbers(db: Database) -> list[PhoneNumber]:
    with db.read() as session:
        return list(session.exec(select(PhoneNumber).order_by(PhoneNumber.number)).all())


def save_number(db: Database, number_id: int | None, data: dict[str, Any]) -> PhoneNumber:
    """Create (``number_id`` None) or update a number's configuration from validated input."""
    with db.write() as session:
        queue_ids = {q for q in session.exec(select(Queue.id)).all() if q is not None}
        row = session.get(PhoneNumber, number_id) if number_id is not None else PhoneNumber(number="")
        if row is None:
            raise NotFound("no such number", number_id=number_id)
        if "number" in data or number_id is None:
            row.number = e164(str(data.get("number", "")))
        for name in ("label", "greeting", "after_hours_message", "help_reply"):
            if name in data:
                value = data[name]
                if not isinstance(value, str) or len(value) > (320 if name == "help_reply" else 1000):
                    raise InvalidInput(
                        "%(name)s is text of bounded length", params={"name": name}, field=name
                    )
                setattr(row, name, value.strip())
        if "menu" in data:
            row.menu = check_menu(data["menu"], queue_ids)
        if "business_hours" in data:
            row.business_hours = check_hours(data["business_hours"])
        if "time_zone" in data:
            row.time_zone = check_time_zone(data["time_zone"])
        if "language" in data:
            if not isinstance(data["language"], str) or not _LOCALE_ID.fullmatch(data["language"]):
                raise InvalidInput(
                    "language must be a locale id such as en, zh_Hans or zh_Hant", field="language"
                )
            row.language = data["language"]
        if "default_queue_id" in data:
            queue_id = data["default_queue_id"]
            if queue_id is not None and not isinstance(queue_id, int):
                raise InvalidInput("default_queue_id must be a whole number", field="default_queue_id")
            if queue_id is not None and queue_id not in queue_ids:
                raise NotFound("no such queue", field="default_queue_id")
            row.default_queue_id = queue_id
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("that number is already configured", field="number") from exc
        return row


def delete_number(db: Database, number_id: int) -> None:
    with db.write() as session:
        row = session.get(PhoneNumber, number_id)
        if row is None:
            raise NotFound("no such number", number_id=number_id)
        session.delete(row)


def list_endpoints(db: Database) -> list[AgentEndpoint]:
    with db.read() as session:
        return list(session.exec(select(AgentEndpoint).order_by(col(AgentEndpoint.agent_id))).all())


def endpoint_for(db: Database, agent_id: int) -> AgentEndpoint | None:
    with db.read() as session:
        return session.exec(select(AgentEndpoint).where(AgentEndpoint.agent_id == agent_id)).first()


def agent_for_extension(db: Database, extension: str) -> int | None:
    with db.read() as session:
        row = session.exec(select(AgentEndpoint).where(AgentEndpoint.extension == extension)).first()
        return row.agent_id if row else None


def save_endpoint(db: Database, agent_id: int, data: dict[str, Any]) -> AgentEndpoint:
    """Set where an agent's calls ring; blank fields clear that road."""
    identity = str(data.get("client_identity") or "").strip() or None
    phone = str(data.get("phone_number") or "").strip() or None
    extension = str(data.get("extension") or "").strip() or None
    if identity is not None and not re.fullmatch(r"[A-Za-z0-9_.@-]{1,120}", identity):
        raise InvalidInput("a client identity is letters, digits and _ . @ -", field="client_identity")
    if phone is not None:
        phone = e164(phone, "phone_number")
    if extension is not None and not re.fullmatch(r"[A-Za-z0-9*#_-]{1,40}", extension):
        raise InvalidInput("an extension is up to 40 letters, digits, * or #", field="extension")
    with db.write() as session:
        if session.get(Agent, agent_id) is None:
            raise NotFound("no such agent", agent_id=agent_id)
        row = session.exec(select(AgentEndpoint).where(AgentEndpoint.agent_id == agent_id)).first()
        row = row or AgentEndpoint(agent_id=agent_id)
        row.client_identity, row.phone_number, row.extension = identity, phone, extension
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("another agent already has that extension", field="extension") from exc
        return row


def resolve_agent(db: Database, extension: str | None, username: str | None) -> int | None:
    """The agent an extension (or a PBX user name equal to a username) belongs to."""
    with db.read() as session:
        if extension:
            row = session.exec(select(AgentEndpoint).where(AgentEndpoint.extension == extension)).first()
            if row is not None:
                return row.agent_id
        if username:
            agent = session.exec(select(Agent).where(Agent.username == username.strip().lower())).first()
            if agent is not None and agent.is_active:
                return agent.id
    return None


def queue_id_by_name(db: Database, name: str | None) -> int | None:
    if not name:
        return None
    with db.read() as session:
        queue = session.exec(select(Queue).where(Queue.name == name)).first()
        return queue.id if queue else None
