"""``contact-center widget add | rotate | list``: the secrets that verify visitor identity.

Each widget (one per site or brand) has its own HMAC secret; the site's server signs
a signed-in customer's email with it (docs/widget-identity.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from contact_center.cli_admin import command_runner
from repository.directory.widget_keys import create_widget_key, list_widget_keys, rotate_widget_key

if TYPE_CHECKING:
    from argparse import _SubParsersAction

    from repository import Database


def _add(db: Database, args: argparse.Namespace) -> int:
    row = create_widget_key(db, args.key)
    print(f"widget {row.key!r} created. Its identity secret (keep it on your server):", file=sys.stderr)
    print(row.secret)
    return 0


def _rotate(db: Database, args: argparse.Namespace) -> int:
    row = rotate_widget_key(db, args.key)
    print(f"widget {row.key!r} has a new identity secret; the old one no longer verifies:", file=sys.stderr)
    print(row.secret)
    return 0


def _list(db: Database, args: argparse.Namespace) -> int:
    for row in list_widget_keys(db):
        rotated = f"  rotated {row.rotated_at:%Y-%m-%d}" if row.rotated_at else ""
        print(f"{row.key:<24} created {row.created_at:%Y-%m-%d}{rotated}")
    return 0


def add_widget_commands(commands: _SubParsersAction[argparse.ArgumentParser]) -> None:
    widget = commands.add_parser("widget", help="manage web chat widgets and their identity secrets")
    sub = widget.add_subparsers(dest="widget_command", required=True)
    add = sub.add_parser("add", help="create a widget key; prints its secret")
    add.add_argument("key", help="e.g. shop (the page's data-widget)")
    add.set_defaults(func=command_runner(_add))
    rotate = sub.add_parser("rotate", help="replace a widget's secret; prints the new one")
    rotate.add_argument("key")
    rotate.set_defaults(func=command_runner(_rotate))
    sub.add_parser("list", help="list widgets (never their secrets)").set_defaults(func=command_runner(_list))
