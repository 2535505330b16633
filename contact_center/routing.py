"""Who should get which contact: priority, eligibility and agent-selection strategies.

This module is pure: it turns a snapshot of waiting contacts and available agents
into an ordered list of proposed (contact, agent) pairs. The claim that makes a
proposal real is atomic in the database (repository.core.lifecycle.claim); a proposal
that loses a race is simply skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from repository.core.models import DEFAULT_SKILL_LEVEL

if TYPE_CHECKING:
    from collections.abc import Collection

    from repository.core.routing_queries import AgentState, QueuedContact

# A queue's priority is worth 10 points a step; its ``tier_boosts`` add points per
# customer tier (e.g. {"platinum": 30, "gold": 15}), set by admins per queue.
QUEUE_PRIORITY_WEIGHT = 10
# One point per this many seconds waited, so a long wait outranks a small tier bonus.
AGING_SECONDS_PER_POINT = 30.0
# After every eligible agent declined, wait this long before offering to them again.
REOFFER_COOLDOWN_SECONDS = 10.0
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Proposal:
    interaction_id: int
    agent_id: int
    queue_id: int


def effective_priority(contact: QueuedContact, now: datetime) -> float:
    waited = max(0.0, (now - contact.queued_at).total_seconds())
    return (
        contact.queue_priority * QUEUE_PRIORITY_WEIGHT
        + contact.tier_boosts.get(contact.customer_tier, 0)
        + waited / AGING_SECONDS_PER_POINT
    )


def priority_key(contact: QueuedContact) -> tuple[float, float, int]:
    """A sort key that orders contacts as effective_priority does at any moment.

    Ageing adds the same points per second to every waiting contact, so
    ``-effective_priority = (queued_at - weight × AGING_SECONDS_PER_POINT) / AGING - now / AGING``:
    the part that depends on ``now`` is shared, and the order never changes while
    contacts wait. Heaps keyed on this need no re-keying as time passes. (A contact
    whose queued_at lies in the future, from clock skew, would be clamped to 0 waited
    by effective_priority; here it simply sorts by its timestamp.)
    """
    queued = timestamp(contact.queued_at)
    weight = contact.queue_priority * QUEUE_PRIORITY_WEIGHT + contact.tier_boosts.get(
        contact.customer_tier, 0
    )
    return (queued - weight * AGING_SECONDS_PER_POINT, queued, contact.interaction_id)


def timestamp(when: datetime) -> float:
    """Seconds since the epoch; SQLite hands back naive datetimes, and every one in the store is UTC."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def cooled(contact: QueuedContact, now: datetime) -> bool:
    """Whether a contact may go back to an agent who passed it on.

    The back-off counts from the later of the last offer and the last requeue, so a
    contact rejected after 9 s of a 10 s cooldown is not re-offered 1 s later.
    """
    anchors = [t for t in (contact.offered_at, contact.requeued_at) if t is not None]
    if not anchors:
        return True
    latest = max(timestamp(t) for t in anchors)
    return timestamp(now) - latest >= REOFFER_COOLDOWN_SECONDS


def order_contacts(queued: list[QueuedContact], now: datetime) -> list[QueuedContact]:
    """Highest effective priority first; ties go to who has waited longest.

    Rounded so that float noise (43.33…36 against 43.33…33 for two equal priorities)
    cannot decide a tie the heaps of routing_state break by waiting time.
    """
    return sorted(
        queued, key=lambda c: (-round(effective_priority(c, now), 6), c.queued_at, c.interaction_id)
    )


def eligible(contact: QueuedContact, agent: AgentState, defaults: dict[str, int]) -> bool:
    if contact.target_agent_id is not None and agent.agent_id != contact.target_agent_id:
        return False
    return set(contact.required_skills) <= agent.skills and agent.free(contact.channel, defaults) > 0


def meets(agent: AgentState, skills: Collection[str], level: int) -> bool:
    """Whether the agent holds every skill in ``skills`` at ``level`` or above.

    A skill held without a stated level counts as DEFAULT_SKILL_LEVEL; with no skills
    required, or level 0, every agent meets it (docs/sla.md, "Skill levels").
    """
    if not set(skills) <= agent.skills:
        return False
    return level <= 0 or all(agent.levels.get(s, DEFAULT_SKILL_LEVEL) >= level for s in skills)


