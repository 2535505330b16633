"""Every table of the CCR, registered on ``SQLModel.metadata`` in one import.

The core tables live in :mod:`repository.models`; a channel or feature with tables
of its own keeps them in its own module and adds one import line here, so Alembic,
the migration tests and the app all see the same complete schema.
"""

from __future__ import annotations

import repository.audit_models  # noqa: F401
import repository.business_hours  # noqa: F401  (queue calendars)
import repository.commerce_models  # noqa: F401
import repository.email_models  # noqa: F401
import repository.fencing  # noqa: F401  (the router's fencing token)
import repository.labels_models  # noqa: F401
import repository.merge_models  # noqa: F401
import repository.models  # noqa: F401
import repository.outbox  # noqa: F401  (bus events committed with their state)
import repository.outreach_models  # noqa: F401
import repository.search_index  # noqa: F401  (indexes every message and customer write)
import repository.sessions  # noqa: F401
import repository.supervision_models  # noqa: F401
import repository.telephony_models  # noqa: F401
import repository.widget_keys  # noqa: F401
