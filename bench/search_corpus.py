"""The synthetic CCR that bench/search.py searches: customers, conversations and messages.

Simplified and Traditional Chinese, English and mixed text with Zipf-like word
frequencies, plus emails, order numbers and phone numbers. :func:`load` builds the
store the product's way (``repository.upgrade``), then bulk-inserts rows cloned from
one real ingest (so every column the schema has is filled) and the index rows the
product's own analyser (``repository.search.text.tokens``) would write.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from repository import Database, InboundItem, ingest, upgrade
from repository.core.models import Queue
from repository.search.index import customer_sections
from repository.search.text import tokens

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


STATUSES = ["closed"] * 8 + ["wrapup", "active"]
Rows = list[dict[str, object]]


def corpus(messages: int, seed: int, now: datetime, batch: int = 50_000) -> Iterator[tuple[str, Rows]]:
    """("customers", rows), ("interactions", rows), then ("events", rows) in batches.

    Each row holds only the columns that differ from the template row; the same seed
    gives the same corpus, whichever store it is written to.
    """
    maker = TextMaker(seed)
    rng = maker.rng
    customers_n, interactions_n = max(1, messages // 50), max(1, messages // 10)
    customers: Rows = []
    for cid in range(2, customers_n + 2):
        name = rng.choice(ZH_NAMES) if rng.random() < 0.5 else f"{rng.choice(NAMES)} {rng.choice(NAMES)}"
        customers.append(
            {
                "id": cid,
                "display_name": name,
                "email": f"{name.split()[0].lower()}.{cid}@example.com"
                if " " in name
                else f"user{cid}@example.cn",
                "phone": f"+1415{rng.randint(0, 9_999_999):07d}",
            }
        )
    yield "customers", customers
    interactions: Rows = [
        {
            "id": iid,
            "customer_id": rng.randint(2, customers_n + 1),
            "channel": rng.choice(["chat", "chat", "email", "sms"]),
            "thread_key": f"bench-{iid}",
            "status": rng.choice(STATUSES),
            "agent_id": None,
        }
        for iid in range(2, interactions_n + 2)
    ]
    yield "interactions", interactions
    by_id = {c["id"]: c for c in interactions}
    for first in range(2, messages + 2, batch):
        events: Rows = []
        for eid in range(first, min(first + batch, messages + 2)):
            iid = rng.randint(2, interactions_n + 1)
            interaction = by_id[iid]
            # Ids follow time, as they do when the product stores messages as they arrive.
            when = now - timedelta(seconds=(messages + 2 - eid) * 365 * 86400 // messages)
            events.append(
                {
                    "id": eid,
                    "interaction_id": iid,
                    "customer_id": interaction["customer_id"],
                    "channel": interaction["channel"],
                    "kind": "note" if rng.random() < 0.05 else "message",
                    "author_type": rng.choice(["customer", "customer", "agent"]),
                    "body": maker.message(),
                    "external_id": None,
                    "created_at": when,
                }
            )
        yield "events", events


def customer_index_sections(customer: dict[str, object]) -> tuple[list[str], list[str]]:
    """What the write hook indexes for a customer with no identities besides its columns."""
    return customer_sections(str(customer["display_name"]), [str(customer["email"]), str(customer["phone"])])


def seed_store(url: str) -> None:
    """The schema, a default queue and one real ingest, whose rows the bulk load clones."""
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        session.add(Queue(name="support", is_default=True))
    # One real ingest gives template rows with every column the current schema has.
    ingest(db, InboundItem(channel="chat", identities=[("webchat", "template")], thread_key="t", body="seed"))
    db.dispose()


def load(url: str, path: Path, messages: int, seed: int) -> float:
    """Build the SQLite store at ``path``; returns the seconds the bulk load took."""
    seed_store(url)
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    tables = {}
    for table in ("customers", "interactions", "events"):
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 1")  # noqa: S608
        tables[table] = ([d[0] for d in cursor.description], cursor.fetchone())

    def rows(table: str, changes: Rows) -> tuple[str, list[tuple[object, ...]]]:
        columns, template = tables[table]
        base = dict(zip(columns, template, strict=True))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        return sql, [tuple({**base, **change}[c] for c in columns) for change in changes]

    conn.execute("BEGIN")
    for table, changes in corpus(messages, seed, datetime.now(UTC)):
        if table == "events":
            for e in changes:
                e["created_at"] = e["created_at"].strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[attr-defined]
        sql, data = rows(table, changes)
        conn.executemany(sql, data)
        if table == "customers":
            conn.executemany(
                "INSERT INTO search_customers(rowid, name, contact) VALUES (?, ?, ?)",
                [
                    (c["id"], " ".join(n), " ".join(k))
                    for c in changes
                    for n, k in [customer_index_sections(c)]
                ],
            )
        elif table == "events":
            conn.executemany(
                "INSERT INTO search_events(rowid, terms) VALUES (?, ?)",
                [(e["id"], " ".join(tokens(str(e["body"])))) for e in changes],
            )
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.close()
    return time.perf_counter() - start
