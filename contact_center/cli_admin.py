"""Admin helpers for the ``contact-center`` command: agents, queues, codes, replies, keys.

Each command brings the schema up to date first, so it works on a fresh database.
Bad input ends with a one-line message on stderr and exit status 2, like argparse's
own usage errors; nothing prints a traceback at an operator.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from config import load_settings
from contact_center.api.scopes import parse_scopes
from repository import ContactCenterError, Database, upgrade
from repository.core.models import CHANNELS, ROLES, STRATEGIES
from repository.directory import (
    create_agent,
    create_canned_reply,
    create_queue,
    create_wrapup_code,
    ensure_skills,
    list_agents,
    list_queues,
    update_agent,
)
from repository.directory.api_keys import create_api_key, revoke_api_key
from repository.directory.configuration import (
    agent_by_username,
    guard_last_admin,
    list_api_keys,
    make_default_queue,
)
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from argparse import _SubParsersAction

Command = Callable[[Database, argparse.Namespace], int]
USAGE_ERROR = 2


def _skills(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def _capacity(value: str) -> dict[str, int]:
    """``chat=3,email=5`` as a dict; argparse turns a ValueError into a usage error."""
    capacity: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        channel, sep, number = part.partition("=")
        if not sep or channel.strip() not in CHANNELS or not number.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"capacity is channel=number pairs, channels {', '.join(CHANNELS)}: got {part!r}"
            )
        capacity[channel.strip()] = int(number)
    return capacity


def _row_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 0 < int(value[:12]) < 2**31:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}")
    return int(value)


def _password(args: argparse.Namespace, *, required: bool) -> str | None:
    """From --password, from stdin with --password-stdin, or asked for twice on a terminal."""
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not required:
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise InvalidInput("the passwords do not match", field="password")
    return first


def command_runner(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        try:
            upgrade(settings.database_url)
            db = Database(settings.database_url)
        except Exception as exc:  # a wrong URL or an unreachable server
            print(f"error: cannot open the database: {exc}", file=sys.stderr)
            return 1
        try:
            return command(db, args)
        except ContactCenterError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return USAGE_ERROR
        finally:
            db.dispose()

    return run


def _agent_add(db: Database, args: argparse.Namespace) -> int:
    password = _password(args, required=True)
    assert password is not None
    agent = create_agent(
        db,
        args.username,
        args.name or args.username,
        password,
        role=args.role,
        skills=args.skills or [],
        capacity=args.capacity or {},
    )
    ensure_skills(db, agent.skills)
    print(f"agent {agent.username} created (id {agent.id}, role {agent.role})")
    return 0


def _agent_set(db: Database, args: argparse.Namespace) -> int:
    agent = agent_by_username(db, args.username)
    changes: dict[str, Any] = {
        "display_name": args.name,
        "role": args.role,
        "skills": args.skills,
        "capacity": args.capacity,
        "is_active": args.active,
        "password": _password(args, required=False),
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise InvalidInput("nothing to change; see `contact-center agent set --help`")
    guard_last_admin(db, agent.id, changes)  # type: ignore[arg-type]
    agent = update_agent(db, agent.id, **changes)  # type: ignore[arg-type]
    ensure_skills(db, agent.skills)
    print(f"agent {agent.username} updated")
    return 0


def _agent_list(db: Database, args: argparse.Namespace) -> int:
    print(f"{'ID':>4}  {'USERNAME':<16} {'ROLE':<10} {'ACTIVE':<6}  {'SKILLS':<28} CAPACITY")
    for a in list_agents(db):
        capacity = ",".join(f"{k}={v}" for k, v in a.capacity.items()) or "default"
        active = "yes" if a.is_active else "no"
        print(f"{a.id:>4}  {a.username:<16} {a.role:<10} {active:<6}  {','.join(a.skills):<28} {capacity}")
    return 0


def _queue_add(db: Database, args: argparse.Namespace) -> int:
    queue = create_queue(
        db,
        args.name,
        description=args.description,
        required_skills=args.skills or [],
        priority=args.priority,
        strategy=args.strategy,
    )
    if args.default:
        queue = make_default_queue(db, queue.id)  # type: ignore[arg-type]
    print(f"queue {queue.name} created (id {queue.id})" + (", the default queue" if queue.is_default else ""))
    return 0


def _queue_list(db: Database, args: argparse.Namespace) -> int:
    print(f"{'ID':>4}  {'NAME':<20} {'PRIORITY':>8}  {'STRATEGY':<13} {'DEFAULT':<7}  SKILLS")
    for q in list_queues(db):
        default = "yes" if q.is_default else ""
        skills = ",".join(q.required_skills)
        print(f"{q.id:>4}  {q.name:<20} {q.priority:>8}  {q.strategy:<13} {default:<7}  {skills}")
    return 0


def _wrapup_add(db: Database, args: argparse.Namespace) -> int:
    code = create_wrapup_code(db, args.code, args.label)
    print(f"wrap-up code {code.code} created (id {code.id})")
    return 0


def _canned_add(db: Database, args: argparse.Namespace) -> int:
    reply = create_canned_reply(db, args.shortcut, args.title, args.body)
    print(f"canned reply /{reply.shortcut} created (id {reply.id})")
    return 0


def _apikey_create(db: Database, args: argparse.Namespace) -> int:
    token, row = create_api_key(db, args.name, parse_scopes(args.scopes))
    print(
        f"API key {row.name!r} created (id {row.id}, scopes {row.scopes}). It is shown only this once:",
        file=sys.stderr,
    )
    print(token)
    return 0


def _apikey_revoke(db: Database, args: argparse.Namespace) -> int:
    if not revoke_api_key(db, args.id):
        raise NotFound("no API key with id %(id)s", params={"id": args.id})
    print(f"API key {args.id} revoked")
    return 0


def _apikey_list(db: Database, args: argparse.Namespace) -> int:
    for key in list_api_keys(db):
        status = "active" if key.is_active else "revoked"
        print(f"{key.id:>4}  {key.prefix}…  {status:<8} {key.scopes:<17} {key.name}")
    return 0


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password", help="the password (visible in the process list; prefer a prompt)")
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")


def _agent_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument("username")
    parser.add_argument("--name", help="display name")
    parser.add_argument("--role", choices=ROLES, default=None if editing else "agent")
    parser.add_argument("--skills", type=_skills, help="comma-separated, e.g. general,billing")
    parser.add_argument("--capacity", type=_capacity, help="per channel, e.g. chat=3,email=5")
    _password_options(parser)


def add_admin_commands(commands: _SubParsersAction[argparse.ArgumentParser]) -> None:
    def group(name: str, help_text: str) -> _SubParsersAction[argparse.ArgumentParser]:
        parser = commands.add_parser(name, help=help_text)
        return parser.add_subparsers(dest=f"{name}_command", required=True)

    def command(
        sub: _SubParsersAction[argparse.ArgumentParser], name: str, fn: Command, help_text: str
    ) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text)
        parser.set_defaults(func=command_runner(fn))
        return parser

    agent = group("agent", "manage agents")
    _agent_options(command(agent, "add", _agent_add, "create an agent"), editing=False)
    set_agent = command(agent, "set", _agent_set, "change an agent")
    _agent_options(set_agent, editing=True)
    active = set_agent.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_const", const=True, default=None)
    active.add_argument("--inactive", dest="active", action="store_const", const=False)
    command(agent, "list", _agent_list, "list agents")

    queue = group("queue", "manage queues")
    add_queue = command(queue, "add", _queue_add, "create a queue")
    add_queue.add_argument("name")
    add_queue.add_argument("--description", default="")
    add_queue.add_argument("--skills", type=_skills, help="required skills, comma-separated")
    add_queue.add_argument("--priority", type=int, default=0, help="-100 to 100; higher is served first")
    add_queue.add_argument("--strategy", choices=STRATEGIES, default="longest_idle")
    add_queue.add_argument("--default", action="store_true", help="make this the default queue")
    command(queue, "list", _queue_list, "list queues")

    wrapup = group("wrapup", "manage wrap-up codes")
    add_code = command(wrapup, "add", _wrapup_add, "create a wrap-up code")
    add_code.add_argument("code")
    add_code.add_argument("label")

    canned = group("canned", "manage canned replies")
    add_reply = command(canned, "add", _canned_add, "create a canned reply")
    add_reply.add_argument("shortcut")
    add_reply.add_argument("title")
    add_reply.add_argument("body")

    apikey = group("apikey", "manage REST API keys")
    create_key = command(apikey, "create", _apikey_create, "create a key; prints it once")
    create_key.add_argument("name")
    create_key.add_argument(
        "--scopes", default="read,write", help="comma-separated: read, write, admin (default read,write)"
    )
    command(apikey, "revoke", _apikey_revoke, "revoke a key").add_argument("id", type=_row_id)
    command(apikey, "list", _apikey_list, "list keys (never the keys themselves)")
