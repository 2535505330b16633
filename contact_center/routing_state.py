"""The router's memory: waiting contacts in per-queue heaps, routable agents, who holds what.

Filled from the CCR when the router starts or takes the lead (``load``), then kept
current by bus events (``apply``, which takes the event's dict so it plugs into any
loop that reads the bus). An event never carries everything routing needs (a
customer's tier, a queue's skills), so ``apply`` only updates what the event says
for certain and marks the rest dirty; the router reads the dirty rows back in one
query per pass (``refresh``). Memory is only a hint: the claim in the database
decides, and a lost claim marks its contact and agent dirty again.

A decision (``next_proposal``) looks at the top of each (queue, channel) heap, picks
the best, and intersects two sets: the agents with the queue's skills and the agents
with free capacity on the channel (both kept by ``AgentPool``, routing_agents.py).
Nothing in it depends on how many contacts wait.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contact_center.routing import Proposal, Selector, cooled, meets, preferred, priority_key
from contact_center.routing_agents import STRATEGY_KEYS, AgentPool
from repository.core.models import HOLDING_STATUSES

if TYPE_CHECKING:
    from datetime import datetime

    from repository.core.routing_queries import AgentState, QueuedContact
    from repository.routing.reads import RoutingRows

Key = tuple[float, float, int]
Lane = tuple[int, str]  # (queue id, channel): contacts that every agent sees the same way


@dataclass
class PassCursor:
    """What one pass has ruled out so far: lanes nobody can serve, contacts set aside."""

    blocked: set[Lane] = field(default_factory=set)
    aside: list[tuple[Lane, Key]] = field(default_factory=list)


class RoutingState:
    def __init__(self, defaults: dict[str, int]) -> None:
        self.defaults = defaults
        self.built = False
        self.contacts: dict[int, QueuedContact] = {}
        self._keys: dict[int, Key] = {}
        self._lanes: dict[Lane, list[Key]] = {}
        self.pool = AgentPool(defaults)
        self.dirty_contacts: set[int] = set()
        self.dirty_agents: set[int] = set()
        # Consecutive offers each agent let time out; an accept or going available resets it.
        self.missed: dict[int, int] = {}
        self.positions_dirty = True

    @property
    def agents(self) -> dict[int, AgentState]:
        """The routable agents, by id (kept by :class:`AgentPool`)."""
        return self.pool.agents

    # -- filling ---------------------------------------------------------------------
    def load(self, rows: RoutingRows) -> None:
        """Replace everything with a full read of the CCR."""
        self.contacts.clear()
        self._keys.clear()
        self._lanes.clear()
        self.pool.clear()
        self.dirty_contacts.clear()
        self.dirty_agents.clear()
        for iid, (agent_id, channel) in rows.holdings.items():
            self.pool.hold(iid, agent_id, channel)
        for agent in rows.agents:
            self.pool.put(agent)
        for contact in rows.contacts:
            contact.requeued_at = rows.requeued_at.get(contact.interaction_id)
            self._put_contact(contact)
        self.built = True
        self.positions_dirty = True

    def refresh(self, contact_ids: set[int], agent_ids: set[int], rows: RoutingRows) -> None:
        """Fold in a re-read of the named rows; a named row the read lacks is gone."""
        for agent_id in agent_ids:
            self.pool.forget(agent_id)
        for iid, (agent_id, channel) in rows.holdings.items():
            self.pool.hold(iid, agent_id, channel)
        for agent in rows.agents:
            self.pool.put(agent)
        for iid in contact_ids:
            self._drop_contact(iid)
        for contact in rows.contacts:
            contact.requeued_at = rows.requeued_at.get(contact.interaction_id)
            self._put_contact(contact)
        self.positions_dirty = True

    # -- following the bus -------------------------------------------------------------
    def apply(self, event: dict[str, Any]) -> None:
        """Fold one bus event (its data dict) into the state; safe to apply twice."""
        handler = _HANDLERS.get(str(event.get("type", "")))
        if handler is not None:
            handler(self, event)

    def _on_interaction(self, event: dict[str, Any]) -> None:
        interaction = event.get("interaction") or {}
        iid, status, agent_id = interaction.get("id"), interaction.get("status"), interaction.get("agent_id")
        if not isinstance(iid, int):
            return
        if status in HOLDING_STATUSES and isinstance(agent_id, int):
            self.pool.hold(iid, agent_id, str(interaction.get("channel", "")))
        else:
            self.pool.release(iid)
        if status == "queued":
            # Tier, skills and back-off are not in the event: read the row back.
            self.dirty_contacts.add(iid)
        else:
            self._drop_contact(iid)
        if status == "active" and isinstance(agent_id, int):
            self.missed.pop(agent_id, None)
        self.positions_dirty = True

    def _on_offer(self, event: dict[str, Any]) -> None:
        interaction = event.get("interaction") or {}
        iid, agent_id = interaction.get("id"), event.get("agent_id")
        if isinstance(iid, int) and isinstance(agent_id, int):
            self.pool.hold(iid, agent_id, str(interaction.get("channel", "")))
            self._drop_contact(iid)
            self.positions_dirty = True

    def _on_presence(self, event: dict[str, Any]) -> None:
        agent_id = event.get("agent_id")
        if not isinstance(agent_id, int):
            return
        if event.get("presence") == "available":
            self.dirty_agents.add(agent_id)
            self.missed.pop(agent_id, None)
        else:
            self.pool.drop(agent_id)
            self.dirty_agents.discard(agent_id)
        self.positions_dirty = True

    # -- deciding --------------------------------------------------------------------
    def next_proposal(self, now: datetime, selector: Selector, cursor: PassCursor) -> Proposal | None:
        """The best (contact, agent) pair left, already counted against the agent; None when done."""
        while True:
            best: tuple[Key, Lane] | None = None
            for lane, heap in self._lanes.items():
                if lane in cursor.blocked or not self._clean_top(heap):
                    continue
                if best is None or heap[0] < best[0]:
                    best = (heap[0], lane)
            if best is None:
                return None
            key, lane = best
            contact = self.contacts[key[2]]
            agent, any_candidate = self._choose(contact, now, selector)
            if agent is None:
                if not any_candidate and contact.target_agent_id is None:
                    # Nobody can serve this lane's best contact, so nobody can serve the lane.
                    cursor.blocked.add(lane)
                else:
                    heapq.heappop(self._lanes[lane])
                    cursor.aside.append((lane, key))
                continue
            self._drop_contact(contact.interaction_id)
            self.pool.hold(contact.interaction_id, agent.agent_id, contact.channel)
            return Proposal(contact.interaction_id, agent.agent_id, contact.queue_id)

    def _choose(
        self, contact: QueuedContact, now: datetime, selector: Selector
    ) -> tuple[AgentState | None, bool]:
        """(the agent routing.plan would pick, whether anyone at all was eligible).

        Same rules as ``routing.plan`` (``routing.preferred``): agents at the queue's
        minimum skill level first, then anyone eligible, declined agents only when
        nobody else is and the back-off has passed; the sticky agent if they rank as
        well; then the queue's strategy, read off a heap of free agents instead of
        scanning them all.
        """
        skills, channel, level = frozenset(contact.required_skills), contact.channel, contact.min_skill_level
        declined = set(contact.declined_by)

        def eligible(agent_id: int) -> bool:
            return self.pool.eligible(agent_id, channel, skills)

        if contact.target_agent_id is not None or contact.strategy not in STRATEGY_KEYS:
            candidates = self.pool.candidates(contact)
            pool = preferred(contact, candidates, now)
            return (selector.choose(contact, pool, now) if pool else None), bool(candidates)
        # The qualified need first (when a minimum applies), then the plain one.
        needs = [(skills, level), (skills, 0)] if level > 0 and skills else [(skills, 0)]
        chosen, first_declined, any_candidate = None, None, False
        for need in needs:
            found, declined_here, seen = self.pool.scan(need, channel, contact.strategy, declined, eligible)
            any_candidate = any_candidate or seen
            first_declined = declined_here if first_declined is None else first_declined
            if found is not None:
                chosen = found
                break
        if chosen is None:
            if first_declined is None or not cooled(contact, now):
                return None, any_candidate
            chosen = first_declined

        def rank(agent_id: int) -> tuple[bool, bool]:
            return agent_id in declined, not meets(self.agents[agent_id], skills, level)

        last = contact.last_agent_id
        if last is not None and eligible(last) and rank(last) <= rank(chosen):
            chosen = last  # sticky: the agent who served this customer last, if they rank as well
        return self.agents[chosen], True

    def end_pass(self, cursor: PassCursor) -> None:
        """Put back the contacts a pass set aside (they wait for someone else or a cooldown)."""
        for lane, key in cursor.aside:
            if self._keys.get(key[2]) == key:
                heapq.heappush(self._lanes.setdefault(lane, []), key)

    def claimed(self, proposal: Proposal, now: datetime) -> None:
        agent = self.agents.get(proposal.agent_id)
        if agent is not None:
            agent.last_assigned_at = now
            self.pool.touch(proposal.agent_id)

    def lost(self, proposal: Proposal) -> None:
        """The claim did not happen: the database knows better, read both rows back."""
        self.pool.release(proposal.interaction_id)
        self.dirty_contacts.add(proposal.interaction_id)
        self.dirty_agents.add(proposal.agent_id)

    def staffed(self, skills: Iterable[str]) -> bool:
        """Whether any routable agent (available, desktop alive) has ``skills``, busy or not."""
        return bool(self.pool.skill_pool((frozenset(skills), 0)))

    def waiting_in(self, queue_id: int) -> list[QueuedContact]:
        """The contacts waiting in a queue (its lanes' live entries)."""
        return [
            self.contacts[key[2]]
            for (queue, _channel), heap in self._lanes.items()
            if queue == queue_id
            for key in heap
            if self._keys.get(key[2]) == key
        ]

    # -- bookkeeping -------------------------------------------------------------------
    def _clean_top(self, heap: list[Key]) -> bool:
        """Drop stale entries from the top; True if a live contact is there."""
        while heap and self._keys.get(heap[0][2]) != heap[0]:
            heapq.heappop(heap)
        return bool(heap)

    def _put_contact(self, contact: QueuedContact) -> None:
        self._drop_contact(contact.interaction_id)
        key = priority_key(contact)
        lane = (contact.queue_id, contact.channel)
        self.contacts[contact.interaction_id] = contact
        self._keys[contact.interaction_id] = key
        heap = self._lanes.setdefault(lane, [])
        heapq.heappush(heap, key)
        if len(heap) > 64 and len(heap) > 2 * len(self.contacts):
            # Removed contacts leave entries behind; compact before they dominate.
            heap[:] = [k for k in heap if self._keys.get(k[2]) == k]
            heapq.heapify(heap)
        self.positions_dirty = True

    def _drop_contact(self, iid: int) -> None:
        if self.contacts.pop(iid, None) is not None:
            del self._keys[iid]
            self.positions_dirty = True


_HANDLERS = {
    "interaction.updated": RoutingState._on_interaction,
    "offer": RoutingState._on_offer,
    "agent.presence": RoutingState._on_presence,
}
