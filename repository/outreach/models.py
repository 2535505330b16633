"""Tables of issue 17's outreach: who asked not to be written to on which channel.

SMS keeps Twilio's STOP list (``sms_opt_outs``, written by the keywords). Email and
WhatsApp have no keyword a provider enforces for us, so the product keeps its own
list: an address on it receives no message an agent or a back-end system starts.
See docs/outbound.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow


class ContactOptOut(SQLModel, table=True):
    __tablename__ = "contact_opt_outs"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contact_opt_out"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    # The normalised address: a lower-case email, an E.164 number.
    address: str = Field(max_length=320)
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
