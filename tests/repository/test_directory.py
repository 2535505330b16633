"""The directory: agents and their sign-in, presence, queues, skills, wrap-up codes, canned replies."""

from __future__ import annotations

import pytest

from repository import Conflict, Database, InvalidInput, NotFound
from repository import directory as d
from repository.core.models import Queue, Skill
from repository.directory import agents as agents_module


def test_an_agent_is_created_with_a_hashed_password_and_normalised_fields(db: Database) -> None:
    agent = d.create_agent(
        db,
        "  Alice ",
        "Alice Smith",
        "s3cret-password",
        skills=["Billing", " billing", "de"],
        capacity={"chat": 3, "email": 0},
    )

    stored = d.get_agent(db, agent.id)  # type: ignore[arg-type]
    assert stored.username == "alice"
    assert stored.skills == ["billing", "de"]
    assert stored.capacity == {"chat": 3, "email": 0}
    assert (stored.role, stored.presence) == ("agent", "offline")
    assert "s3cret-password" not in stored.password_hash


def test_the_display_name_defaults_to_the_username(db: Database) -> None:
    assert d.create_agent(db, "bob", "  ", "password-1").display_name == "bob"


INVALID_AGENTS: list[tuple[dict[str, object], str]] = [
    ({"username": ""}, "username"),
    ({"username": "x" * 81}, "username"),
    ({"password": "short"}, "password"),
    ({"role": "owner"}, "role"),
    ({"capacity": {"fax": 1}}, "capacity"),
    ({"capacity": {"chat": 51}}, "capacity"),
    ({"capacity": {"chat": -1}}, "capacity"),
    ({"capacity": {"chat": True}}, "capacity"),
    ({"capacity": {"chat": "2"}}, "capacity"),
    ({"skills": [""]}, "skills"),
    ({"skills": [3]}, "skills"),
]


def test_invalid_agent_fields_are_refused_with_the_field_named(db: Database) -> None:
    for kwargs, field in INVALID_AGENTS:
        args: dict[str, object] = {"username": "carol", "display_name": "Carol", "password": "password-1"}
        args.update(kwargs)

        with pytest.raises(InvalidInput) as excinfo:
            d.create_agent(db, **args)  # type: ignore[arg-type]

        assert excinfo.value.details["field"] == field, kwargs
    assert d.list_agents(db) == []


def test_usernames_are_unique_whatever_their_case(db: Database) -> None:
    d.create_agent(db, "dave", "Dave", "password-1")

    with pytest.raises(Conflict):
        d.create_agent(db, "DAVE", "Another Dave", "password-2")

    assert [a.display_name for a in d.list_agents(db)] == ["Dave"]


def test_authenticate_accepts_only_the_right_password_of_an_active_agent(db: Database) -> None:
    agent = d.create_agent(db, "erin", "Erin", "correct-password")

    assert d.authenticate(db, "ERIN ", "correct-password").id == agent.id  # type: ignore[union-attr]
    assert d.authenticate(db, "erin", "wrong-password") is None
    assert d.authenticate(db, "nobody", "correct-password") is None

    d.update_agent(db, agent.id, is_active=False)  # type: ignore[arg-type]
    assert d.authenticate(db, "erin", "correct-password") is None


def test_update_agent_changes_what_is_given_and_validates_it(db: Database) -> None:
    agent = d.create_agent(db, "frank", "Frank", "password-1")
    aid: int = agent.id  # type: ignore[assignment]

    d.update_agent(
        db, aid, display_name="Frank B.", skills=["Sales"], capacity={"chat": 4}, password="new-pass-1"
    )

    stored = d.get_agent(db, aid)
    assert (stored.display_name, stored.skills, stored.capacity) == ("Frank B.", ["sales"], {"chat": 4})
    assert d.authenticate(db, "frank", "new-pass-1") is not None
    assert d.authenticate(db, "frank", "password-1") is None
    with pytest.raises(InvalidInput):
        d.update_agent(db, aid, role="owner")
    with pytest.raises(InvalidInput):
        d.update_agent(db, aid, capacity={"chat": 99})
    with pytest.raises(NotFound):
        d.update_agent(db, 9999, display_name="x")
    with pytest.raises(NotFound):
        d.get_agent(db, 9999)
    assert d.get_agent(db, aid).capacity == {"chat": 4}


def test_set_presence_records_the_state_its_start_and_a_heartbeat(db: Database) -> None:
    agent = d.create_agent(db, "gina", "Gina", "password-1")
    aid: int = agent.id  # type: ignore[assignment]
    assert agent.last_heartbeat is None

    available = d.set_presence(db, aid, "available")
    again = d.set_presence(db, aid, "available")
    away = d.set_presence(db, aid, "away")

    assert available.presence == "available" and available.last_heartbeat is not None
    assert again.presence_since == available.presence_since
    assert again.last_heartbeat >= available.last_heartbeat  # type: ignore[operator]
    assert away.presence == "away" and away.presence_since > available.presence_since
    with pytest.raises(InvalidInput):
        d.set_presence(db, aid, "busy")
    with pytest.raises(NotFound):
        d.set_presence(db, 9999, "away")


