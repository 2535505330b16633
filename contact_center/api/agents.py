"""Agents: who may sign in, with which role, skills and capacity per channel.

A password can be set but is never returned; only its argon2 hash is stored.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import DictOf, ListOf, MapOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from repository.core.browse import page_rows
from repository.core.models import CHANNELS, ROLES, Agent
from repository.core.serialize import agent_dict
from repository.directory import create_agent, ensure_skills, get_agent, update_agent
from repository.directory.configuration import guard_last_admin

SKILLS = ListOf(item=Str(min_length=1, max_length=60), max_items=50, description="skill names")
SKILL_LEVELS = DictOf(
    key=Str(min_length=1, max_length=60),
    value=Int(minimum=1, maximum=5),
    description='level 1-5 per skill, e.g. {"billing": 4}; a skill without one counts as 1 (docs/sla.md)',
)
CAPACITY = MapOf(
    keys=CHANNELS,
    value=Int(minimum=0, maximum=50),
    description="how many contacts of each channel at once; unset channels use the default",
)
_EDITABLE = {
    "display_name": Str(min_length=1, max_length=120),
    "role": Str(choices=ROLES),
    "skills": SKILLS,
    "skill_levels": SKILL_LEVELS,
    "capacity": CAPACITY,
    "password": Str(min_length=8, max_length=200, description="write-only; never returned"),
}
AGENT = Obj(
    name="Agent",
    fields={
        "id": Int(minimum=1),
        "username": Str(max_length=80),
        "display_name": Str(max_length=120),
        "role": Str(choices=ROLES),
        "skills": SKILLS,
        "skill_levels": SKILL_LEVELS,
        "capacity": CAPACITY,
        "presence": Str(choices=("available", "away", "offline")),
        "is_active": Bool(),
    },
    required=("id", "username", "display_name", "role", "skills", "capacity", "presence", "is_active"),
)
AGENT_CREATE = Obj(
    name="AgentCreate",
    fields={"username": Str(min_length=1, max_length=80), **_EDITABLE},
    required=("username", "password"),
)
AGENT_PATCH = Obj(name="AgentPatch", fields={**_EDITABLE, "is_active": Bool()})


async def list_agents_(call: Call) -> Any:
    return envelope(await call.db(page_rows, Agent, **call.page), agent_dict)


async def get_agent_(call: Call) -> Any:
    return agent_dict(await call.db(get_agent, call.ids["agent_id"]))


async def create_agent_(call: Call) -> Any:
    body = call.body
    agent = await call.db(
        create_agent,
        body["username"],
        body.get("display_name", ""),
        body["password"],
        role=body.get("role", "agent"),
        skills=body.get("skills"),
        capacity=body.get("capacity"),
        skill_levels=body.get("skill_levels"),
    )
    await call.db(ensure_skills, agent.skills)
    return agent_dict(agent)


async def update_agent_(call: Call) -> Any:
    agent_id = call.ids["agent_id"]
    await call.db(guard_last_admin, agent_id, call.body)
    agent = await call.db(update_agent, agent_id, **call.body)
    if "skills" in call.body:
        await call.db(ensure_skills, agent.skills)
    return agent_dict(agent)


ENDPOINTS = [
    Endpoint("GET", "/agents", list_agents_, "List agents", "agents", response=page_of(AGENT), paged=True),
    Endpoint(
        "POST",
        "/agents",
        create_agent_,
        "Create an agent",
        "agents",
        response=AGENT,
        status=201,
        body=AGENT_CREATE,
        conflicts=True,
    ),
    Endpoint("GET", "/agents/{agent_id}", get_agent_, "An agent", "agents", response=AGENT),
    Endpoint(
        "PATCH",
        "/agents/{agent_id}",
        update_agent_,
        "Change an agent's role, skills, capacity, password or active flag",
        "agents",
        response=AGENT,
        body=AGENT_PATCH,
        conflicts=True,
    ),
]
