"""The Customer Contact Repository: tables, the store API and migrations.

This package imports nothing from the rest of the product.
"""

from repository import schema as _schema  # noqa: F401  (every table registered)
from repository.core.ingest import InboundItem, IngestResult, append_event, ingest
from repository.db import Database, create_db_engine
from repository.errors import (
    Conflict,
    ContactCenterError,
    Forbidden,
    InvalidInput,
    InvalidSignature,
    NotFound,
)
from repository.migrate import upgrade

__all__ = [
    "Conflict",
    "ContactCenterError",
    "Database",
    "Forbidden",
    "InboundItem",
    "IngestResult",
    "InvalidInput",
    "InvalidSignature",
    "NotFound",
    "append_event",
    "create_db_engine",
    "ingest",
    "upgrade",
]