def test_heartbeat_touches_only_the_agents_named(db: Database) -> None:
    one = d.create_agent(db, "hank", "Hank", "password-1")
    two = d.create_agent(db, "iris", "Iris", "password-1")

    d.heartbeat(db, [one.id])  # type: ignore[list-item]
    d.heartbeat(db, [])

    assert d.get_agent(db, one.id).last_heartbeat is not None  # type: ignore[arg-type]
    assert d.get_agent(db, two.id).last_heartbeat is None  # type: ignore[arg-type]


def test_heartbeat_writes_every_chunk_and_nobody_else(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    agents = [d.create_agent(db, f"chunk{i}", f"Chunk {i}", "password-1") for i in range(7)]
    named = [a.id for a in agents[:5]]
    monkeypatch.setattr(agents_module, "HEARTBEAT_CHUNK", 2)  # 5 ids: chunks of 2, 2 and 1

    d.heartbeat(db, named + named[:2])  # type: ignore[operator]  # repeats are harmless

    beats = {a.id: d.get_agent(db, a.id).last_heartbeat for a in agents}  # type: ignore[arg-type]
    assert all(beats[i] is not None for i in named)
    assert len({beats[i] for i in named}) == 1  # one moment for the whole batch
    assert beats[agents[5].id] is None and beats[agents[6].id] is None


def test_a_queue_registers_its_required_skills(db: Database) -> None:
    queue = d.create_queue(
        db, " Billing ", required_skills=["Billing", "DE"], priority=3, strategy="round_robin"
    )

    assert (queue.name, queue.required_skills, queue.priority, queue.strategy) == (
        "Billing",
        ["billing", "de"],
        3,
        "round_robin",
    )
    assert [s.name for s in d.list_skills(db)] == ["billing", "de"]
    d.create_queue(db, "Billing DE", required_skills=["de"])
    assert [s.name for s in d.list_skills(db)] == ["billing", "de"]


INVALID_QUEUES: list[tuple[dict[str, object], str]] = [
    ({"name": ""}, "name"),
    ({"name": "  "}, "name"),
    ({"name": "q" * 81}, "name"),
    ({"strategy": "random"}, "strategy"),
    ({"priority": 101}, "priority"),
    ({"priority": -101}, "priority"),
    ({"required_skills": ["  "]}, "skills"),
]


def test_invalid_queues_are_refused_with_the_field_named(db: Database) -> None:
    for kwargs, field in INVALID_QUEUES:
        args: dict[str, object] = {"name": "support"}
        args.update(kwargs)

        with pytest.raises(InvalidInput) as excinfo:
            d.create_queue(db, **args)  # type: ignore[arg-type]

        assert excinfo.value.details["field"] == field, kwargs
    assert d.list_queues(db) == []


def test_queue_names_are_unique(db: Database) -> None:
    d.create_queue(db, "support")
    with pytest.raises(Conflict):
        d.create_queue(db, "support")


def test_update_queue_validates_and_registers_new_skills(db: Database) -> None:
    queue = d.create_queue(db, "support")
    qid: int = queue.id  # type: ignore[assignment]

    d.update_queue(db, qid, required_skills=["French"], priority=7, is_default=True)

    assert [(q.required_skills, q.priority, q.is_default) for q in d.list_queues(db)] == [
        (["french"], 7, True)
    ]
    assert [s.name for s in d.list_skills(db)] == ["french"]
    with pytest.raises(InvalidInput):
        d.update_queue(db, qid, strategy="random")
    with pytest.raises(NotFound):
        d.update_queue(db, 9999, priority=1)


def test_wrap_up_codes_are_normalised_unique_and_listed_when_active(db: Database) -> None:
    code = d.create_wrapup_code(db, " Resolved ", "Resolved on first contact")
    d.create_wrapup_code(db, "follow_up-2", "")

    assert code.code == "resolved"
    assert [(c.code, c.label) for c in d.list_wrapup_codes(db)] == [
        ("resolved", "Resolved on first contact"),
        ("follow_up-2", "follow_up-2"),
    ]
    with pytest.raises(Conflict):
        d.create_wrapup_code(db, "RESOLVED", "again")
    for bad in ("", "has space", "semi;colon", "x" * 61):
        with pytest.raises(InvalidInput):
            d.create_wrapup_code(db, bad, "label")


def test_canned_replies_are_keyed_by_a_shortcut(db: Database) -> None:
    reply = d.create_canned_reply(db, "/Greeting", "", "Hello, how can I help?")
    d.create_canned_reply(db, "bye", "Goodbye", "Thanks for contacting us.")

    assert (reply.shortcut, reply.title) == ("greeting", "greeting")
    assert [r.shortcut for r in d.list_canned_replies(db)] == ["bye", "greeting"]
    with pytest.raises(Conflict):
        d.create_canned_reply(db, "greeting", "x", "y")
    with pytest.raises(InvalidInput):
        d.create_canned_reply(db, "empty", "Empty", "   ")
    with pytest.raises(InvalidInput):
        d.create_canned_reply(db, "bad shortcut", "x", "y")


def test_delete_row_removes_it_and_reports_a_missing_one(db: Database) -> None:
    queue = d.create_queue(db, "old", required_skills=["legacy"])

    d.delete_row(db, Queue, queue.id)  # type: ignore[arg-type]

    assert d.list_queues(db) == []
    assert [s.name for s in d.list_skills(db)] == ["legacy"]
    with pytest.raises(NotFound):
        d.delete_row(db, Skill, 9999)
