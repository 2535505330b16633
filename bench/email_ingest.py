"""Email ingestion throughput and the cost of an empty poll, against a real Dovecot.

Prints, from one run on one machine:
  1. messages/s from Dovecot into the CCR (the running email channel: IMAP fetch,
     MIME parse, threading lookups, one ingest transaction per slice of a FETCH chunk
     (``ingest_many``), publish, Message-ID index, sync position; the router runs too),
     and how many duplicates the CCR holds afterwards (must be 0),
  2. next to the raw IMAP ``UID FETCH BODY.PEEK[]`` rate of the same folder (the ceiling),
  3. where a message's time goes, stage by stage, on a private SQLite store without the
     app (parse, the planning read, ``ingest_many``, the Message-ID index),
  4. the time one poll that finds nothing new takes on a 10,000-message folder, next
     to a bare IMAP NOOP round trip on the same connection.

Usage: python bench/email_ingest.py [--messages 1000] [--big 10000] [--database-url URL]
Needs dovecot (apt-get install dovecot-imapd). Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import func, select  # noqa: E402

from bench.email_stages import stage_split  # noqa: E402
from bench.harness import RULE, load_average, print_header  # noqa: E402
from channels.email.imap import Imap  # noqa: E402
from channels.email.plugin import email_channel
from channels.email.poller import MailboxPoller  # noqa: E402
from config import load_settings  # noqa: E402
from contact_center.app import create_app  # noqa: E402
from repository.core.models import Event  # noqa: E402
from repository.directory import create_queue  # noqa: E402
from repository.email.mailboxes import ensure_env_mailbox, list_mailboxes, save_sync_position  # noqa: E402
from tests.email.corpus import simple  # noqa: E402
from tests.email.dovecot import USER, Dovecot  # noqa: E402


def make_mail(n: int) -> bytes:
    text = f"Hello, this is message {n}. My order #{n} has not arrived yet.\n\nRegards,\nCustomer {n % 97}"
    return simple(f"Customer {n % 97} <c{n % 97}@customers.test>", f"Order {n}", text)[1]


def write_maildir(server: Dovecot, folder: str, count: int) -> None:
    """Put ``count`` messages straight into the folder's maildir (APPEND of 10,000 takes minutes)."""
    root = server.root / "mail" / USER / f".{folder}" / "cur"
    root.mkdir(parents=True, exist_ok=True)
    owner = pwd.getpwnam("dovecot")
    for n in range(count):
        path = root / f"{1700000000 + n}.M{n}P1.bench:2,S"
        path.write_bytes(make_mail(n))
        os.chown(path, owner.pw_uid, owner.pw_gid)
    for sub in (root.parent, root.parent / "new", root.parent / "tmp"):
        sub.mkdir(exist_ok=True)
        os.chown(sub, owner.pw_uid, owner.pw_gid)
    os.chown(root, owner.pw_uid, owner.pw_gid)


async def raw_fetch_rate(box: object, sealer: object, folder: str, count: int) -> float:
    imap = Imap(box, sealer)  # type: ignore[arg-type]
    await imap.connect()
    await imap.select(folder)
    uids = await imap.new_uids(0)
    started = time.perf_counter()
    got = 0
    async for _uid, _raw in imap.fetch(uids):
        got += 1
    elapsed = time.perf_counter() - started
    await imap.close()
    assert got == count, (got, count)
    return got / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    load_before = load_average()
    server = Dovecot()
    tmp = Path(tempfile.mkdtemp(prefix="cc-email-bench-"))
    try:
        client = server.client()
        client.create("Bench")
        client.logout()
        print(f"appending {args.messages} messages to Dovecot ...", flush=True)
        server.append([make_mail(n) for n in range(args.messages)], "Bench")
        settings = load_settings(
            environ={
                "DATA_DIR": str(tmp),
                "SECRET_KEY": "bench",
                "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'cc.db'}",
                "EMAIL_ADDRESS": USER,
                "EMAIL_IMAP_URL": server.imap_url.replace("/INBOX", "/Bench"),
                "EMAIL_SMTP_URL": "smtp://127.0.0.1:9",
            },
            env_file=None,
        )
        app = create_app(settings, plugins=("channels.email.plugin",))
        ctx = app.state.ctx
        create_queue(ctx.db, "Email")
        channel = email_channel(ctx)
        ensure_env_mailbox(ctx.db, USER, sealer=channel.sealer, **channel.env_mailbox_values())
        box = list_mailboxes(ctx.db)[0]

        raw_rate = await raw_fetch_rate(box, channel.sealer, "Bench", args.messages)

        def stored() -> int:
            with ctx.db.read() as session:
                return int(
                    session.exec(
                        select(func.count()).select_from(Event).where(Event.channel == "email")
                    ).one()
                )

        def distinct_mails() -> int:
            with ctx.db.read() as session:
                return int(
                    session.exec(
                        select(func.count(func.distinct(Event.external_id))).where(Event.channel == "email")
                    ).one()
                )

        started = time.perf_counter()
        async with app.router.lifespan_context(app):
            while stored() < args.messages:
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(1.0)  # anything stored twice would show up now
            total, distinct = stored(), distinct_mails()
        ingest_rate = args.messages / elapsed
        stages = stage_split([make_mail(n) for n in range(args.messages)], tmp / "stages.db")

        print(f"writing {args.big} messages into a maildir folder ...", flush=True)
        write_maildir(server, "Big", args.big)
        imap = Imap(box, channel.sealer)
        await imap.connect()
        validity, _ = await imap.select("Big")  # the first select indexes the folder; not timed
        last = max(await imap.new_uids(args.big - 1) or [0])
        save_sync_position(ctx.db, box.id, "Big", validity, last)
        box.imap_folder = "Big"
        poller = MailboxPoller(
            ctx.db,
            box,
            None,  # type: ignore[arg-type]
            channel.health.get(box.id),  # type: ignore[arg-type]
            poll_seconds=60,
            idle_seconds=0,
            sealer=channel.sealer,
        )
        polls, noops = [], []
        for _ in range(20):
            t = time.perf_counter()
            handled = await poller.sync(imap, validity)
            polls.append(time.perf_counter() - t)
            assert handled == 0
            t = time.perf_counter()
            await imap.noop()
            noops.append(time.perf_counter() - t)
        await imap.close()
        ctx.db.dispose()

        print_header("Email ingestion: Dovecot -> CCR", settings.database_url.split(":")[0], load_before)
        print(f"{'measure':58} {'value':>12}")
        print(f"{'raw IMAP UID FETCH BODY.PEEK[] (baseline), msgs/s':58} {raw_rate:12.0f}")
        print(f"{'Dovecot -> CCR through the email channel, msgs/s':58} {ingest_rate:12.0f}")
        print(f"{'  channel / raw':58} {ingest_rate / raw_rate:12.1%}")
        print(
            f"{'  events stored / distinct mails / duplicates':58} {total:>5} / {distinct} / {total - distinct}"
        )
        print(f"{'where a message goes (no app, private SQLite), ms/msg:':58}")
        for stage, seconds in stages.items():
            print(f"{'    ' + stage:58} {seconds * 1000 / args.messages:12.3f}")
        label = f"empty poll on a {last}-message folder, median ms"
        print(f"{label:58} {statistics.median(polls) * 1000:12.2f}")
        print(f"{'  max of 20, ms':58} {max(polls) * 1000:12.2f}")
        print(
            f"{'bare IMAP NOOP round trip (baseline), median ms':58} {statistics.median(noops) * 1000:12.2f}"
        )
        print(f"database: {settings.database_url.split(':')[0]}, messages: {args.messages}")
        print(RULE)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
