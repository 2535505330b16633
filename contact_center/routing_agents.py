"""The router's index of agents: who is routable, what each holds, who may take what.

``RoutingState`` (routing_state.py) keeps the waiting side; this keeps the serving
side, answering "which free agent with these skills, in this strategy's order" without
scanning every agent:

- per channel, the agents with a free slot on it;
- per need (skill set, minimum level), the agents who meet it;
- per (need, channel, strategy), a heap of free agents in the strategy's order. An
  agent whose load, idle time or eligibility changes is pushed again under a new
  version, and entries of an older version are skipped when they reach the top.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contact_center.routing import meets, timestamp

if TYPE_CHECKING:
    from repository.core.routing_queries import AgentState, QueuedContact

Need = tuple[frozenset[str], int]  # (skills, minimum level): which agents may take a contact


class AgentPool:
    def __init__(self, defaults: dict[str, int]) -> None:
        self.defaults = defaults
        self.agents: dict[int, AgentState] = {}
        self._loads: dict[int, dict[str, int]] = {}
        self._holdings: dict[int, tuple[int, str]] = {}
        # channel → agents with a free slot on it; (skill set, minimum level) → agents who meet it.
        self._free: dict[str, set[int]] = {}
        self._skilled: dict[Need, set[int]] = {}
        # (need, channel, strategy) → heap of (strategy key…, version, agent id).
        self._agent_heaps: dict[tuple[Need, str, str], list[tuple[Any, ...]]] = {}
        self._versions: dict[int, int] = {}

    def clear(self) -> None:
        self.agents.clear()
        self._loads.clear()
        self._holdings.clear()
        self._free.clear()
        self._skilled.clear()
        self._agent_heaps.clear()

    # -- who is routable --------------------------------------------------------------
    def put(self, agent: AgentState) -> None:
        agent.load = self._loads.setdefault(agent.agent_id, {})
        self.agents[agent.agent_id] = agent
        for need, pool in self._skilled.items():
            if meets(agent, *need):
                pool.add(agent.agent_id)
        self._update_free(agent.agent_id)

    def drop(self, agent_id: int) -> None:
        if self.agents.pop(agent_id, None) is None:
            return
        for pool in self._skilled.values():
            pool.discard(agent_id)
        for free in self._free.values():
            free.discard(agent_id)

    def forget(self, agent_id: int) -> None:
        """Drop the agent and release everything it holds (before a re-read of its row)."""
        for iid in [i for i, (a, _) in self._holdings.items() if a == agent_id]:
            self.release(iid)
        self.drop(agent_id)

    # -- what each holds --------------------------------------------------------------
    def hold(self, iid: int, agent_id: int, channel: str) -> None:
        if self._holdings.get(iid) == (agent_id, channel):
            return
        self.release(iid)
        self._holdings[iid] = (agent_id, channel)
        load = self._loads.setdefault(agent_id, {})
        load[channel] = load.get(channel, 0) + 1
        self._update_free(agent_id)

    def release(self, iid: int) -> None:
        held = self._holdings.pop(iid, None)
        if held is None:
            return
        agent_id, channel = held
        load = self._loads.get(agent_id, {})
        load[channel] = max(0, load.get(channel, 0) - 1)
        self._update_free(agent_id)

    # -- who may take what ------------------------------------------------------------
    def eligible(self, agent_id: int, channel: str, skills: frozenset[str]) -> bool:
        agent = self.agents.get(agent_id)
        return agent is not None and agent_id in self._free.get(channel, ()) and skills <= agent.skills

    def candidates(self, contact: QueuedContact) -> list[AgentState]:
        ids = self.skill_pool((frozenset(contact.required_skills), 0)) & self._free.get(
            contact.channel, set()
        )
        if contact.target_agent_id is not None:
            ids = ids & {contact.target_agent_id}
        return [self.agents[i] for i in ids]

    def skill_pool(self, need: Need) -> set[int]:
        pool = self._skilled.get(need)
        if pool is None:
            pool = {a.agent_id for a in self.agents.values() if meets(a, *need)}
            self._skilled[need] = pool
        return pool

    def scan(
        self,
        need: Need,
        channel: str,
        strategy: str,
        declined: set[int],
        eligible: Callable[[int], bool],
    ) -> tuple[int | None, int | None, bool]:
        """(best fresh agent, best declined agent, anyone eligible) off one agent heap."""
        heap = self._agent_heap(need, channel, strategy)
        chosen, first_declined, any_candidate = None, None, False
        aside = []
        while heap:
            version, agent_id = heap[0][-2], heap[0][-1]
            if self._versions.get(agent_id) != version or not eligible(agent_id):
                heapq.heappop(heap)
                continue
            any_candidate = True
            if agent_id in declined:
                aside.append(heapq.heappop(heap))
                first_declined = agent_id if first_declined is None else first_declined
                continue
            chosen = agent_id
            break
        for entry in aside:
            heapq.heappush(heap, entry)
        return chosen, first_declined, any_candidate

    def touch(self, agent_id: int) -> None:
        """The agent's load, idle time or eligibility changed: re-enter it in every agent heap."""
        version = self._versions.get(agent_id, 0) + 1
        self._versions[agent_id] = version
        agent = self.agents.get(agent_id)
        if agent is None:
            return
        for (need, channel, strategy), heap in self._agent_heaps.items():
            if meets(agent, *need) and agent_id in self._free.get(channel, ()):
                heapq.heappush(heap, self._agent_entry(agent, strategy))
                if len(heap) > 4 * len(self.agents) + 64:
                    heap[:] = [e for e in heap if self._versions.get(e[-1]) == e[-2]]
                    heapq.heapify(heap)

    def _agent_heap(self, need: Need, channel: str, strategy: str) -> list[tuple[Any, ...]]:
        """Free agents who meet ``need`` on ``channel`` in ``strategy`` order (lazily invalidated)."""
        heap = self._agent_heaps.get((need, channel, strategy))
        if heap is None:
            heap = [
                self._agent_entry(self.agents[i], strategy)
                for i in self.skill_pool(need) & self._free.get(channel, set())
            ]
            heapq.heapify(heap)
            self._agent_heaps[(need, channel, strategy)] = heap
        return heap

    def _agent_entry(self, agent: AgentState, strategy: str) -> tuple[Any, ...]:
        return (*STRATEGY_KEYS[strategy](agent), self._versions.get(agent.agent_id, 0), agent.agent_id)

    def _update_free(self, agent_id: int) -> None:
        agent = self.agents.get(agent_id)
        channels = set(self.defaults) | set(self._free) | (set(agent.capacity) if agent else set())
        for channel in channels:
            free = self._free.setdefault(channel, set())
            if agent is not None and agent.free(channel, self.defaults) > 0:
                free.add(agent_id)
            else:
                free.discard(agent_id)
        self.touch(agent_id)


def _idle_since(agent: AgentState) -> float:
    return timestamp(agent.last_assigned_at) if agent.last_assigned_at else 0.0


# The strategies routing.Selector applies, as heap keys (round robin stays a scan).
STRATEGY_KEYS = {
    "longest_idle": lambda a: (_idle_since(a), sum(a.load.values()), a.agent_id),
    "least_busy": lambda a: (sum(a.load.values()), _idle_since(a), a.agent_id),
}
