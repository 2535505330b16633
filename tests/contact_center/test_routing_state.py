"""The router's memory decides exactly as the pure planner does, and follows bus events."""

from __future__ import annotations

import copy
import random

from contact_center.routing import Selector, plan
from contact_center.routing_state import PassCursor, RoutingState
from repository.routing.reads import RoutingRows
from tests.contact_center.test_routing import DEFAULTS, NOW, agent, contact


def decide_all(state: RoutingState, selector: Selector) -> list[tuple[int, int]]:
    cursor, made = PassCursor(), []
    while (proposal := state.next_proposal(NOW, selector, cursor)) is not None:
        state.claimed(proposal, NOW)
        made.append((proposal.interaction_id, proposal.agent_id))
    state.end_pass(cursor)
    return made


def random_world(rng: random.Random) -> tuple[list, list]:
    agents = [
        agent(
            i,
            skills={s for s in ("billing", "french") if rng.random() < 0.5},
            capacity={"chat": rng.randint(0, 3), "email": rng.randint(0, 2)},
            load={"chat": rng.randint(0, 1)},
            idle=rng.choice([None, 5, 50, 500]),
            levels={s: rng.randint(1, 5) for s in ("billing", "french") if rng.random() < 0.7},
        )
        for i in range(1, rng.randint(2, 12))
    ]
    ids = [a.agent_id for a in agents]
    # A queue decides skills and strategy for all its contacts, as in the store.
    queues = {
        q: (
            rng.choice([[], ["billing"], ["billing", "french"]]),
            rng.choice(["longest_idle", "least_busy", "round_robin"]),
            rng.choice([0, 0, 2, 4]),
        )
        for q in (1, 2, 3)
    }
    contacts = [
        contact(
            float(rng.randint(0, 900)),
            id=100 + n,
            channel=rng.choice(["chat", "chat", "email"]),
            queue_id=(queue := rng.choice([1, 2, 3])),
            queue_priority=rng.choice([0, 0, 1]),
            tier=rng.choice(["standard", "silver", "gold", "platinum"]),
            skills=queues[queue][0],
            strategy=queues[queue][1],
            min_level=queues[queue][2],
            declined_by=rng.sample(ids, k=rng.randint(0, min(2, len(ids)))),
            offered_ago=rng.choice([None, 3.0, 60.0]),
            target=rng.choice([None, None, None, rng.choice(ids)]),
            last_agent=rng.choice([None, rng.choice(ids)]),
        )
        for n in range(rng.randint(0, 40))
    ]
    return contacts, agents


def test_the_incremental_state_proposes_what_the_planner_proposes() -> None:
    rng = random.Random(2026)
    for _ in range(300):
        contacts, agents = random_world(rng)
        expected = [
            (p.interaction_id, p.agent_id)
            for p in plan(copy.deepcopy(contacts), copy.deepcopy(agents), NOW, DEFAULTS, Selector())
        ]
        state = RoutingState(DEFAULTS)
        holdings = {}
        for a in agents:  # the agents' current load, as holdings the store would list
            for channel, count in a.load.items():
                for k in range(count):
                    holdings[10_000 + a.agent_id * 100 + k + (50 if channel == "email" else 0)] = (
                        a.agent_id,
                        channel,
                    )
        fresh_agents = copy.deepcopy(agents)
        for a in fresh_agents:
            a.load = {}
        state.load(RoutingRows(copy.deepcopy(contacts), fresh_agents, holdings, {}))

        assert decide_all(state, Selector()) == expected


def test_a_freed_slot_is_filled_by_the_best_waiting_contact_without_a_rebuild() -> None:
    state = RoutingState(DEFAULTS)
    busy = agent(1, capacity={"chat": 1})
    state.load(
        RoutingRows([contact(10, id=7), contact(99, id=8, tier="gold")], [busy], {500: (1, "chat")}, {})
    )
    assert decide_all(state, Selector()) == []

    state.apply(
        {
            "type": "interaction.updated",
            "interaction": {"id": 500, "status": "closed", "agent_id": 1, "channel": "chat"},
        }
    )

    assert decide_all(state, Selector()) == [(8, 1)]


def test_events_mark_what_must_be_read_back_and_drop_what_left() -> None:
    state = RoutingState(DEFAULTS)
    state.load(RoutingRows([contact(10, id=7)], [agent(1, capacity={"chat": 0})], {}, {}))

    state.apply({"type": "offer", "agent_id": 2, "interaction": {"id": 7, "channel": "chat"}})
    state.apply(
        {"type": "interaction.updated", "interaction": {"id": 9, "status": "queued", "agent_id": None}}
    )
    state.apply({"type": "agent.presence", "agent_id": 3, "presence": "available"})
    state.apply({"type": "agent.presence", "agent_id": 1, "presence": "away"})

    assert 7 not in state.contacts
    assert (state.dirty_contacts, state.dirty_agents) == ({9}, {3})
    assert 1 not in state.agents
