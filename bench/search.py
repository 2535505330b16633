"""CCR search over 1,000,000 stored messages: the product's search next to a raw FTS5 query.

    python bench/search.py                      # 1,000,000 messages in a temp dir
    python bench/search.py --messages 200000 --keep /tmp/search-bench

Builds a SQLite store the product's way (``repository.upgrade``), then loads
customers, interactions and messages with ``executemany`` in one transaction:
Simplified and Traditional Chinese, English, mixed text, emails, order numbers and
phone numbers. The index rows come from the product's own analyser
(``repository.search_text.tokens``) into the product's own FTS5 table, exactly what
the write hook would store. Then a realistic query mix runs through
``repository.search.search_messages`` / ``search_customers`` and, in the same run on
the same data, as a raw ``SELECT rowid FROM search_events WHERE search_events MATCH ?
ORDER BY rank LIMIT 20``. Prints p50/p95/p99 for both.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repository import Database, InboundItem, ingest, upgrade  # noqa: E402
from repository.models import Queue  # noqa: E402
from repository.search import CANDIDATES, Filters, fts5_query, search_customers, search_messages  # noqa: E402
from repository.search_index import customer_sections  # noqa: E402
from repository.search_text import query_terms, tokens  # noqa: E402

ZH = (
    "退货 发票 订单 物流 快递 退款 地址 发货 质量 客服 优惠券 会员 积分 换货 尺码 颜色 价格 支付 取消 修改 "
    "手机 电脑 耳机 屏幕 电池 充电器 保修 维修 安装 说明书 包装 破损 延迟 签收 投诉 评价 发票抬头 税号 "
    "账户 密码 登录 验证码 银行卡 信用卡 分期 折扣 活动 赠品 库存 预售 门店 配送 运费 包邮 国际 海关"
).split()
ZH_FILLER = "我 你 的 了 是 在 有 这 个 吗 呢 请 帮 要 想 还 没 已经 什么 时候 为什么 怎么 可以 谢谢 麻烦 一下 今天 昨天".split()
EN = (
    "refund order delivery invoice shipping tracking password account payment card discount coupon "
    "return exchange size colour price cancel change phone laptop headphones screen battery charger "
    "warranty repair install manual package damaged delayed signed complaint review membership points "
    "address customs international store stock preorder subscription upgrade downgrade billing receipt"
).split()
EN_FILLER = (
    "i my the a is was to for please can you it not still when why how thanks hello yesterday today".split()
)
NAMES = "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Smith Jones Brown Garcia Miller Davis Lopez Tan Lim Ng".split()
ZH_NAMES = "王伟 李娜 张敏 刘洋 陈静 杨磊 黄丽 赵强 吴芳 周杰 林志明 陳美玲 黃家豪 張偉 劉德華".split()


def zipf_choice(rng: random.Random, words: list[str]) -> str:
    # Early words are common, late ones rare, as in real traffic.
    return (
        words[min(int(rng.paretovariate(1.0)) - 1, len(words) - 1)]
        if rng.random() < 0.7
        else rng.choice(words)
    )


class TextMaker:
    def __init__(self, seed: int) -> None:
        import opencc

        self.rng = random.Random(seed)
        self.s2t = opencc.OpenCC("s2t")
        self.zh_trad = [self.s2t.convert(w) for w in ZH]
        self.filler_trad = [self.s2t.convert(w) for w in ZH_FILLER]

    def chinese(self, traditional: bool) -> str:
        rng = self.rng
        words, filler = (self.zh_trad, self.filler_trad) if traditional else (ZH, ZH_FILLER)
        parts = []
        for _ in range(rng.randint(3, 9)):
            parts.append(zipf_choice(rng, words) if rng.random() < 0.45 else rng.choice(filler))
        return "".join(parts) + rng.choice("。？！，")

    def english(self) -> str:
        rng = self.rng
        words = [
            zipf_choice(rng, EN) if rng.random() < 0.4 else rng.choice(EN_FILLER)
            for _ in range(rng.randint(4, 14))
        ]
        return " ".join(words).capitalize() + rng.choice(".?!")

    def message(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            text = self.chinese(traditional=False)
        elif roll < 0.45:
            text = self.chinese(traditional=True)
        elif roll < 0.75:
            text = self.english()
        else:
            text = f"{rng.choice(['iPhone', 'MacBook', 'AirPods', 'Galaxy', 'Kindle'])}{self.chinese(rng.random() < 0.3)}"
        extra = rng.random()
        if extra < 0.08:
            text += f" 订单号 #{rng.randint(10_000_000, 99_999_999)}"
        elif extra < 0.13:
            text += f" mail me at {rng.choice(NAMES).lower()}.{rng.randint(1, 9999)}@example.com"
        elif extra < 0.17:
            text += f" call +1 415-555-{rng.randint(0, 9999):04d}"
        return text


def load(url: str, path: Path, messages: int, seed: int) -> float:
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        session.add(Queue(name="support", is_default=True))
    # One real ingest gives template rows with every column the current schema has.
    ingest(db, InboundItem(channel="chat", identities=[("webchat", "template")], thread_key="t", body="seed"))
    db.dispose()
    maker = TextMaker(seed)
    rng = maker.rng
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    tables = {}
    for table in ("customers", "interactions", "events"):
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 1")  # noqa: S608
        tables[table] = ([d[0] for d in cursor.description], cursor.fetchone())

    def rows(table: str, changes: list[dict[str, object]]) -> tuple[str, list[tuple[object, ...]]]:
        columns, template = tables[table]
        base = dict(zip(columns, template, strict=True))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        return sql, [tuple({**base, **change}[c] for c in columns) for change in changes]

    customers_n, interactions_n = max(1, messages // 50), max(1, messages // 10)
    now = datetime.now(UTC)
    conn.execute("BEGIN")
    customer_changes = []
    for cid in range(2, customers_n + 2):
        name = rng.choice(ZH_NAMES) if rng.random() < 0.5 else f"{rng.choice(NAMES)} {rng.choice(NAMES)}"
        customer_changes.append(
            {
                "id": cid,
                "display_name": name,
                "email": f"{name.split()[0].lower()}.{cid}@example.com"
                if " " in name
                else f"user{cid}@example.cn",
                "phone": f"+1415{rng.randint(0, 9_999_999):07d}",
            }
        )
    sql, data = rows("customers", customer_changes)
    conn.executemany(sql, data)
    conn.executemany(
        "INSERT INTO search_customers(rowid, name, contact) VALUES (?, ?, ?)",
        [
            (c["id"], " ".join(n), " ".join(k))
            for c in customer_changes
            for n, k in [customer_sections(str(c["display_name"]), [str(c["email"]), str(c["phone"])])]
        ],
    )
    statuses = ["closed"] * 8 + ["wrapup", "active"]
    interaction_changes = [
        {
            "id": iid,
            "customer_id": rng.randint(2, customers_n + 1),
            "channel": rng.choice(["chat", "chat", "email", "sms"]),
            "thread_key": f"bench-{iid}",
            "status": rng.choice(statuses),
            "agent_id": None,
        }
        for iid in range(2, interactions_n + 2)
    ]
    sql, data = rows("interactions", interaction_changes)
    conn.executemany(sql, data)
    by_id = {c["id"]: c for c in interaction_changes}
    batch = 50_000
    for first in range(2, messages + 2, batch):
        event_changes = []
        for eid in range(first, min(first + batch, messages + 2)):
            iid = rng.randint(2, interactions_n + 1)
            interaction = by_id[iid]
            # Ids follow time, as they do when the product stores messages as they arrive.
            when = now - timedelta(seconds=(messages + 2 - eid) * 365 * 86400 // messages)
            event_changes.append(
                {
                    "id": eid,
                    "interaction_id": iid,
                    "customer_id": interaction["customer_id"],
                    "channel": interaction["channel"],
                    "kind": "note" if rng.random() < 0.05 else "message",
                    "author_type": rng.choice(["customer", "customer", "agent"]),
                    "body": maker.message(),
                    "external_id": None,
                    "created_at": when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                }
            )
        sql, data = rows("events", event_changes)
        conn.executemany(sql, data)
        conn.executemany(
            "INSERT INTO search_events(rowid, terms) VALUES (?, ?)",
            [(e["id"], " ".join(tokens(str(e["body"])))) for e in event_changes],
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.close()
    return time.perf_counter() - start


QUERIES = [
    "退货", "发票", "發票", "退貨", "物流", "快递", "优惠券", "發票抬頭", "保修", "海关",
    "refund", "invoice", "warranty", "tracking number", "damaged package", "fund", "voice",
    "iPhone退货", "MacBook 维修", "AirPods 耳機", "订单号", "example.com", "415-555",
    "我要退货", "什么时候发货", "password reset", "customs", "preorder",
]  # fmt: skip
CUSTOMER_QUERIES = ["王伟", "張偉", "smith", "garcia.1", "5550", "+1 415", "example.cn", "lim"]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


def run(url: str, path: Path, rounds: int) -> None:
    db = Database(url)
    raw = sqlite3.connect(path)
    now = datetime.now(UTC)
    mix: list[tuple[str, object]] = []
    for q in QUERIES:
        mix.append(("messages", (q, Filters())))
    for q in QUERIES[:8]:
        mix.append(("messages", (q, Filters(channel="email", since=now - timedelta(days=30)))))
        mix.append(("messages", (q, Filters(status="active"))))
    for q in CUSTOMER_QUERIES:
        mix.append(("customers", q))
    product: list[float] = []
    baseline: list[float] = []
    capped: list[float] = []
    slowest: list[tuple[float, str]] = []
    for _ in range(rounds):
        for kind, arg in mix:
            if kind == "messages":
                q, filters = arg  # type: ignore[misc]
                match = fts5_query(query_terms(q))
                table = "search_events"
            else:
                q, filters = arg, None  # type: ignore[assignment]
                match = fts5_query(query_terms(q, phone=True))
                table = "search_customers"
            t0 = time.perf_counter()
            raw.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT 20", (match,)
            ).fetchall()  # noqa: S608
            baseline.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            raw.execute(
                f"SELECT id FROM (SELECT rowid AS id, bm25({table}) AS score FROM {table} WHERE {table} MATCH ?"  # noqa: S608
                f" ORDER BY rowid DESC LIMIT {CANDIDATES}) ORDER BY score LIMIT 20",
                (match,),
            ).fetchall()
            capped.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            if kind == "messages":
                search_messages(db, q, filters=filters, include_notes=True, limit=20)
            else:
                search_customers(db, q, limit=20)
            elapsed = (time.perf_counter() - t0) * 1000
            product.append(elapsed)
            slowest.append((elapsed, f"{kind}:{q}:{filters}"))
    p = percentiles(product)
    b = percentiles(baseline)
    c = percentiles(capped)
    print(f"\n{len(product)} searches ({len(mix)} distinct, {rounds} rounds)")
    print(f"{'':34}{'p50':>9}{'p95':>9}{'p99':>9}  (ms)")
    print(f"{'product search (ranked+snippets)':34}{p[0]:9.1f}{p[1]:9.1f}{p[2]:9.1f}")
    print(f"{'raw FTS5 MATCH ORDER BY rank':34}{b[0]:9.1f}{b[1]:9.1f}{b[2]:9.1f}")
    print(f"{'raw FTS5, newest 1,100 ranked':34}{c[0]:9.1f}{c[1]:9.1f}{c[2]:9.1f}")
    print("slowest:", ", ".join(f"{label} {ms:.0f} ms" for ms, label in sorted(slowest, reverse=True)[:5]))
    raw.close()
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store in this directory")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="cc-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "ccr.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        seconds = load(url, path, args.messages, args.seed)
        size = sum(f.stat().st_size for f in workdir.iterdir()) / 1e6
        print(f"loaded {args.messages:,} messages + index in {seconds:.0f} s; store {size:,.0f} MB at {path}")
    else:
        print(f"reusing {path}")
    run(url, path, args.rounds)
    if args.keep is None:
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
