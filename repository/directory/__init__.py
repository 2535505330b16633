"""Who works here and how work is organised: agents, queues, skills, codes, canned replies.

Callers use the package as one API (``from repository import directory``); the records
live in ``agents`` and ``work``, their shared checks in ``validation``. Sign-in keys,
sessions, preferences and the queue calendar are modules of their own beside them.
"""

from repository.directory.agents import (
    PRESENCES,
    authenticate,
    create_agent,
    get_agent,
    hash_password,
    heartbeat,
    list_agents,
    set_presence,
    update_agent,
)
from repository.directory.work import (
    create_canned_reply,
    create_queue,
    create_wrapup_code,
    delete_row,
    ensure_skills,
    list_canned_replies,
    list_queues,
    list_skills,
    list_wrapup_codes,
    update_queue,
)

__all__ = [
    "PRESENCES",
    "authenticate",
    "create_agent",
    "create_canned_reply",
    "create_queue",
    "create_wrapup_code",
    "delete_row",
    "ensure_skills",
    "get_agent",
    "hash_password",
    "heartbeat",
    "list_agents",
    "list_canned_replies",
    "list_queues",
    "list_skills",
    "list_wrapup_codes",
    "set_presence",
    "update_agent",
    "update_queue",
]
