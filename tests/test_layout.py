"""The code's shape, checked on the source itself, so a newcomer's map stays true.

- No import circles between the product's modules. Every import counts: at module
  level, inside a function, and under ``TYPE_CHECKING`` (a circle hidden there still
  means two modules that cannot be understood, tested or moved apart).
- No module uses another module's private names (``from x import _y`` or ``x._y``): what
  another module needs is made public, with a name that says what it is for.
- ``repository/`` and ``agent_ui/`` are grouped by concept into packages; only plumbing
  stays flat at the top (docs/architecture.md has the map).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("contact_center", "channels", "agent_ui", "repository", "config")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = path.relative_to(ROOT).as_posix().removesuffix(".py").replace("/", ".")
            found[name.removesuffix(".__init__")] = path
    return found


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The module that ``name`` (a module or a name inside one) lives in."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # ``from a.b import c`` imports module a.b.c when there is one, else a name of a.b.
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                owner = _owner(target, known)
                if owner and owner != name:
                    graph[name].add(owner)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    assert circles(import_graph(modules())) == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"  # "_" is gettext


def test_no_module_uses_another_modules_private_names() -> None:
    known = modules()
    offenders = []
    for own, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in PACKAGES or node.module == own:
                    continue
                for alias in node.names:
                    if _private(alias.name):
                        offenders.append(f"{own}:{node.lineno} imports {node.module}.{alias.name}")
                    if f"{node.module}.{alias.name}" in known:
                        imported.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES and alias.name != own:
                        imported.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and _private(node.attr)
            ):
                offenders.append(f"{own}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offenders == []


# What may stay flat at the top of each package: plumbing, not features.
FLAT = {
    "repository": {"__init__", "db", "errors", "json_codec", "migrate", "schema"},
    "agent_ui": {"__init__", "auth", "labels", "login_throttle", "plugin", "preferences"},
}
GROUPS = {
    "repository": {
        "core",
        "events",
        "routing",
        "directory",
        "email",
        "telephony",
        "search",
        "commerce",
        "crm",
        "outreach",
        "webhooks",
        "supervision",
        "compliance",
    },
    "agent_ui": {"admin", "desk", "supervisor"},
}


def test_repository_and_agent_ui_are_grouped_by_concept() -> None:
    for package, flat in FLAT.items():
        top = {p.stem for p in (ROOT / package).glob("*.py")}
        assert top - flat == set(), f"{package}/ has feature modules at the top; put them in a package"
        groups = {p.name for p in (ROOT / package).iterdir() if (p / "__init__.py").exists()}
        assert GROUPS[package] <= groups
        for group in GROUPS[package]:
            init = (ROOT / package / group / "__init__.py").read_text()
            assert ast.get_docstring(ast.parse(init)), (
                f"{package}/{group}/__init__.py says what the package holds"
            )


def test_every_table_is_on_the_one_metadata_alembic_reads() -> None:
    """A table defined in any package but not imported by repository/schema.py would be
    missing from migrations' autogenerate and from the schema tests."""
    tables = set()
    for path in (ROOT / "repository").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        if "table=True" in path.read_text():
            tables.add(path.relative_to(ROOT).as_posix().removesuffix(".py").replace("/", "."))
    schema = (ROOT / "repository" / "schema.py").read_text()
    assert {t for t in tables if f"import {t}" not in schema} == set()


# Which top-level package may import which (docs/architecture.md, "Dependencies"). A
# channel is reached through the contract in channels/base.py, never by name, with one
# reviewed exception: releasing quarantined mail is the email channel's own parsing.
ALLOWED = {
    "repository": set(),
    "config": set(),
    "contact_center": {"repository", "config", "channels.base", "channels.email.release"},
    "agent_ui": {"repository", "config", "contact_center", "channels.base", "channels.email.release"},
    "channels": {"repository", "config", "contact_center", "channels"},
}


def test_packages_import_only_what_the_architecture_allows() -> None:
    offenders = []
    for module, targets in import_graph(modules()).items():
        package = module.split(".")[0]
        for target in targets:
            if target.split(".")[0] == package and package != "channels":
                continue
            allowed = ALLOWED[package]
            if package == "channels" and target.startswith("channels."):
                # A channel imports its own modules and the shared contract, not another channel.
                own = module.split(".")[1]
                if target.split(".")[1] in (own, "base", "voice"):
                    continue
                offenders.append(f"{module} -> {target}")
                continue
            if target.split(".")[0] in allowed or target in allowed:
                continue
            offenders.append(f"{module} -> {target}")
    assert offenders == []
