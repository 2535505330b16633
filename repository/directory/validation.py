"""Checks shared by the directory's records: channel capacities, skill names, unique inserts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from repository.core.models import CHANNELS
from repository.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from repository.db import Database

M = TypeVar("M", bound=SQLModel)


def check_capacity(capacity: dict[str, Any]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for channel, value in capacity.items():
        if channel not in CHANNELS:
            raise InvalidInput(
                "unknown channel %(channel)r in capacity", params={"channel": channel}, field="capacity"
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 50:
            raise InvalidInput("capacity is a whole number from 0 to 50", field="capacity")
        checked[channel] = value
    return checked


def check_skills(skills: list[Any]) -> list[str]:
    if not all(isinstance(s, str) and 0 < len(s.strip()) <= 60 for s in skills):
        raise InvalidInput("skills are short names", field="skills")
    return sorted({s.strip().lower() for s in skills})


def check_skill_levels(levels: dict[Any, Any]) -> dict[str, int]:
    """{"billing": 4}: skill names as check_skills makes them, levels 1 to 5."""
    out: dict[str, int] = {}
    for name, level in levels.items():
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise InvalidInput("a skill level is a whole number from 1 to 5", field="skill_levels")
        out[check_skills([name])[0]] = level
    return out


def insert_unique(db: Database, row: M, taken: Conflict) -> M:
    """Insert ``row``; ``taken`` is raised when a unique name is already in use."""
    try:
        with db.write() as session:
            session.add(row)
        return row
    except IntegrityError as exc:
        raise taken from exc
