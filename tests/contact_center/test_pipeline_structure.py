"""Structure the event pipeline relies on, checked on the source itself.

- Only the node's dispatcher subscribes to the bus; every long-running loop uses
  ``follow()`` (contact_center/bus/follow.py), sockets use an ``Outlet``.
- No module imports another module's private names (``from x import _y`` or
  ``x._y``): a repository function that others need is made public, so its
  guarantees (e.g. ``lifecycle.transition`` recording its events) cannot be skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contact_center", "channels", "agent_ui", "repository", "config")
# Where a bus subscription may be opened: the backends define it, the dispatcher reads it.
SUBSCRIBERS = {
    "contact_center/bus/dispatch.py",
    "contact_center/bus/memory.py",
    "contact_center/bus/redis.py",
}


def sources() -> list[Path]:
    return sorted(
        p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts
    )


def test_only_the_dispatcher_subscribes_to_the_bus() -> None:
    offenders = []
    for path in sources():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Attribute) and node.attr == "subscribe" and relative not in SUBSCRIBERS:
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == [], "use contact_center.bus.follow.follow() or an Outlet instead"


# Modules whose private names nobody else may use: the repository (so a transition
# cannot skip recording its events) and the pipeline itself.
PROTECTED = ("repository", "contact_center.bus", "contact_center.hub")


def _project(module: str) -> bool:
    return module == PROTECTED[0] or any(module == p or module.startswith(p + ".") for p in PROTECTED)


# Inside the repository too, nobody reaches into these (e.g. lifecycle._status_event).
SEALED = (
    "repository.core.lifecycle",
    "repository.events.outbox",
    "repository.events.bus",
    "repository.core.ingest",
)


def _guarded(module: str, importer: str) -> bool:
    if not _project(module) or module == importer:
        return False
    return (
        module.split(".")[0] != importer.split(".")[0]
        or module in SEALED
        or module.startswith("contact_center.bus")
    )


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"  # "_" is gettext


def test_no_module_uses_another_modules_private_names() -> None:
    offenders = []
    for path in sources():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), relative)
        own = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and _guarded(node.module, own):
                for alias in node.names:
                    if _private(alias.name):
                        offenders.append(f"{relative}:{node.lineno} imports {node.module}.{alias.name}")
                    imported.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _guarded(alias.name, own):
                        imported.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and _private(node.attr)
            ):
                offenders.append(f"{relative}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offenders == []
