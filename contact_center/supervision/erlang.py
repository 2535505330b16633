"""Erlang C: how many agents a queue needs to answer X% of contacts within T seconds.

The model assumes Poisson arrivals, exponential handle times and callers who wait
forever (no abandons), so it is slightly pessimistic; that is the usual planning
choice. Formulas (docs/supervisor.md):

    A      = arrival rate × AHT                       traffic in erlangs
    P(w)   = C(N, A), via the Erlang B recursion      chance a contact waits at all
    SL(T)  = 1 − P(w) · e^(−(N − A)·T / AHT)
    ASA    = P(w) · AHT / (N − A)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Beyond this many agents the answer is "more than we can plan for": stop searching.
MAX_AGENTS = 2000


@dataclass(frozen=True)
class Staffing:
    agents: int
    traffic_erlangs: float
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float


def traffic(arrivals_per_second: float, aht_seconds: float) -> float:
    return arrivals_per_second * aht_seconds


def wait_probability(agents: int, erlangs: float) -> float:
    """Erlang C: the chance that a contact has to wait. 1.0 when the queue is unstable."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    # Erlang B by recursion stays accurate for hundreds of agents where A^N/N! overflows.
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = erlangs * blocking / (k + erlangs * blocking)
    return agents * blocking / (agents - erlangs * (1 - blocking))


def service_level(agents: int, erlangs: float, aht_seconds: float, threshold_seconds: float) -> float:
    if erlangs <= 0:
        return 1.0
    if agents <= erlangs:
        return 0.0
    pw = wait_probability(agents, erlangs)
    return 1.0 - pw * math.exp(-(agents - erlangs) * threshold_seconds / aht_seconds)


def average_speed_of_answer(agents: int, erlangs: float, aht_seconds: float) -> float:
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return math.inf
    return wait_probability(agents, erlangs) * aht_seconds / (agents - erlangs)


def evaluate(
    agents: int, arrivals_per_second: float, aht_seconds: float, threshold_seconds: float
) -> Staffing:
    erlangs = traffic(arrivals_per_second, aht_seconds)
    return Staffing(
        agents=agents,
        traffic_erlangs=erlangs,
        wait_probability=wait_probability(agents, erlangs),
        service_level=service_level(agents, erlangs, aht_seconds, threshold_seconds),
        asa_seconds=average_speed_of_answer(agents, erlangs, aht_seconds),
        occupancy=min(1.0, erlangs / agents) if agents else 0.0,
    )


def agents_needed(
    arrivals_per_second: float, aht_seconds: float, threshold_seconds: float, target: float
) -> Staffing:
    """The fewest agents whose service level meets ``target`` (a fraction, e.g. 0.8)."""
    if not 0 < target < 1:
        raise ValueError("the service-level target is a fraction between 0 and 1")
    erlangs = traffic(arrivals_per_second, aht_seconds)
    if erlangs <= 0:
        return evaluate(0, 0.0, aht_seconds, threshold_seconds)
    agents = max(1, math.floor(erlangs) + 1)
    while agents < MAX_AGENTS:
        if service_level(agents, erlangs, aht_seconds, threshold_seconds) >= target:
            break
        agents += 1
    return evaluate(agents, arrivals_per_second, aht_seconds, threshold_seconds)
