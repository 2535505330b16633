"""Demo data for the single-box default: queues, agents, wrap-up codes, canned replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.directory import (
    create_agent,
    create_canned_reply,
    create_queue,
    create_wrapup_code,
    list_agents,
    list_queues,
)

if TYPE_CHECKING:
    from repository import Database

# Demo-only credentials, printed by `serve` so a newcomer can sign in at once.
DEMO_AGENTS = (
    ("alice", "Alice Martin", "alice-demo-pass", "agent", ["general", "billing"]),
    ("bob", "Bob Chen", "bob-demo-pass", "agent", ["general", "technical"]),
    ("sam", "Sam Okafor", "sam-demo-pass", "admin", ["general", "billing", "technical"]),
)
DEMO_QUEUES = (
    ("General", "Everything that is not billing", ["general"], 0, True),
    ("Billing", "Invoices, refunds and payments", ["billing"], 1, False),
)
# Points added to a waiting contact's priority by value tier (one point = 30 s of waiting).
DEMO_TIER_BOOSTS = {"platinum": 30, "gold": 20, "silver": 10}
DEMO_CODES = (
    ("resolved", "Resolved"),
    ("follow-up", "Needs follow-up"),
    ("escalated", "Escalated to second line"),
    ("no-response", "Customer stopped responding"),
)
DEMO_CANNED = (
    ("hello", "Greeting", "Hello! Thanks for reaching out. How can I help you today?"),
    ("refund", "Refund timeline", "Refunds reach your account within 5 to 7 business days."),
    ("bye", "Closing", "Is there anything else I can help with? Have a great day!"),
)


def seed_demo(db: Database) -> bool:
    """Create the demo data if the store has no agents yet. Returns whether it did."""
    if list_agents(db) or list_queues(db):
        return False
    for name, description, skills, priority, is_default in DEMO_QUEUES:
        create_queue(
            db,
            name,
            description=description,
            required_skills=skills,
            priority=priority,
            is_default=is_default,
            tier_boosts=DEMO_TIER_BOOSTS,
        )
    for username, display, password, role, skills in DEMO_AGENTS:
        create_agent(db, username, display, password, role=role, skills=skills)
    for code, label in DEMO_CODES:
        create_wrapup_code(db, code, label)
    for shortcut, title, body in DEMO_CANNED:
        create_canned_reply(db, shortcut, title, body)
    return True
