"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INBOUND = Counter("cc_inbound_messages_total", "Customer messages stored", ["channel"])
DUPLICATES = Counter("cc_inbound_duplicates_total", "Inbound items dropped as already stored", ["channel"])
OUTBOUND = Counter("cc_outbound_events_total", "Agent replies and notes stored", ["channel", "kind"])
BUS_EVENTS = Counter("cc_bus_events_total", "Events published on the bus", ["type"])
OFFERS = Counter("cc_offers_total", "Reservations made by the router", ["queue"])
REQUEUES = Counter("cc_requeues_total", "Contacts sent back to the queue", ["reason"])
QUEUE_DEPTH = Gauge("cc_queue_depth", "Contacts waiting, by queue", ["queue"])
AGENTS_AVAILABLE = Gauge("cc_agents_routable", "Agents available with a live desktop")
WS_CONNECTIONS = Gauge("cc_websocket_connections", "Open websockets", ["kind"])
ROUTER_PASS = Histogram("cc_router_pass_seconds", "Time one routing pass takes")
GC_PAUSE = Histogram(
    "cc_gc_pause_seconds",
    "Garbage-collection pauses of the serving process (contact_center/gc_pauses.py)",
    ["generation"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
)
BAD_FRAMES = Counter("cc_rejected_frames_total", "Websocket frames refused", ["kind", "code"])
