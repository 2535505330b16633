"""Routing decisions (pure): who is served first, and by whom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from contact_center.routing import (
    AGING_SECONDS_PER_POINT,
    REOFFER_COOLDOWN_SECONDS,
    Proposal,
    Selector,
    effective_priority,
    order_contacts,
    plan,
    queue_positions,
)
from repository.core.routing_queries import AgentState, QueuedContact

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DEFAULTS = {"chat": 3, "email": 5, "sms": 3, "voice": 1}
_ids = count(1)


def contact(
    waited: float = 0.0,
    *,
    id: int | None = None,
    channel: str = "chat",
    queue_id: int = 1,
    queue_priority: int = 0,
    tier: str = "standard",
    skills: list[str] | None = None,
    strategy: str = "longest_idle",
    declined_by: list[int] | None = None,
    offered_ago: float | None = None,
    target: int | None = None,
    last_agent: int | None = None,
    boosts: dict[str, int] | None = None,
    min_level: int = 0,
) -> QueuedContact:
    """A contact that has waited ``waited`` seconds, in a queue boosting tiers by ``boosts``."""
    return QueuedContact(
        interaction_id=id if id is not None else next(_ids),
        customer_id=1000 + (id or 0),
        channel=channel,
        queue_id=queue_id,
        queue_priority=queue_priority,
        required_skills=skills or [],
        strategy=strategy,
        customer_tier=tier,
        queued_at=NOW - timedelta(seconds=waited),
        offered_at=None if offered_ago is None else NOW - timedelta(seconds=offered_ago),
        declined_by=declined_by or [],
        target_agent_id=target,
        last_agent_id=last_agent,
        tier_boosts=boosts if boosts is not None else {"platinum": 30, "gold": 20, "silver": 10},
        min_skill_level=min_level,
    )


def agent(
    agent_id: int,
    *,
    skills: set[str] | None = None,
    capacity: dict[str, int] | None = None,
    load: dict[str, int] | None = None,
    idle: float | None = None,
    levels: dict[str, int] | None = None,
) -> AgentState:
    """An available agent, last assigned ``idle`` seconds ago (None: never)."""
    return AgentState(
        agent_id=agent_id,
        name=f"agent {agent_id}",
        skills=skills or set(),
        capacity=capacity if capacity is not None else {"chat": 2},
        load=load or {},
        last_assigned_at=None if idle is None else NOW - timedelta(seconds=idle),
        levels=levels or {},
    )


def route(queued: list[QueuedContact], agents: list[AgentState], **kw: Any) -> list[tuple[int, int]]:
    proposals = plan(queued, agents, NOW, DEFAULTS, kw.get("selector") or Selector())
    return [(p.interaction_id, p.agent_id) for p in proposals]


# -- priority ------------------------------------------------------------------------


def test_priority_grows_with_waiting_time() -> None:
    assert effective_priority(contact(0), NOW) == 0
    assert effective_priority(contact(AGING_SECONDS_PER_POINT * 4), NOW) == 4
    assert effective_priority(contact(-60), NOW) == 0  # a clock skew never lowers it


def test_queue_priority_and_customer_tier_raise_priority() -> None:
    assert effective_priority(contact(queue_priority=2), NOW) == 20
    assert effective_priority(contact(tier="gold"), NOW) == 20
    assert effective_priority(contact(tier="platinum", queue_priority=1), NOW) == 40
    assert effective_priority(contact(tier="unheard-of"), NOW) == 0
    assert effective_priority(contact(tier="platinum", boosts={}), NOW) == 0  # a queue without boosts


def test_a_gold_customer_goes_first_but_a_long_wait_overtakes_the_bonus() -> None:
    standard = contact(60, id=1)
    gold = contact(0, id=2, tier="gold")
    patient = contact(AGING_SECONDS_PER_POINT * 25, id=3)

    assert [c.interaction_id for c in order_contacts([standard, gold, patient], NOW)] == [3, 2, 1]


def test_equal_priority_goes_to_who_waited_longest() -> None:
    first = contact(10, id=7)
    second = contact(10, id=5)
    newer = contact(5, id=1)

    assert [c.interaction_id for c in order_contacts([newer, first, second], NOW)] == [5, 7, 1]


def test_the_only_free_slot_goes_to_the_highest_priority_contact() -> None:
    queued = [contact(0, id=1), contact(0, id=2, queue_priority=1), contact(5, id=3)]

    assert route(queued, [agent(10, capacity={"chat": 1})]) == [(2, 10)]


# -- eligibility ---------------------------------------------------------------------


def test_a_queue_requiring_skills_goes_only_to_agents_with_all_of_them() -> None:
    needs = contact(id=1, skills=["billing", "de"])
    agents = [agent(10, skills={"billing"}), agent(11, skills={"de", "billing", "fr"})]

    assert route([needs], agents) == [(1, 11)]
    assert route([needs], [agent(10, skills={"billing"})]) == []


def test_agents_at_capacity_for_the_channel_get_nothing_more() -> None:
    busy = agent(10, capacity={"chat": 2}, load={"chat": 2, "email": 0}, idle=999)
    free = agent(11, capacity={"chat": 2}, load={"chat": 1}, idle=1)

    assert route([contact(id=1)], [busy, free]) == [(1, 11)]
    assert route([contact(id=2, channel="email")], [busy]) == [(2, 10)]


def test_capacity_falls_back_to_the_channel_default() -> None:
    agents = [agent(10, capacity={})]  # chat default is 3

    assert route([contact(id=n) for n in range(1, 6)], agents) == [(1, 10), (2, 10), (3, 10)]


def test_one_pass_never_fills_an_agent_beyond_capacity() -> None:
    queued = [contact(id=n) for n in range(1, 8)]
    agents = [agent(10, capacity={"chat": 2}), agent(11, capacity={"chat": 1}, load={"chat": 0})]

    pairs = route(queued, agents)

    assert len(pairs) == 3
    assert sum(a == 10 for _, a in pairs) == 2
    assert sum(a == 11 for _, a in pairs) == 1
    assert len({i for i, _ in pairs}) == 3


def test_a_transfer_to_a_named_agent_is_offered_to_that_agent_only() -> None:
    transferred = contact(id=1, target=11)

    assert route([transferred], [agent(10, idle=999), agent(11, idle=0)]) == [(1, 11)]
    assert route([transferred], [agent(10)]) == []


def test_agents_who_declined_are_skipped_while_someone_else_can_take_it() -> None:
    declined = contact(id=1, declined_by=[10], offered_ago=1)

    assert route([declined], [agent(10, idle=999), agent(11, idle=0)]) == [(1, 11)]


def test_when_everyone_declined_the_contact_is_reoffered_only_after_the_cooldown() -> None:
    agents = [agent(10), agent(11)]
    early = contact(id=1, declined_by=[10, 11], offered_ago=REOFFER_COOLDOWN_SECONDS - 1)
    cooled = contact(id=2, declined_by=[10, 11], offered_ago=REOFFER_COOLDOWN_SECONDS + 1)

    assert route([early], agents) == []
    assert [i for i, _ in route([cooled], agents)] == [2]


# -- strategies ----------------------------------------------------------------------


def test_longest_idle_picks_the_agent_who_waited_longest_for_work() -> None:
    agents = [agent(10, idle=30), agent(11, idle=300), agent(12, idle=5), agent(13, idle=None)]

    assert route([contact(id=1)], agents) == [(1, 13)]
    assert route([contact(id=2)], agents[:3]) == [(2, 11)]


def test_longest_idle_spreads_one_pass_over_all_agents() -> None:
    agents = [agent(10, idle=30), agent(11, idle=300), agent(12, idle=5)]

    pairs = route([contact(id=n) for n in range(1, 4)], agents)

    assert [a for _, a in pairs] == [11, 10, 12]


def test_least_busy_picks_the_agent_with_the_fewest_contacts() -> None:
    agents = [
        agent(10, capacity={"chat": 5}, load={"chat": 2}, idle=999),
        agent(11, capacity={"chat": 5}, load={"chat": 1, "email": 2}, idle=999),
        agent(12, capacity={"chat": 5}, load={"chat": 1}, idle=1),
    ]

    assert route([contact(id=1, strategy="least_busy")], agents) == [(1, 12)]


def test_round_robin_takes_turns_in_agent_order_per_queue() -> None:
    selector = Selector()
    agents = [
        agent(12, capacity={"chat": 9}),
        agent(10, capacity={"chat": 9}),
        agent(11, capacity={"chat": 9}),
    ]

    def next_agent(queue_id: int) -> int:
        return route(
            [contact(id=next(_ids), strategy="round_robin", queue_id=queue_id)], agents, selector=selector
        )[0][1]

    assert [next_agent(1) for _ in range(4)] == [10, 11, 12, 10]
    assert next_agent(2) == 10  # a different queue keeps its own turn
    assert next_agent(1) == 11


def test_an_unknown_strategy_falls_back_to_longest_idle() -> None:
    agents = [agent(10, idle=1), agent(11, idle=100)]

    assert route([contact(id=1, strategy="astrology")], agents) == [(1, 11)]


def test_the_agent_who_served_the_customer_last_gets_them_again_if_free() -> None:
    agents = [agent(10, idle=999), agent(11, idle=0)]

    assert route([contact(id=1, last_agent=11)], agents) == [(1, 11)]
    busy = [agent(10, idle=999), agent(11, load={"chat": 2})]
    assert route([contact(id=2, last_agent=11)], busy) == [(2, 10)]


def test_sticky_routing_does_not_override_a_decline_or_missing_skills() -> None:
    agents = [agent(10, idle=999, skills={"billing"}), agent(11, idle=0)]

    assert route([contact(id=1, last_agent=11, declined_by=[11], offered_ago=1)], agents) == [(1, 10)]
    assert route([contact(id=2, last_agent=11, skills=["billing"])], agents) == [(2, 10)]


def test_plan_returns_proposals_naming_the_queue() -> None:
    proposals = plan([contact(id=1, queue_id=4)], [agent(10)], NOW, DEFAULTS, Selector())

    assert proposals == [Proposal(interaction_id=1, agent_id=10, queue_id=4)]


# -- queue positions -----------------------------------------------------------------


def test_queue_positions_count_from_one_within_each_queue_in_service_order() -> None:
    queued = [
        contact(50, id=1, queue_id=1),
        contact(10, id=2, queue_id=2),
        contact(40, id=3, queue_id=1, tier="gold"),
        contact(90, id=4, queue_id=1),
        contact(5, id=5, queue_id=2),
    ]

    assert queue_positions(queued, NOW) == {
        3: (1, 1),
        4: (1, 2),
        1: (1, 3),
        2: (2, 1),
        5: (2, 2),
    }
    assert queue_positions([], NOW) == {}


def test_agents_at_the_queues_minimum_skill_level_are_preferred_over_longer_idle_ones() -> None:
    junior = agent(1, skills={"billing"}, levels={"billing": 2}, idle=900)
    senior = agent(2, skills={"billing"}, levels={"billing": 4}, idle=5)

    assert route([contact(id=7, skills=["billing"], min_level=3)], [junior, senior]) == [(7, 2)]


def test_an_agent_below_the_minimum_gets_the_contact_when_nobody_at_it_is_free() -> None:
    junior = agent(1, skills={"billing"}, levels={"billing": 2})
    senior = agent(2, skills={"billing"}, levels={"billing": 5}, capacity={"chat": 1}, load={"chat": 1})

    assert route([contact(id=7, skills=["billing"], min_level=3)], [junior, senior]) == [(7, 1)]


def test_a_qualified_agent_who_declined_comes_after_a_fresh_one_below_the_minimum() -> None:
    junior = agent(1, skills={"billing"}, levels={"billing": 1})
    senior = agent(2, skills={"billing"}, levels={"billing": 5})
    passed_on = contact(id=7, skills=["billing"], min_level=3, declined_by=[2])

    assert route([passed_on], [junior, senior]) == [(7, 1)]


def test_a_skill_without_a_level_counts_as_level_one() -> None:
    unrated = agent(1, skills={"billing"}, idle=900)
    rated = agent(2, skills={"billing"}, levels={"billing": 2}, idle=5)

    assert route([contact(id=7, skills=["billing"], min_level=2)], [unrated, rated]) == [(7, 2)]
