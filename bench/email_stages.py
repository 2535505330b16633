"""Where one message's ingest time goes, stage by stage, without the app around it.

The same functions the channel runs per FETCH chunk (parse, the planning read,
``ingest_many`` in the channel's slices, the Message-ID index), timed on a private SQLite store with
no router, no bus and no IMAP, so the split says what the channel itself costs.
"""

from __future__ import annotations

import time
from pathlib import Path

from channels.email.mailbox_sync import store_slices
from channels.email.mime import parse
from channels.email.payload import external_id_for, payload
from repository import Database, upgrade
from repository.core.ingest import InboundItem, ingest_many
from repository.core.models import stored_id
from repository.directory import create_queue
from repository.email.inbound_plan import PlanRequest, plan_many
from repository.email.models import Mailbox
from repository.email.threads import record_message_ids

CHUNK = 50


def stage_split(raws: list[bytes], path: Path) -> dict[str, float]:
    """Seconds spent in each stage over all of ``raws``."""
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    create_queue(db, "Email")
    box = Mailbox(id=1, address="support@bench.test", imap_host="-", imap_user="-", smtp_host="-")
    spent = {
        "parse (stdlib email + header decoding)": 0.0,
        "planning read": 0.0,
        "ingest_many": 0.0,
        "index": 0.0,
    }
    names = list(spent)
    for start in range(0, len(raws), CHUNK):
        chunk = raws[start : start + CHUNK]
        for first, end in store_slices(list(enumerate(chunk))):
            t0 = time.perf_counter()
            mails = [parse(raw) for raw in chunk[first:end]]
            t1 = time.perf_counter()
            plans = plan_many(
                db,
                [
                    PlanRequest(external_id_for(m), m.content_hash, m.from_addr, m.references, None)
                    for m in mails
                ],
            )
            t2 = time.perf_counter()
            results = ingest_many(
                db,
                [
                    InboundItem(
                        channel="email",
                        identities=[("email", m.from_addr)],
                        thread_key=f"1:{p.external_id}",
                        body=m.text,
                        external_id=p.external_id,
                        display_name=m.from_name,
                        subject=m.subject,
                        payload=payload(box, m, []),
                    )
                    for m, p in zip(mails, plans, strict=True)
                ],
            )
            t3 = time.perf_counter()
            record_message_ids(
                db,
                [
                    (m.message_id or "", stored_id(r.customer), stored_id(r.interaction), r.event.id, "in")
                    for m, r in zip(mails, results, strict=True)
                ],
            )
            t4 = time.perf_counter()
            for name, seconds in zip(names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                spent[name] += seconds
    db.dispose()
    return spent
