"""Judging and printing a bench/chat_loop.py run: exactly-once checks, latencies, baselines.

:func:`judge` turns what the clients saw into a :class:`Verdict` (lost, duplicated,
misrouted, stored twice, unacknowledged, unpublished); :func:`report` prints it with
the routing and chat figures, the server's own counters and the raw baselines.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from bench.chat_loop_clients import Stats
from bench.harness import RULE, ms3, print_header


@dataclass
class RunResult:
    stats: Stats
    visitors: int
    messages: int
    routing_started: float = 0.0
    routing_offered: float = 0.0
    routing_accepted: float = 0.0
    chat_started: float = 0.0
    chat_sent_done: float = 0.0
    chat_finished: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    stored_messages: int = -1
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Verdict:
    expected: int = 0
    delivered: int = 0
    lost: list[tuple[int, int]] = field(default_factory=list)
    duplicated: int = 0
    overlap: int = 0
    wrong_agent: int = 0
    stored_twice: int = 0
    unacked: int = 0
    unpublished: int = 0
    acked_twice: int = 0
    live_latency: list[float] = field(default_factory=list)
    offer_latency: list[float] = field(default_factory=list)
    ack_latency: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.wrong_agent
            or self.stored_twice
            or self.unacked
            or self.unpublished
        )


def judge(result: RunResult) -> Verdict:
    stats = result.stats
    verdict = Verdict(expected=len(stats.sent))
    holder = {iid: offers[-1][0] for iid, offers in stats.offers.items()}
    for key, sent_at in stats.sent.items():
        if key in stats.acked:
            verdict.ack_latency.append(stats.acked[key][0] - sent_at)
            verdict.unpublished += stats.acked[key][1] not in stats.echoed
        else:
            verdict.unacked += 1
        verdict.acked_twice += max(0, stats.ack_count.get(key, 0) - 1)
        right = holder.get(stats.conversation.get(key[0], -1))
        deliveries = stats.deliveries.get(key, [])
        mine = [d for d in deliveries if d.agent == right]
        verdict.wrong_agent += len(deliveries) - len(mine)
        if not mine:
            verdict.lost.append(key)
            continue
        verdict.delivered += 1
        if len({d.event_id for d in mine}) > 1:
            verdict.stored_twice += 1  # two CCR events for one client_id: idempotency broke
        live = [d for d in mine if d.path == "live"]
        offered = [d for d in mine if d.path == "offer"]
        verdict.duplicated += max(0, len(live) - 1) + max(0, len(offered) - 1)
        if live and offered:
            verdict.overlap += 1
        first = min(mine, key=lambda d: d.at)
        (verdict.live_latency if first.path == "live" else verdict.offer_latency).append(first.at - sent_at)
    return verdict


def report(
    args: argparse.Namespace, result: RunResult | None, baselines: dict[str, float], db_kind: str
) -> Verdict | None:
    print_header(
        f"chat_loop  {args.visitors} visitors, {args.agents} agents, 1 opening + {args.messages} follow-up "
        f"messages each, pipeline {args.pipeline}{', rush' if args.rush else ''}",
        f"store {db_kind}, bus {args.bus_url.split('@')[-1]}",
        args.load_before,
    )
    verdict = None
    if result is not None:
        stats = result.stats
        verdict = judge(result)
        n = args.visitors
        offer_times = [offers[0][1] - result.routing_started for offers in stats.offers.values()]
        print("routing (every visitor's opening message creates a contact)")
        print(f"  contacts offered / accepted        {len(stats.offers)} / {len(stats.accepted)} of {n}")
        if result.routing_offered:
            print(
                f"  all offered after                  {result.routing_offered - result.routing_started:.2f} s"
            )
        if result.routing_accepted:
            print(
                f"  all accepted after                 {result.routing_accepted - result.routing_started:.2f} s"
            )
        print(f"  time to offer p50 / p99 / max      {ms3(offer_times)}")
        reoffers = sum(len(o) - 1 for o in stats.offers.values())
        print(f"  offers made twice                  {reoffers}")
        print("chat (visitor send → the holding agent receives it)")
        chat_msgs = len(verdict.live_latency)
        span = result.chat_finished - result.chat_started
        print(
            f"  messages delivered                 {verdict.delivered} / {verdict.expected}"
            f"   ({len(verdict.offer_latency)} inside offers, {chat_msgs} as live event frames)"
        )
        if args.rush and span > 0:
            rate = verdict.delivered / span
            print(
                f"  throughput, all messages           {rate:,.0f} msg/s  ({verdict.delivered} in {span:.2f} s)"
            )
        elif chat_msgs and span > 0:
            print(
                f"  throughput, follow-ups             {chat_msgs / span:,.0f} msg/s  ({chat_msgs} in {span:.2f} s)"
            )
        print(f"  live delivery p50 / p99 / max      {ms3(verdict.live_latency)}")
        print(f"  via offer  p50 / p99 / max         {ms3(verdict.offer_latency)}")
        print(f"  ack (stored) p50 / p99 / max       {ms3(verdict.ack_latency)}")
        elapsed = result.chat_finished - result.routing_started
        if elapsed > 0:
            print(
                f"  CPU while measuring                server {result.server_cpu / elapsed:.0%} of a core, "
                f"bench client {result.client_cpu / elapsed:.0%}"
            )
        print("exactly once")
        print(
            f"  lost                               {len(verdict.lost)}"
            + (f"  e.g. {verdict.lost[:5]}" if verdict.lost else "")
        )
        print(f"  duplicated                         {verdict.duplicated}")
        print(
            f"  in offer snapshot and live again   {verdict.overlap}   (a desktop must de-duplicate by event id)"
        )
        print(f"  delivered to the wrong agent       {verdict.wrong_agent}")
        print(f"  stored twice (two event ids)       {verdict.stored_twice}")
        print(f"  never acknowledged / acked twice   {verdict.unacked} / {verdict.acked_twice}")
        print(f"  customer messages in the CCR       {result.stored_messages} (expected {verdict.expected})")
        # Published after the commit; one that failed is in the CCR but reached nobody live.
        print(f"  stored, never seen on the bus      {verdict.unpublished}   (no echo to the visitor)")
        if stats.errors:
            print(f"  error frames                       {len(stats.errors)}  e.g. {stats.errors[:3]}")
        if stats.closes:
            print(f"  sockets closed by the server       {len(stats.closes)}  e.g. {stats.closes[:3]}")
        m = result.metrics
        if m:
            print("server internals (from its /metrics)")
            passes = m.get("cc_router_pass_seconds_count", 0)
            if passes:
                total = m.get("cc_router_pass_seconds_sum", 0)
                print(
                    f"  router passes                      {passes:.0f}, {total:.2f} s in all, {total / passes * 1000:.0f} ms each"
                )
            events = {k: v for k, v in m.items() if not k.startswith("cc_")}
            published = sum(events.values())
            subscribers = args.visitors + args.agents
            print(
                f"  bus events published               {published:,.0f} ("
                + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(events.items(), key=lambda kv: -kv[1]))
                + ")"
            )
            print(
                f"  each goes to every subscription    ~{subscribers} websocket subscriptions → "
                f"~{published * subscribers:,.0f} wake-ups to filter"
            )
    print("raw baselines (same run, same machine)")
    if "sqlite" in baselines:
        print(
            f"  {'SQLite INSERT+COMMIT, WAL, synchronous=NORMAL':<46} {baselines['sqlite']:>10,.0f} commits/s"
        )
    if "echo1" in baselines:
        print(f"  {'Starlette ws echo under uvicorn, 1 client':<46} {baselines['echo1']:>10,.0f} msg/s")
        label = f"Starlette ws echo, {args.echo_clients} clients at once"
        print(f"  {label:<46} {baselines['echoN']:>10,.0f} msg/s")
    print(RULE)
    return verdict