def preferred(contact: QueuedContact, candidates: list[AgentState], now: datetime) -> list[AgentState]:
    """The eligible agents a contact goes to first, in this order of preference:

    1. agents at the queue's minimum skill level who have not declined it;
    2. any eligible agent who has not declined it (below the minimum);
    3. after the back-off (``cooled``), agents who declined it, those at the minimum first.
    Empty when only declined agents remain and the back-off has not passed.
    """
    level = contact.min_skill_level
    fresh = [a for a in candidates if a.agent_id not in contact.declined_by]
    if not fresh:
        if not (candidates and cooled(contact, now)):
            return []
        fresh = candidates
    best = [a for a in fresh if meets(a, contact.required_skills, level)]
    return best or fresh


class Selector:
    """Agent-selection strategies. Round-robin remembers its position per queue."""

    def __init__(self) -> None:
        self._last_by_queue: dict[int, int] = {}

    def choose(self, contact: QueuedContact, candidates: list[AgentState], now: datetime) -> AgentState:
        if contact.last_agent_id is not None:
            # Sticky routing: the agent who helped this customer last, if free.
            for agent in candidates:
                if agent.agent_id == contact.last_agent_id:
                    return agent
        strategy = getattr(self, "_" + contact.strategy, self._longest_idle)
        chosen: AgentState = strategy(contact, candidates)
        self._last_by_queue[contact.queue_id] = chosen.agent_id
        return chosen

    def _longest_idle(self, _contact: QueuedContact, candidates: list[AgentState]) -> AgentState:
        return min(candidates, key=lambda a: (a.last_assigned_at or NEVER, sum(a.load.values()), a.agent_id))

    def _least_busy(self, _contact: QueuedContact, candidates: list[AgentState]) -> AgentState:
        return min(candidates, key=lambda a: (sum(a.load.values()), a.last_assigned_at or NEVER, a.agent_id))

    def _round_robin(self, contact: QueuedContact, candidates: list[AgentState]) -> AgentState:
        ordered = sorted(candidates, key=lambda a: a.agent_id)
        last = self._last_by_queue.get(contact.queue_id)
        for agent in ordered:
            if last is None or agent.agent_id > last:
                return agent
        return ordered[0]


def plan(
    queued: list[QueuedContact],
    agents: list[AgentState],
    now: datetime,
    defaults: dict[str, int],
    selector: Selector,
) -> list[Proposal]:
    """Match waiting contacts to agents, best contact first, respecting capacity."""
    proposals: list[Proposal] = []
    for contact in order_contacts(queued, now):
        candidates = [a for a in agents if eligible(contact, a, defaults)]
        pool = preferred(contact, candidates, now)
        if not pool:
            continue
        agent = selector.choose(contact, pool, now)
        # Count the proposal against the agent now so one pass cannot overfill them.
        agent.load[contact.channel] = agent.load.get(contact.channel, 0) + 1
        agent.last_assigned_at = now
        proposals.append(Proposal(contact.interaction_id, agent.agent_id, contact.queue_id))
    return proposals


def queue_positions(queued: list[QueuedContact], now: datetime) -> dict[int, tuple[int, int]]:
    """interaction id → (queue id, 1-based position within its queue)."""
    positions: dict[int, tuple[int, int]] = {}
    counters: dict[int, int] = {}
    for contact in order_contacts(queued, now):
        counters[contact.queue_id] = counters.get(contact.queue_id, 0) + 1
        positions[contact.interaction_id] = (contact.queue_id, counters[contact.queue_id])
    return positions


def estimate_wait(
    contact: QueuedContact,
    position: int,
    agents: list[AgentState],
    handle_seconds: float,
    defaults: dict[str, int],
) -> int:
    """Seconds until ``contact`` is likely answered, or -1 when nobody who could answer is online.

    Each eligible agent works ``capacity`` contacts at a time, each taking the queue's
    average handle time, so the queue drains at capacity / handle contacts a second.
    """
    staffed = sum(
        a.capacity.get(contact.channel, defaults.get(contact.channel, 1))
        for a in agents
        if set(contact.required_skills) <= a.skills
    )
    return math.ceil(position * handle_seconds / staffed) if staffed else -1
