"""The claim under fire: a contact is never held by two agents and no agent goes over capacity.

Many nodes (threads with their own connection pool, or separate OS processes) keep
claiming random (contact, agent) pairs of the same small pool at the same time, on
SQLite and on PostgreSQL. Every pair is tried at least once, and every failed try
is final (nothing is ever released here), so when the dust settles every agent
must be exactly full: the number of winners is min(contacts, total capacity).
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from repository import Database
from repository.core import lifecycle
from repository.core.models import Event, Interaction
from tests.factories import make_agent, make_queue, queued_chat

CONTACTS = 30
AGENTS = 6
CAPACITY = 2
NODES = 16
PROCESSES = 4
# Each (contact, agent) pair lands in this many nodes' work lists, in random order.
TRIES_PER_PAIR = 4
Pair = tuple[int, int]


@dataclass
class Outcome:
    attempts: int = 0
    wins: list[Pair] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.attempts += other.attempts
        self.wins.extend(other.wins)


def seed(db: Database) -> tuple[list[int], list[int]]:
    make_queue(db, "support", is_default=True)
    agents = [make_agent(db, capacity={"chat": CAPACITY}).id for _ in range(AGENTS)]
    contacts = [queued_chat(db).interaction.id for _ in range(CONTACTS)]
    return contacts, agents  # type: ignore[return-value]


def work_lists(contacts: list[int], agents: list[int], nodes: int, rng: random.Random) -> list[list[Pair]]:
    pairs = [(c, a) for c in contacts for a in agents] * TRIES_PER_PAIR
    rng.shuffle(pairs)
    return [pairs[n::nodes] for n in range(nodes)]


def claim_all(url: str, work: list[list[Pair]]) -> Outcome:
    """One thread per work list, each a separate node with its own Database, started together."""
    start = threading.Barrier(len(work))

    def node(pairs: list[Pair]) -> Outcome:
        db = Database(url)
        outcome = Outcome()
        try:
            start.wait(timeout=30)
            for interaction_id, agent_id in pairs:
                outcome.attempts += 1
                won = lifecycle.claim(db, interaction_id, agent_id, reserve_seconds=600, defaults={})
                if won is not None:
                    assert (won.id, won.agent_id, won.status) == (interaction_id, agent_id, "offered")
                    outcome.wins.append((interaction_id, agent_id))
        finally:
            db.dispose()
        return outcome

    total = Outcome()
    with ThreadPoolExecutor(len(work)) as pool:
        for outcome in pool.map(node, work, timeout=120):
            total.add(outcome)
    return total


def _process_main(url: str, work: list[list[Pair]], start: Any, results: Any) -> None:
    try:
        start.wait(timeout=60)
        outcome = claim_all(url, work)
        results.put((outcome.attempts, outcome.wins, None))
    except BaseException:
        results.put((0, [], traceback.format_exc()))


def claim_all_in_processes(url: str, work: list[list[Pair]]) -> Outcome:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    shares = [work[p::PROCESSES] for p in range(PROCESSES)]
    processes = [ctx.Process(target=_process_main, args=(url, share, start, results)) for share in shares]
    for process in processes:
        process.start()
    total = Outcome()
    try:
        for _ in processes:
            attempts, wins, error = results.get(timeout=120)
            assert error is None, error
            total.add(Outcome(attempts, [tuple(w) for w in wins]))  # type: ignore[misc]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert all(process.exitcode == 0 for process in processes)
    return total


def check(db: Database, contacts: list[int], agents: list[int], outcome: Outcome, label: str) -> None:
    print(
        f"\nclaim race [{db.dialect}, {label}]: {outcome.attempts} claims attempted, "
        f"{len(outcome.wins)} won ({CONTACTS} contacts, {AGENTS} agents x capacity {CAPACITY})"
    )
    assert outcome.attempts == CONTACTS * AGENTS * TRIES_PER_PAIR

    # What the claimers were told.
    wins_per_contact = Counter(c for c, _ in outcome.wins)
    wins_per_agent = Counter(a for _, a in outcome.wins)
    assert max(wins_per_contact.values()) == 1, "a contact was claimed twice"
    assert max(wins_per_agent.values()) <= CAPACITY, "an agent was given more than their capacity"
    assert len(outcome.wins) == min(CONTACTS, AGENTS * CAPACITY)
    assert set(wins_per_agent) == set(agents)

    # What the store holds.
    winner = dict(outcome.wins)
    with db.read() as session:
        rows = {i.id: i for i in session.exec(select(Interaction).where(Interaction.id.in_(contacts))).all()}  # type: ignore[union-attr]
        offered_events = Counter(
            session.exec(
                select(Event.interaction_id).where(Event.kind == "status", Event.body == "offered")
            ).all()
        )
        loads = {a: lifecycle.agent_load(session, a, "chat") for a in agents}
    for contact_id in contacts:
        row = rows[contact_id]
        if contact_id in winner:
            assert (row.status, row.agent_id, row.offer_count) == ("offered", winner[contact_id], 1)
            assert offered_events[contact_id] == 1
        else:
            assert (row.status, row.agent_id, row.offer_count) == ("queued", None, 0)
            assert offered_events[contact_id] == 0
    assert loads == {a: CAPACITY for a in agents}
    assert loads == dict(wins_per_agent)


def test_concurrent_claims_from_many_nodes_never_double_book(db: Database) -> None:
    contacts, agents = seed(db)
    work = work_lists(contacts, agents, NODES, random.Random(1))

    outcome = claim_all(db.url, work)

    check(db, contacts, agents, outcome, f"{NODES} threads, one pool each")


def test_concurrent_claims_from_several_processes_never_double_book(db: Database) -> None:
    contacts, agents = seed(db)
    work = work_lists(contacts, agents, NODES, random.Random(2))

    outcome = claim_all_in_processes(db.url, work)

    check(db, contacts, agents, outcome, f"{PROCESSES} processes x {NODES // PROCESSES} threads")


def test_every_node_hammering_the_same_contact_yields_exactly_one_winner(db: Database) -> None:
    """The sharpest case: all nodes, each for a different agent, go for one contact at once."""
    make_queue(db, "support", is_default=True)
    agents = [make_agent(db, capacity={"chat": 1}).id for _ in range(NODES)]
    nodes = [Database(db.url) for _ in agents]

    def node(target: int, agent_id: int, node_db: Database, start: threading.Barrier) -> bool:
        start.wait(timeout=30)
        return lifecycle.claim(node_db, target, agent_id, reserve_seconds=60, defaults={}) is not None

    try:
        for _ in range(3):
            target: int = queued_chat(db).interaction.id  # type: ignore[assignment]
            start = threading.Barrier(len(agents))
            with ThreadPoolExecutor(len(agents)) as pool:
                won = list(
                    pool.map(node, [target] * len(agents), agents, nodes, [start] * len(agents), timeout=60)
                )

            assert won.count(True) == 1
            with db.read() as session:
                row = session.get(Interaction, target)
            assert row is not None and row.agent_id == agents[won.index(True)]
            # The winner is now full: the next round is fought by the others.
            del agents[won.index(True)]
            nodes.pop().dispose()
    finally:
        for node_db in nodes:
            node_db.dispose()
