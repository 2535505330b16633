"""The ``contact-center`` command: serve, migrate, demo, and admin helpers."""

from __future__ import annotations

import argparse
import logging
import socket
import sys

from config import load_settings
from contact_center.cli_admin import add_admin_commands
from contact_center.cli_commerce import add_commerce_commands
from contact_center.cli_widget import add_widget_commands
from contact_center.demo import DEMO_AGENTS, seed_demo
from repository import Database, upgrade


def _serve(args: argparse.Namespace) -> int:
    from contact_center.app import create_app
    from contact_center.serving import FreezingServer, uvicorn_config

    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade(settings.database_url)
    if not args.no_demo:
        db = Database(settings.database_url)
        seeded = seed_demo(db)
        db.dispose()
        base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
        print("\nContact Center is starting" + (" with fresh demo data" if seeded else "") + ":")
        print(f"  customer demo page : {base}/demo")
        print(f"  agent desktop      : {base}/agent")
        print(f"  supervisor         : {base}/supervisor  (reports: {base}/reports)")
        print(f"  admin pages        : {base}/admin")
        print(f"  health / metrics   : {base}/healthz  {base}/metrics")
        print(f"  REST API           : {base}/api/v1/openapi.json")
        print("  demo sign-ins      : " + ", ".join(f"{u} / {p} ({r})" for u, _, p, r, _ in DEMO_AGENTS))
        print(
            f"  database           : {settings.database_url.split('@')[-1]}   bus: {settings.bus_url.split('@')[-1]}\n"
        )
        sys.stdout.flush()

    def serve(sock: socket.socket | None = None) -> None:
        app = create_app(settings, migrate=False)
        config = uvicorn_config(
            app,
            settings,
            host=args.host,
            port=args.port,
            header_timeout=args.header_timeout,
            keep_alive=args.keep_alive,
            limit_concurrency=args.limit_concurrency,
        )
        FreezingServer(config).run(sockets=[sock] if sock is not None else None)

    if args.workers <= 1:
        serve()
        return 0
    from contact_center.workers import WorkersNeedSharedBus, bind, check_backends, run_workers

    try:
        check_backends(settings.bus_url, settings.database_url, args.workers)
    except WorkersNeedSharedBus as exc:
        print(f"contact-center serve: {exc}", file=sys.stderr)
        return 2
    return run_workers(args.workers, bind(args.host, args.port), serve)


def _migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url)
    print("database is at the newest schema")
    return 0


def _demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    print("demo data created" if seed_demo(db) else "the store already has agents or queues; nothing changed")
    db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contact-center", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the web app, API and channels")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-demo", action="store_true", help="do not seed demo data into an empty store")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing this port, the bus and the database (needs BUS_URL=redis://…; docs/operations.md)",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        help="seconds a connection may take to send its request headers (SERVE_HEADER_TIMEOUT_SECONDS, 10)",
    )
    serve.add_argument(
        "--keep-alive",
        type=float,
        help="seconds an idle kept-alive connection stays open (SERVE_KEEP_ALIVE_SECONDS, 5)",
    )
    serve.add_argument(
        "--limit-concurrency",
        type=int,
        help="connections and tasks before new requests get 503 (SERVE_LIMIT_CONCURRENCY, 25000; 0 = none)",
    )
    serve.set_defaults(func=_serve)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=_migrate)
    commands.add_parser("demo", help="seed demo queues, agents, codes and replies").set_defaults(func=_demo)
    add_admin_commands(commands)
    add_commerce_commands(commands)
    add_widget_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
