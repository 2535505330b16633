"""CCR search on SQLite (FTS5) and PostgreSQL (tsvector): any language, CJK included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from repository import Database, InboundItem, append_event, ingest
from repository.core.customers import create_customer, update_customer
from repository.core.models import Event, Interaction, utcnow
from repository.search import query as search_query
from repository.search.backend import backend
from repository.search.index import rebuild
from repository.search.query import Filters, search_customers, search_messages
from repository.search.text import query_terms, tokens
from tests.factories import make_queue, unique

HOSTILE = [
    '"',
    "*",
    "OR",
    "'",
    "NEAR(",
    "--",
    "%",
    "_",
    '"退货" OR *',
    "a' OR '1'='1",
    "退货 NEAR(x y)",
    ")(",
    "^",
]


def say(
    db: Database, body: str, *, visitor: str | None = None, channel: str = "chat", **kwargs: object
) -> Event:
    """One customer message, through ingest like every channel."""
    visitor = visitor or unique("v-")
    item = InboundItem(
        channel=channel,
        identities=[("webchat", visitor)],
        thread_key=visitor,
        body=body,
        external_id=unique("x-"),
        **kwargs,  # type: ignore[arg-type]
    )
    return ingest(db, item).event


def found(db: Database, query: str, **kwargs: object) -> list[str]:
    return [hit["snippet"] for hit in search_messages(db, query, **kwargs).hits]  # type: ignore[arg-type]


@pytest.fixture
def store(db: Database) -> Database:
    make_queue(db, "support", is_default=True)
    return db


def test_two_character_chinese_words_are_found_in_simplified_and_traditional_either_way(
    store: Database,
) -> None:
    say(store, "我要退货，发票在哪里？")
    say(store, "請問發票什麼時候寄出")
    say(store, "今天天气很好")

    assert found(store, "退货") == ["我要退货，发票在哪里？"]
    assert found(store, "退貨") == ["我要退货，发票在哪里？"]
    assert sorted(found(store, "发票")) == sorted(["我要退货，发票在哪里？", "請問發票什麼時候寄出"])
    assert sorted(found(store, "發票")) == sorted(found(store, "发票"))
    assert found(store, "天气") == ["今天天气很好"]
    assert found(store, "要退貨") == ["我要退货，发票在哪里？"]  # a phrase of bigrams
    assert found(store, "货发") == []  # the comma ends a run
    assert found(store, "退款") == []


def test_mixed_chinese_and_english_and_single_characters(store: Database) -> None:
    say(store, "我的iPhone退货了吗")
    say(store, "iPhone screen is broken")
    say(store, "退货 for my MacBook")

    assert found(store, "iPhone退货") == ["我的iPhone退货了吗"]
    assert found(store, "iphone 退貨") == ["我的iPhone退货了吗"]
    assert sorted(found(store, "退货")) == sorted(["我的iPhone退货了吗", "退货 for my MacBook"])
    assert found(store, "macbook 退货") == ["退货 for my MacBook"]
    assert sorted(found(store, "吗")) == ["我的iPhone退货了吗"]  # the last character of a run


def test_a_query_found_only_inside_a_longer_word(store: Database) -> None:
    say(store, "The parcel was refunded yesterday")
    say(store, "fun times")
    say(store, "Please reset my password")

    assert found(store, "fund") == ["The parcel was refunded yesterday"]
    assert found(store, "EFUNDE") == ["The parcel was refunded yesterday"]
    assert found(store, "sword") == ["Please reset my password"]
    assert sorted(found(store, "fun")) == sorted(["The parcel was refunded yesterday", "fun times"])
    # Trigram phrases never straddle two words: "dyes" is not in "refunded yesterday".
    assert found(store, "dyes") == []


def test_emails_order_numbers_and_phone_numbers_in_messages(store: Database) -> None:
    say(store, "Write to jane.doe@example.com about order #A-10042")
    say(store, "Call me on +1 415-555-0100")
    say(store, "john@example.org")

    assert found(store, "jane.doe@example.com") == ["Write to jane.doe@example.com about order #A-10042"]
    assert found(store, "doe@example") == ["Write to jane.doe@example.com about order #A-10042"]
    assert found(store, "10042") == ["Write to jane.doe@example.com about order #A-10042"]
    assert found(store, "415-555") == ["Call me on +1 415-555-0100"]
    assert found(store, "example.org") == ["john@example.org"]


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_is_plain_text_never_an_error(store: Database, query: str) -> None:
    say(store, "退货 OR near the 'quoted' \"words\" 100% done_now -- (x)")
    say(store, "nothing here")

    hits = search_messages(store, query, include_notes=True).hits
    customers = search_customers(store, query).hits

    assert len(hits) <= 1 and len(customers) <= 2
    for hit in hits:
        assert "退货 OR near" in hit["snippet"]


def test_operators_match_as_words(store: Database) -> None:
    say(store, "this OR that")
    say(store, "this and that")

    assert found(store, "OR that") == ["this OR that"]
    assert found(store, "NEAR(") == []


def test_customers_by_name_email_and_phone_fragment(store: Database) -> None:
    jane, _ = create_customer(
        store, display_name="Jane Doe", email="Jane.Doe@Example.com", phone="+1 415-555-0100"
    )
    wang, _ = create_customer(
        store, display_name="王伟", email="wang.wei@example.cn", phone="+86 138 0013 8000"
    )
    chen, _ = create_customer(store, display_name="陳美玲")

    def ids(query: str) -> list[int]:
        return [hit["customer"]["id"] for hit in search_customers(store, query).hits]

    assert ids("5550") == [jane.id]
    assert ids("415-555") == [jane.id]
    assert ids("(415) 555-01") == [jane.id]
    assert ids("0013") == [wang.id]
    assert ids("jane") == [jane.id]
    assert ids("doe@example.com") == [jane.id]
    assert ids("王伟") == [wang.id]
    assert ids("王偉") == [wang.id]
    assert ids("陈美玲") == [chen.id]
    assert ids("example.cn") == [wang.id]
    assert ids("nobody") == []

    update_customer(store, jane.id, display_name="Janet Roe")  # type: ignore[arg-type]
    assert ids("janet") == [jane.id]
    assert ids("doe jane") == [jane.id]  # the email still says jane.doe


def test_notes_only_when_asked_for(store: Database) -> None:
    event = say(store, "customer asks about the invoice")
    append_event(store, event.interaction_id, kind="note", author_type="agent", body="VIP: invoice disputed")

    assert found(store, "invoice") == ["customer asks about the invoice"]
    hits = search_messages(store, "invoice", include_notes=True).hits
    assert sorted((h["kind"], h["internal"]) for h in hits) == [("message", False), ("note", True)]
    assert found(store, "disputed") == []


def test_filters_channel_status_queue_agent_and_dates(store: Database) -> None:
    other_queue = make_queue(store, "billing")
    chat = say(store, "refund please, chat")
    sms = say(store, "refund please, sms", channel="sms")
    billing = say(store, "refund please, billing", queue_id=other_queue.id)
    with store.write() as session:
        interaction = session.get(Interaction, chat.interaction_id)
        assert interaction is not None
        interaction.status = "closed"
        interaction.agent_id = None
        session.add(interaction)
        old = session.get(Event, sms.id)
        assert old is not None
        old.created_at = utcnow() - timedelta(days=40)
        session.add(old)

    def only(**filters: object) -> list[str]:
        return sorted(found(store, "refund", filters=Filters(**filters)))  # type: ignore[arg-type]

    assert only(channel="sms") == ["refund please, sms"]
    assert only(status="closed") == ["refund please, chat"]
    assert only(queue_id=other_queue.id) == ["refund please, billing"]
    assert only(since=utcnow() - timedelta(days=30)) == ["refund please, billing", "refund please, chat"]
    assert only(until=utcnow() - timedelta(days=30)) == ["refund please, sms"]
    assert only(agent_id=12345) == []
    assert billing.id is not None


def test_ranking_puts_the_denser_match_first_and_ties_newest_first(store: Database) -> None:
    say(store, "refund status? I asked about shipping, billing, the colour, the size and the box yesterday")
    say(store, "refund refund refund")
    assert found(store, "refund")[0] == "refund refund refund"

    first = say(store, "发票 问题")
    second = say(store, "发票 问题")
    hits = search_messages(store, "问题").hits
    assert [h["event_id"] for h in hits] == [second.id, first.id]


def test_highlights_escape_html_and_mark_only_the_match(store: Database) -> None:
    say(store, '<script>alert("退貨")</script> & <b>refund</b>')

    hit = search_messages(store, "退货").hits[0]

    assert hit["snippet_html"] == (
        "&lt;script&gt;alert(&quot;<mark>退貨</mark>&quot;)&lt;/script&gt; &amp; &lt;b&gt;refund&lt;/b&gt;"
    )
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "退貨"
    assert "<script>" not in search_messages(store, "script").hits[0]["snippet_html"]


def test_long_messages_get_a_snippet_around_the_match(store: Database) -> None:
    say(store, "lorem ipsum " * 100 + "the tracking number is missing " + "dolor sit " * 100)

    hit = search_messages(store, "tracking").hits[0]

    assert len(hit["snippet"]) <= 162 and hit["snippet"].startswith("…") and hit["snippet"].endswith("…")
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "tracking"


def test_paging_walks_every_hit_once(store: Database) -> None:
    for n in range(7):
        say(store, f"订单 {n}")

    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = search_messages(store, "订单", offset=offset, limit=3)
        seen.extend(h["event_id"] for h in page.hits)
        offset = page.next_offset
    assert len(seen) == 7 == len(set(seen))


def test_text_is_stored_nfc_and_found_whatever_the_normal_form(store: Database) -> None:
    decomposed = "cafe\u0301 ordered"  # é as e + combining acute
    event = say(store, decomposed, display_name="Zoe\u0308")

    with store.read() as session:
        stored = session.exec(select(Event).where(Event.id == event.id)).one()
    assert stored.body == "caf\u00e9 ordered"
    assert found(store, "caf\u00e9") == ["caf\u00e9 ordered"]
    assert found(store, "cafe\u0301") == ["caf\u00e9 ordered"]
    assert [h["customer"]["display_name"] for h in search_customers(store, "zoë").hits] == ["Zo\u00eb"]


def test_a_failed_write_leaves_no_index_row_behind(store: Database) -> None:
    event = say(store, "rollback me 回滚")
    with pytest.raises(RuntimeError), store.write() as session:
        interaction = session.get(Interaction, event.interaction_id)
        session.add(
            Event(
                interaction_id=event.interaction_id,
                customer_id=interaction.customer_id,  # type: ignore[union-attr]
                channel="chat",
                kind="message",
                author_type="agent",
                body="never stored 幽灵",
            )
        )
        session.flush()
        raise RuntimeError("abort")

    assert found(store, "幽灵") == []
    assert found(store, "回滚") == ["rollback me 回滚"]


def test_looking_among_the_newest_ids_first_finds_the_same_page(
    store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id window (query._newest_first) only saves work: the hits never change."""
    monkeypatch.setattr(search_query, "CANDIDATES", 3)
    store_module = backend(store.dialect)
    old = [say(store, f"订单 old {n}") for n in range(4)]
    with store.write() as session:
        for event in old:
            interaction = session.get(Interaction, event.interaction_id)
            assert interaction is not None
            interaction.status = "closed"
            session.add(interaction)
    for n in range(6):
        say(store, f"订单 new {n} 订单" if n == 4 else f"订单 new {n}")
    searches = [
        ("订单", Filters(), 0),
        ("订单", Filters(), 2),
        ("订单", Filters(status="closed"), 0),
        ("old", Filters(), 0),
        ("new", Filters(), 1),
    ]

    def pages() -> list[list[int]]:
        return [
            [h["event_id"] for h in search_messages(store, q, filters=f, offset=o, limit=2).hits]
            for q, f, o in searches
        ]

    monkeypatch.setattr(store_module, "NEWEST_WINDOW", 0)
    everything = pages()
    for window in (1, 2, 5):
        monkeypatch.setattr(store_module, "NEWEST_WINDOW", window)
        assert pages() == everything
    # Ranked among the newest 3 matches: the denser one first, then newest first.
    assert [found(store, "订单", limit=3)] == [["订单 new 4 订单", "订单 new 5", "订单 new 3"]]
    assert len(everything[2]) == 2 and everything[3] != []


def test_rebuild_gives_the_same_answers(store: Database) -> None:
    say(store, "發票 invoice")
    create_customer(store, display_name="Li Na", phone="+1 415 555 0199")
    before = (
        found(store, "发票"),
        [h["customer"]["display_name"] for h in search_customers(store, "0199").hits],
    )

    with store.engine.begin() as conn:
        rebuild(conn)

    after = (
        found(store, "发票"),
        [h["customer"]["display_name"] for h in search_customers(store, "0199").hits],
    )
    assert before == after == (["發票 invoice"], ["Li Na"])


def test_the_analyser_cuts_cjk_into_bigrams_and_words_into_trigrams() -> None:
    assert tokens("我要退貨") == ["我要", "要退", "退货", "货"]
    assert tokens("Refunded!") == ["refunded", "ref", "efu", "fun", "und", "nde", "ded"]
    assert [t.tokens for t in query_terms("iPhone退貨")] == [("iph", "pho", "hon", "one"), ("退货",)]
    assert query_terms('"*" OR -- % _') == [query_terms("or")[0]]
