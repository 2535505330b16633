"""The widget's bundler (channels/webchat/module_bundle.py): order, and what it refuses.

It turns a few ES modules into one function body, which is only the same program while the
modules keep to its subset; each refusal names the file and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.webchat.module_bundle import BundleError, bundle, sources


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_modules_run_in_the_browsers_order_without_module_syntax(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "w",
        {
            "main.js": 'import "./b.js";\nimport { a } from "./a.js";\nimport { core } from "/static/core.js";\nmain(a, core);\n',
            "a.js": 'import { b } from "./b.js";\nexport const a = b + 1;\n',
            "b.js": "export function b() {}\nexport let counter = 0;\n",
        },
    )
    static = _write(tmp_path / "static", {"core.js": "export class core {}\n"})
    assert [p.name for p in sources(folder / "main.js", static)] == ["b.js", "a.js", "core.js", "main.js"]
    text = bundle(folder / "main.js", static, label="w")
    assert text.index("// ---- w/b.js") < text.index("// ---- w/a.js") < text.index("// ---- w/core.js")
    assert "function b() {}" in text and "let counter = 0;" in text and "class core {}" in text
    assert "import" not in text and "export" not in text


def test_a_cycle_is_refused_and_named(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "main.js": 'import { a } from "./a.js";\na();\n',
            "a.js": 'import { b } from "./b.js";\nexport function a() { b(); }\n',
            "b.js": 'import { a } from "./a.js";\nexport function b() { a(); }\n',
        },
    )
    with pytest.raises(BundleError, match=r"import cycle: a\.js → b\.js → a\.js"):
        bundle(folder / "main.js", folder)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('import x from "./dep.js";\n', "only `import"),
        ('import * as dep from "./dep.js";\n', "only `import"),
        ('import { dep as other } from "./dep.js";\n', "renamed or default imports"),
        ('import { dep } from "../elsewhere/dep.js";\n', "import a sibling"),
        ('import { dep } from "./dep";\n', "with .js"),
        ('import {\n  dep,\n} from "./dep.js";\n', "on one line"),
        ("export default function main() {}\n", "only `export` before a top-level"),
        ("const x = 1;\nexport { x };\n", "only `export` before a top-level"),
        ('export * from "./dep.js";\n', "only `export` before a top-level"),
        ("function f() {\n  export const y = 1;\n}\n", "only `export` before a top-level"),
        ('const later = () => import("./dep.js");\n', r"dynamic import\(\)"),
        ("const here = import.meta.url;\n", "import.meta"),
        ('import { missing } from "./dep.js";\n', "imports missing that dep.js does not export"),
        ('import { dep } from "./dep.js";\nfunction dep() {}\n', "both declare `dep`"),
    ],
)
def test_syntax_outside_the_subset_is_refused_with_a_reason(tmp_path: Path, source: str, reason: str) -> None:
    folder = _write(tmp_path, {"main.js": source, "dep.js": "export const dep = 1;\n"})
    with pytest.raises(BundleError, match=reason):
        bundle(folder / "main.js", folder)


def test_module_words_in_comments_and_strings_are_left_alone(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "main.js": (
                "/* import x from 'y'; export default z */\n"
                "// export * from './nowhere.js'\n"
                'const url = "https://example.com/export";\n'
            )
        },
    )
    assert 'const url = "https://example.com/export";' in bundle(folder / "main.js", folder)


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"main.js": 'import "./gone.js";\n'})
    with pytest.raises(BundleError, match="gone.js: no such module"):
        bundle(folder / "main.js", folder)
