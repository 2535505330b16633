"""The supervisor's side: live figures, Erlang C staffing, interventions, reports."""

from __future__ import annotations

from contact_center.supervision.erlang import Staffing, agents_needed, evaluate
from contact_center.supervision.live import SupervisorFeed

__all__ = ["Staffing", "SupervisorFeed", "agents_needed", "evaluate"]
