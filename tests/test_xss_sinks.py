"""Customer text reaches pages only as text: no HTML sinks in our JS, no unescaped template output.

Names, subjects, bodies, file names, caller numbers, CTI fields, product ids, search
snippets and transcripts all end up in the agent desktop, the supervisor monitor, the
reports and the widget. All of them build the DOM with textContent/createTextNode
(``el()``), and the one HTML view (an email's sanitised copy) sits in a sandboxed
iframe. This test keeps it that way: a new ``innerHTML`` or ``|safe`` fails here and has
to be argued for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("agent_ui/static/*.js"), *ROOT.glob("channels/*/static/**/*.js")])
TEMPLATES = sorted([*ROOT.glob("agent_ui/templates/*.html"), *ROOT.glob("channels/*/templates/*.html")])
JS_SINKS = re.compile(
    r"\.(?:innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML\s*\(|document\.write|\beval\s*\(|new\s+Function\s*\("
    r"|setAttribute\(\s*['\"]on|createContextualFragment|DOMParser|javascript:"
)
TEMPLATE_SINKS = re.compile(r"\|\s*safe\b|autoescape\s+false|Markup\(")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def test_there_are_scripts_and_templates_to_check() -> None:
    assert len(SCRIPTS) >= 15 and len(TEMPLATES) >= 20


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_write_html(script: Path) -> None:
    code = _COMMENT.sub("", script.read_text())
    assert not JS_SINKS.findall(code), f"{script.name}: build nodes with el()/textContent instead"


def test_the_only_html_view_is_a_sandboxed_iframe_of_the_sanitised_copy() -> None:
    users = [p.name for p in SCRIPTS if "srcdoc" in _COMMENT.sub("", p.read_text())]
    assert users == ["agent-email.js"]
    code = _COMMENT.sub("", (ROOT / "agent_ui/static/agent-email.js").read_text())
    frame = code[code.index("el('iframe'") : code.index("frame.srcdoc")]
    assert "sandbox: ''" in frame, "the email iframe must stay sandboxed with no permissions"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_never_turn_escaping_off(template: Path) -> None:
    assert not TEMPLATE_SINKS.findall(template.read_text()), template.name


def test_every_template_is_rendered_with_autoescape() -> None:
    from agent_ui.plugin import templates
    from channels.webchat.plugin import TEMPLATES as WEBCHAT

    for env in (templates.env, WEBCHAT.env):
        names = [n for n in env.list_templates() if n.endswith(".html")]
        assert names
        for name in names:
            on = env.autoescape(name) if callable(env.autoescape) else env.autoescape
            assert on, f"{name} is rendered without autoescape"
