"""Suggested merges: customers who seem to share an email mailbox or a phone line.

Addresses are compared by a key that ignores how they were typed (``+tags`` and dots in
Gmail addresses, a country code in front of a phone number). See docs/merge.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import col

from repository.core.models import Customer, Identity

if TYPE_CHECKING:
    from repository.db import Database

_PLUS = re.compile(r"\+.*$")
_GMAIL = {"gmail.com", "googlemail.com"}


def email_key(value: str) -> str:
    """ann.smith+shop@GMail.com and annsmith@gmail.com are one mailbox."""
    local, _sep, domain = value.strip().lower().partition("@")
    local = _PLUS.sub("", local)
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def phone_key(value: str) -> str:
    """The last nine digits: the same line written with and without a country code."""
    digits = re.sub(r"\D", "", value)
    return digits[-9:] if len(digits) >= 9 else ""


def suggest_merges(db: Database, customer_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Pairs of customers who seem to share an email mailbox or a phone line."""
    with db.read() as session:
        pairs: list[tuple[int, str, str]] = [
            (cid, kind, value)
            for cid, kind, value in session.execute(
                select(col(Identity.customer_id), col(Identity.kind), col(Identity.value)).where(
                    col(Identity.kind).in_(("email", "phone"))
                )
            ).all()
        ]
        for cid, email, phone in session.execute(
            select(col(Customer.id), col(Customer.email), col(Customer.phone))
        ).all():
            if email:
                pairs.append((cid, "email", email))
            if phone:
                pairs.append((cid, "phone", phone))
        names = dict(session.execute(select(col(Customer.id), col(Customer.display_name))).all())
    groups: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for cid, kind, value in pairs:
        key = email_key(value) if kind == "email" else phone_key(value)
        if key:
            groups[(kind, key)].setdefault(cid, value)
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for (kind, _key), owners in groups.items():
        ids = sorted(owners)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if customer_id is not None and customer_id not in (a, b):
                    continue
                found.setdefault(
                    (a, b),
                    {
                        "customer_ids": [a, b],
                        "names": [names.get(a, ""), names.get(b, "")],
                        "reason": kind,
                        "values": [owners[a], owners[b]],
                    },
                )
    return [found[k] for k in sorted(found)][:limit]
