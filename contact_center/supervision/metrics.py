"""Live figures per queue, per channel and per agent: pure functions over plain records.

Nothing here reads the database or the clock; callers pass ``now`` and the records
(see ``data.py``). Each formula is written out in docs/supervisor.md, and the tests
check them against values worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from contact_center.supervision.intervals import Hold, Span, clip, intersect, state_spans, total_seconds

FORMULAS = ("answered", "with_abandons", "offered")
# Within this many percentage points below target the light turns amber, not red.
NEAR_TARGET_POINTS = 5.0


@dataclass(frozen=True)
class SlSettings:
    threshold_seconds: int = 20
    target_percent: float = 80.0
    formula: str = "answered"
    short_abandon_seconds: int = 5


@dataclass(frozen=True)
class Contact:
    """One interaction as the figures see it."""

    id: int
    channel: str
    queue_id: int | None
    customer_id: int
    status: str
    agent_id: int | None
    queued_at: datetime
    answered_at: datetime | None  # the first accept: later accepts after a transfer do not count
    ended_at: datetime | None
    closed_at: datetime | None
    disposition: str | None
    handle_seconds: float = 0.0  # every hold added up: talk plus wrap-up, across transfers
    first_response_at: datetime | None = None
    csat_score: int | None = None
    sla_status: str | None = None  # docs/sla.md: approaching, breached or None
    sla_due_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def abandoned(self) -> bool:
        # A chat whose customer left before anyone accepted is closed with disposition
        # "abandoned"; a call that hung up (Twilio) or rang out unanswered (CTI "missed")
        # ends in status "abandoned". Both are contacts nobody answered.
        return self.answered_at is None and (self.disposition == "abandoned" or self.status == "abandoned")

    @property
    def waiting(self) -> bool:
        return self.status in ("queued", "offered")

    @property
    def handled(self) -> bool:
        return self.status == "closed" and self.answered_at is not None

    def wait_seconds(self) -> float | None:
        """How long the customer waited for an agent, if that wait is over."""
        if self.answered_at is not None:
            return (self.answered_at - self.queued_at).total_seconds()
        if self.abandoned and self.ended_at is not None:
            return (self.ended_at - self.queued_at).total_seconds()
        return None


@dataclass
class Figures:
    waiting: int = 0
    longest_wait_seconds: float = 0.0
    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_within: int = 0
    short_abandons: int = 0
    handled: int = 0
    service_level: float | None = None  # percent
    asa_seconds: float | None = None
    aht_seconds: float | None = None
    abandon_rate: float | None = None  # percent
    formula: str = "answered"
    threshold_seconds: int = 20
    target_percent: float = 80.0
    sl_state: str = "none"  # ok, near, breach, none
    contact_ids: list[int] = field(default_factory=list)


def _ratio(top: float, bottom: float) -> float | None:
    return 100.0 * top / bottom if bottom else None


def service_level(
    answered_within: int,
    answered: int,
    abandoned_within: int,
    abandoned: int,
    short_abandons: int,
    formula: str,
) -> float | None:
    """The three formulas a queue may choose, as percentages; None when nothing counts yet."""
    if formula == "answered":
        return _ratio(answered_within, answered)
    if formula == "with_abandons":
        return _ratio(answered_within + abandoned_within, answered + abandoned)
    if formula == "offered":
        return _ratio(answered_within, answered + abandoned - short_abandons)
    raise ValueError(f"unknown service-level formula {formula!r}")


def sl_state(value: float | None, target: float) -> str:
    if value is None:
        return "none"
    if value >= target:
        return "ok"
    return "near" if value >= target - NEAR_TARGET_POINTS else "breach"


def figures(
    contacts: Iterable[Contact],
    settings_for: Callable[[Contact], SlSettings],
    now: datetime,
    *,
    formula: str,
    threshold_seconds: int,
    target_percent: float,
) -> Figures:
    """Figures for one group of contacts. Each contact is judged by its own queue's T.

    ``formula``/``threshold_seconds``/``target_percent`` label the group (a queue's own
    settings; a channel row uses the default formula).
    """
    out = Figures(formula=formula, threshold_seconds=threshold_seconds, target_percent=target_percent)
    waits: list[float] = []
    handle: list[float] = []
    for c in contacts:
        out.contact_ids.append(c.id)
        rules = settings_for(c)
        if c.waiting:
            out.waiting += 1
            out.longest_wait_seconds = max(out.longest_wait_seconds, (now - c.queued_at).total_seconds())
        wait = c.wait_seconds()
        if c.answered and wait is not None:
            out.answered += 1
            waits.append(wait)
            if wait <= rules.threshold_seconds:
                out.answered_within += 1
        elif c.abandoned and wait is not None:
            out.abandoned += 1
            if wait <= rules.threshold_seconds:
                out.abandoned_within += 1
            if wait < rules.short_abandon_seconds:
                out.short_abandons += 1
        if c.handled:
            out.handled += 1
            handle.append(c.handle_seconds)
    out.offered = out.answered + out.abandoned
    out.service_level = service_level(
        out.answered_within, out.answered, out.abandoned_within, out.abandoned, out.short_abandons, formula
    )
    out.asa_seconds = sum(waits) / len(waits) if waits else None
    out.aht_seconds = sum(handle) / len(handle) if handle else None
    out.abandon_rate = _ratio(out.abandoned - out.short_abandons, out.offered - out.short_abandons)
    out.sl_state = sl_state(out.service_level, target_percent)
    return out


@dataclass(frozen=True)
class AgentRecord:
    id: int
    name: str
    role: str
    presence: str
    presence_since: datetime
    capacity: dict[str, int]
    load: dict[str, int]  # interactions held now, per channel (offered, active, wrap-up)
    holds: list[Hold]  # today's holds, open ones with end None
    state_changes: list[tuple[datetime, str]]  # sorted; includes the last one before the day started
    initial_presence: str  # presence when the day started


@dataclass
class AgentFigures:
    id: int
    name: str
    state: str  # available, busy, away, offline
    state_since: datetime
    state_seconds: float
    contacts: int
    capacity: int
    load: dict[str, int]
    occupancy: float | None  # percent
    available_seconds: float
    busy_seconds: float


def agent_figures(
    agent: AgentRecord, day_start: datetime, now: datetime, defaults: dict[str, int]
) -> AgentFigures:
    """State and time in state; occupancy = time handling ÷ time available, today."""
    spans = state_spans(agent.state_changes, agent.initial_presence, day_start, now)
    available: list[Span] = [(s, e) for s, e, state in spans if state == "available"]
    held: list[Span] = [(h.start, h.end or now) for h in agent.holds]
    busy_seconds = total_seconds(intersect(clip(held, day_start, now), available))
    available_seconds = total_seconds(available)
    open_holds = [h.start for h in agent.holds if h.end is None]
    contacts = sum(agent.load.values())
    state, since = agent.presence, agent.presence_since
    if agent.presence == "available" and contacts:
        state = "busy"
        since = max(min(open_holds), agent.presence_since) if open_holds else agent.presence_since
    channels = set(agent.capacity) | set(agent.load) if agent.capacity else set(defaults)
    capacity = sum(agent.capacity.get(ch, defaults.get(ch, 1)) for ch in channels)
    return AgentFigures(
        id=agent.id,
        name=agent.name,
        state=state,
        state_since=since,
        state_seconds=max(0.0, (now - since).total_seconds()),
        contacts=contacts,
        capacity=capacity,
        load=dict(agent.load),
        occupancy=100.0 * busy_seconds / available_seconds if available_seconds else None,
        available_seconds=available_seconds,
        busy_seconds=busy_seconds,
    )
