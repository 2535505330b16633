"""Time intervals: when an agent held work, when they were available, and how those overlap.

Handling time is read from the CCR's status lines, not from an interaction's final
columns: a transferred contact was held by two agents, and each gets their part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

Span = tuple[datetime, datetime]
# Status lines that end the current holder's part of an interaction.
_RELEASING = {"requeued", "closed"}


@dataclass(frozen=True)
class Hold:
    """One agent's spell on one interaction, from accept to hand-back or close."""

    interaction_id: int
    agent_id: int
    start: datetime
    end: datetime | None  # None: still held


@dataclass(frozen=True)
class StatusLine:
    interaction_id: int
    kind: str  # "status" or "transfer"
    body: str
    payload: dict[str, Any]
    at: datetime


def holds_from_status_lines(lines: list[StatusLine]) -> list[Hold]:
    """Every hold, in order; ``lines`` must be sorted by time (then id) per interaction."""
    open_by_interaction: dict[int, tuple[int, datetime]] = {}
    holds: list[Hold] = []
    for line in lines:
        current = open_by_interaction.get(line.interaction_id)
        if line.kind == "status" and line.body == "accepted":
            if current is not None:
                holds.append(Hold(line.interaction_id, current[0], current[1], line.at))
            agent_id = line.payload.get("agent_id")
            if isinstance(agent_id, int):
                open_by_interaction[line.interaction_id] = (agent_id, line.at)
        elif current is not None and (line.kind == "transfer" or line.body in _RELEASING):
            holds.append(Hold(line.interaction_id, current[0], current[1], line.at))
            del open_by_interaction[line.interaction_id]
    holds.extend(Hold(i, agent, start, None) for i, (agent, start) in open_by_interaction.items())
    return holds


def clip(spans: list[Span], start: datetime, end: datetime) -> list[Span]:
    return [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]


def merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans joined, so two chats at once count as one busy stretch."""
    merged: list[Span] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def total_seconds(spans: list[Span]) -> float:
    return sum((e - s).total_seconds() for s, e in merge(spans))


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s1, e1 in merge(a):
        for s2, e2 in merge(b):
            s, e = max(s1, s2), min(e1, e2)
            if s < e:
                out.append((s, e))
    return out


def state_spans(
    changes: list[tuple[datetime, str]], initial: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, str]]:
    """Cut [start, end) into (from, to, state) by presence changes sorted by time."""
    spans: list[tuple[datetime, datetime, str]] = []
    state, since = initial, start
    for at, new_state in changes:
        if at <= start:
            state = new_state
            continue
        if at >= end:
            break
        if new_state != state:
            spans.append((since, at, state))
            state, since = new_state, at
    spans.append((since, end, state))
    return [s for s in spans if s[1] > s[0]]
