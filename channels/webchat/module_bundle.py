"""One script from a few ES modules, for ``/widget.js``: a small bundler over a restricted syntax.

The widget is written as ES modules (``static/widget/``, plus ``agent_ui/static/ui-core.js``)
but an embedding site loads it with one ``<script>`` tag and one request, and nothing may
leak into the host page's globals. So the modules are put, in the order a browser would run
them, into one function body; their ``import`` lines are dropped and ``export`` keywords
removed. That is only the same program as the modules when the syntax stays inside these
lines, which the bundler checks, refusing anything else with ``BundleError``:

- ``import { a, b } from "./file.js";`` or ``import "./file.js";`` on one line at the top
  level. ``./`` names a file beside the importing one; ``/static/name.js`` names a file of
  ``agent_ui/static`` (the path the desk's pages import it by). No ``as``, no default or
  namespace imports, no ``import()`` and no ``import.meta``.
- ``export`` only in front of a top-level declaration at the start of a line
  (``export function``, ``export async function``, ``export const``, ``export let``,
  ``export class``); no ``export default``, ``export { … }`` or ``export * from``.
- Every imported name is exported by the module named, and no two modules declare the same
  top-level name (they all share one scope).
- No import cycles: the order is the browser's (depth first, imports in source order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STATIC_PREFIX = "/static/"

_IMPORT = re.compile(
    r"""^import\s+(?:\{(?P<names>[^}]*)\}\s*from\s+)?(?P<q>["'])(?P<spec>[^"']+)(?P=q)\s*;?\s*$"""
)
_EXPORT = re.compile(r"^export\s+(?:async\s+function\b|function\b|const\b|let\b|class\b)")
_DECLARED = re.compile(
    r"^(?:export\s+)?(?:async\s+)?(?:const|let|var|class|function\*?)\s+([A-Za-z_$][\w$]*)", re.M
)
_NAME = re.compile(r"^[A-Za-z_$][\w$]*$")
# Outside the subset wherever they appear (comments aside, which are removed before looking).
_REFUSED = (
    (re.compile(r"\bimport\s*\("), "dynamic import()"),
    (re.compile(r"\bimport\.meta\b"), "import.meta"),
)
_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\\])//[^\n]*", re.S)


class BundleError(ValueError):
    """A module is outside the bundler's syntax, or the modules do not fit together."""


@dataclass(frozen=True)
class Module:
    path: Path
    imports: tuple[tuple[Path, tuple[str, ...]], ...]  # (module, names) in source order
    exports: frozenset[str]
    declared: tuple[str, ...]
    body: str  # the source without its import lines and export keywords


def bundle(entry: Path, static_dir: Path, label: str = "module") -> str:
    """The modules reachable from ``entry``, in evaluation order, as one function body's text."""
    modules = {m.path: m for m in _in_order(entry.resolve(), static_dir.resolve())}
    _check_names(modules)
    parts = []
    for module in modules.values():
        parts.append(f"\n// ---- {label}/{module.path.name} ----\n")
        parts.append(module.body)
    return "".join(parts)


def sources(entry: Path, static_dir: Path) -> list[Path]:
    """Every file the bundle of ``entry`` reads, in evaluation order."""
    return [m.path for m in _in_order(entry.resolve(), static_dir.resolve())]


def _in_order(entry: Path, static_dir: Path) -> Iterator[Module]:
    done: set[Path] = set()
    active: list[Path] = []

    def visit(path: Path) -> Iterator[Module]:
        if path in active:
            cycle = " → ".join(p.name for p in [*active[active.index(path) :], path])
            raise BundleError(
                f"import cycle: {cycle} (the bundle runs modules in one order; break the cycle)"
            )
        if path in done:
            return
        active.append(path)
        module = parse(path, static_dir)
        for dependency, _names in module.imports:
            yield from visit(dependency)
        active.pop()
        done.add(path)
        yield module

    yield from visit(entry)


def parse(path: Path, static_dir: Path) -> Module:
    """One module, checked against the subset (see the module docstring)."""
    if not path.is_file():
        raise BundleError(f"{path}: no such module")
    source = path.read_text(encoding="utf-8")
    code = _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    for pattern, what in _REFUSED:
        if found := pattern.search(code):
            raise BundleError(
                f"{path.name}:{_line(code, found.start())}: {what} is outside the bundler's syntax"
            )
    imports: list[tuple[Path, tuple[str, ...]]] = []
    exports: set[str] = set()
    body: list[str] = []
    for number, (line, bare) in enumerate(zip(source.split("\n"), code.split("\n"), strict=True), start=1):
        where = f"{path.name}:{number}"
        if re.match(r"\s*import\b", bare):
            if bare.startswith(" ") or bare.startswith("\t"):
                raise BundleError(f"{where}: import only at the top level, at the start of a line")
            imports.append(_import(bare, path, static_dir, where))
            continue
        if re.match(r"\s*export\b", bare):
            if bare != bare.lstrip() or not _EXPORT.match(bare):
                raise BundleError(
                    f"{where}: only `export` before a top-level function, const, let or class is supported"
                    f" (not {bare.strip()[:40]!r})"
                )
            exports.update(_DECLARED.findall(bare))
            line = line.replace("export ", "", 1)
        body.append(line)
    declared = tuple(
        _DECLARED.findall("\n".join(b for b in code.split("\n") if not b.startswith(("import", " "))))
    )
    return Module(path, tuple(imports), frozenset(exports), declared, "\n".join(body))


def _import(line: str, importer: Path, static_dir: Path, where: str) -> tuple[Path, tuple[str, ...]]:
    match = _IMPORT.match(line.strip())
    if not match:
        raise BundleError(
            f'{where}: only `import {{ a, b }} from "./file.js";` or `import "./file.js";` on one line is supported'
        )
    names = tuple(n.strip() for n in (match.group("names") or "").split(",") if n.strip())
    for name in names:
        if not _NAME.match(name):
            raise BundleError(
                f"{where}: `{name}`: renamed or default imports are outside the bundler's syntax"
            )
    spec = match.group("spec")
    if spec.startswith(STATIC_PREFIX) and "/" not in spec[len(STATIC_PREFIX) :]:
        target = static_dir / spec[len(STATIC_PREFIX) :]
    elif spec.startswith("./") and "/" not in spec[2:]:
        target = importer.parent / spec[2:]
    else:
        raise BundleError(f"{where}: {spec!r}: import a sibling (./name.js) or {STATIC_PREFIX}name.js")
    if not target.name.endswith(".js"):
        raise BundleError(f"{where}: {spec!r}: name the file, with .js, as a browser would")
    return target.resolve(), names


def _check_names(modules: dict[Path, Module]) -> None:
    owner: dict[str, Path] = {}
    for module in modules.values():
        for name in module.declared:
            if name in owner and owner[name] != module.path:
                raise BundleError(
                    f"{module.path.name} and {owner[name].name} both declare `{name}` at the top level;"
                    " the bundle puts every module in one scope"
                )
            owner[name] = module.path
    for module in modules.values():
        for dependency, names in module.imports:
            missing = [n for n in names if n not in modules[dependency].exports]
            if missing:
                raise BundleError(
                    f"{module.path.name} imports {', '.join(missing)} that {dependency.name} does not export"
                )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
