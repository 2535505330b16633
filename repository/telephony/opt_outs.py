"""SMS opt-outs: a number that texted STOP gets no more messages until it texts START.

See docs/twilio.md (SMS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, select

from repository.core.models import utcnow
from repository.telephony.idempotency import retrying
from repository.telephony.models import SmsOptOut

if TYPE_CHECKING:
    from repository.db import Database


def set_opt_out(db: Database, number: str, opted_out: bool, keyword: str) -> bool:
    """Record STOP/START for ``number``; True if that changed anything."""

    def run(session: Session) -> bool:
        row = session.exec(select(SmsOptOut).where(SmsOptOut.number == number)).first()
        if row is None:
            session.add(SmsOptOut(number=number, opted_out=opted_out, keyword=keyword[:20]))
            return opted_out
        changed = row.opted_out != opted_out
        row.opted_out, row.keyword, row.updated_at = opted_out, keyword[:20], utcnow()
        session.add(row)
        return changed

    changed: bool = retrying(db, run)
    return changed


def is_opted_out(db: Database, number: str) -> bool:
    with db.read() as session:
        row = session.exec(select(SmsOptOut).where(SmsOptOut.number == number)).first()
        return bool(row and row.opted_out)
