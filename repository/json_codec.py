"""JSON in one place: orjson, with the standard library's output where orjson has none.

Every event is encoded when its outbox row is written, decoded by the relay, and
encoded again for each socket that receives it; the standard ``json`` module spends
5–10 times longer on each of those than orjson. ``dumps`` returns text in the same
shapes ``json.dumps(..., separators=(",", ":"), default=str)`` gave callers before:
datetimes as ``str(datetime)``, integer dict keys as strings. For what orjson
refuses (an integer past 64 bits from a hostile frame), it falls back to ``json``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_STRICT = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
loads = orjson.loads


def dumps(value: Any) -> str:
    """Compact JSON text for ``value``; anything without a JSON form becomes ``str(...)``."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=str)


def dumps_strict(value: Any) -> str:
    """For stored JSON columns: like ``json.dumps``, which refuses what has no JSON form."""
    try:
        return orjson.dumps(value, option=_STRICT).decode()
    except TypeError:
        return json.dumps(value)
