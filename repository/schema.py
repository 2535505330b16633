"""Every table of the CCR, registered on ``SQLModel.metadata`` in one import.

The core tables live in :mod:`repository.core.models`; each package with tables of its own
keeps them beside its code (``repository/<package>/models.py`` or a module named for the
table) and adds one import line here, so Alembic, the migration tests and the app all see
the same complete schema on one ``SQLModel.metadata``.
"""

from __future__ import annotations

import repository.commerce.models  # noqa: F401
import repository.compliance.audit_models  # noqa: F401
import repository.core.models  # noqa: F401
import repository.crm.label_models  # noqa: F401
import repository.crm.merge_models  # noqa: F401
import repository.directory.business_hours  # noqa: F401  (queue calendars)
import repository.directory.sessions  # noqa: F401
import repository.directory.widget_keys  # noqa: F401
import repository.email.models  # noqa: F401
import repository.events.outbox  # noqa: F401  (bus events committed with their state)
import repository.outreach.models  # noqa: F401
import repository.routing.fencing  # noqa: F401  (the router's fencing token)
import repository.routing.sla_models  # noqa: F401  (SLA policies and what fired)
import repository.search.index  # noqa: F401  (indexes every message and customer write)
import repository.supervision.models  # noqa: F401
import repository.telephony.models  # noqa: F401
import repository.webhooks.models  # noqa: F401
