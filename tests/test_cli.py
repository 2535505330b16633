"""The admin commands of ``contact-center``, checked through the store they change."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from contact_center.cli import main
from repository import Database
from repository.directory import (
    authenticate,
    list_canned_replies,
    list_queues,
    list_skills,
    list_wrapup_codes,
)
from repository.directory.api_keys import verify_api_key
from repository.directory.configuration import agent_by_username, list_api_keys


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """DATABASE_URL pointing at a private SQLite file, and a handle on that store."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # no stray .env or ./data from the working copy
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    assert main(["migrate"]) == 0
    db = Database(url)
    yield db
    db.dispose()


def test_agent_add_with_every_option(store: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["agent", "add", "Kim", "--name", "Kim Lee", "--role", "supervisor", "--skills", "billing, VIP",
         "--capacity", "chat=3,email=5", "--password", "kim-password"]
    )  # fmt: skip
    assert code == 0
    assert "agent kim created" in capsys.readouterr().out
    kim = agent_by_username(store, "kim")
    assert (kim.display_name, kim.role) == ("Kim Lee", "supervisor")
    assert kim.skills == ["billing", "vip"]
    assert kim.capacity == {"chat": 3, "email": 5}
    assert authenticate(store, "kim", "kim-password") is not None
    assert {s.name for s in list_skills(store)} >= {"billing", "vip"}


def test_the_password_can_come_from_stdin_or_a_prompt(
    store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("piped-password\n"))
    assert main(["agent", "add", "piped", "--password-stdin"]) == 0
    assert authenticate(store, "piped", "piped-password") is not None

    answers = iter(["typed-password", "typed-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["agent", "add", "typed"]) == 0
    assert authenticate(store, "typed", "typed-password") is not None


def test_a_mistyped_prompted_password_creates_nothing(
    store: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["first-password", "other-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["agent", "add", "oops"]) == 2
    assert "do not match" in capsys.readouterr().err
    with pytest.raises(Exception, match="no agent"):
        agent_by_username(store, "oops")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["agent", "add", "x", "--password", "short"], "at least 8 characters"),
        (["agent", "add", "", "--password", "long enough"], "username"),
        (["queue", "add", "Q", "--priority", "500"], "priority"),
        (["wrapup", "add", "not a code", "Label"], "wrap-up code"),
        (["canned", "add", "hi", "Title", "   "], "body"),
        (["apikey", "revoke", "42"], "no API key"),
        (["agent", "set", "nobody", "--role", "admin"], "no agent named"),
        (["agent", "set", "nobody"], "no agent named"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_status_2(
    store: Database, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["agent", "add", "x", "--capacity", "fax=2", "--password", "long enough"],
        ["agent", "add", "x", "--capacity", "chat=many", "--password", "long enough"],
        ["agent", "add", "x", "--role", "owner", "--password", "long enough"],
        ["queue", "add", "Q", "--strategy", "random"],
        ["queue", "add", "Q", "--priority", "high"],
        ["apikey", "revoke", "abc"],
        ["apikey", "revoke", "99999999999999999"],
        ["agent", "add", "x", "--password", "a", "--password-stdin"],
    ],
)
def test_malformed_arguments_are_usage_errors(store: Database, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_duplicates_are_refused(store: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agent", "add", "dup", "--password", "long enough"]) == 0
    assert main(["agent", "add", "DUP", "--password", "long enough"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["wrapup", "add", "done", "Done"]) == 0
    assert main(["wrapup", "add", "done", "Done again"]) == 2


def test_agent_set_and_list(store: Database, capsys: pytest.CaptureFixture[str]) -> None:
    main(["agent", "add", "lee", "--password", "lee-password", "--role", "admin"])
    main(["agent", "add", "max", "--password", "max-password", "--role", "admin"])
    code = main(
        ["agent", "set", "lee", "--name", "Lee Roy", "--role", "agent", "--skills", "voice",
         "--capacity", "voice=1", "--inactive", "--password", "lee-new-password"]
    )  # fmt: skip
    assert code == 0
    lee = agent_by_username(store, "lee")
    assert (lee.display_name, lee.role, lee.skills, lee.capacity) == (
        "Lee Roy",
        "agent",
        ["voice"],
        {"voice": 1},
    )
    assert lee.is_active is False
    assert main(["agent", "set", "lee", "--active"]) == 0
    assert authenticate(store, "lee", "lee-new-password") is not None

    capsys.readouterr()
    assert main(["agent", "set", "max", "--role", "agent"]) == 2, "max is the last active admin"
    assert "last active admin" in capsys.readouterr().err
    assert main(["agent", "list"]) == 0
    out = capsys.readouterr().out
    assert "lee" in out and "max" in out and "voice=1" in out
    assert "argon2" not in out


def test_queue_add_and_list(store: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "add", "General", "--default"]) == 0
    code = main(["queue", "add", "Billing", "--skills", "billing", "--priority", "5", "--strategy", "round_robin",
                 "--default", "--description", "Invoices"])  # fmt: skip
    assert code == 0
    queues = {q.name: q for q in list_queues(store)}
    assert queues["Billing"].is_default and not queues["General"].is_default
    billing = queues["Billing"]
    assert (billing.required_skills, billing.priority, billing.strategy) == (["billing"], 5, "round_robin")
    assert main(["queue", "add", "General"]) == 2
    capsys.readouterr()
    assert main(["queue", "list"]) == 0
    out = capsys.readouterr().out
    assert "Billing" in out and "round_robin" in out


def test_wrapup_and_canned_add(store: Database) -> None:
    assert main(["wrapup", "add", "Escalated", "Escalated to second line"]) == 0
    assert [(c.code, c.label) for c in list_wrapup_codes(store)] == [
        ("escalated", "Escalated to second line")
    ]
    assert main(["canned", "add", "/hello", "Greeting", "Hello! How can I help?"]) == 0
    replies = list_canned_replies(store)
    assert [(r.shortcut, r.title, r.body) for r in replies] == [
        ("hello", "Greeting", "Hello! How can I help?")
    ]


def test_apikey_create_prints_the_key_once_and_revoke_disables_it(
    store: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apikey", "create", "BI export"]) == 0
    captured = capsys.readouterr()
    key = captured.out.strip()
    assert key.startswith("cck_") and "\n" not in key
    assert "shown only this once" in captured.err
    row = verify_api_key(store, key)
    assert row is not None and row.name == "BI export"
    assert all(key not in (k.key_hash, k.prefix) for k in list_api_keys(store))

    assert main(["apikey", "list"]) == 0
    assert key not in capsys.readouterr().out
    assert main(["apikey", "revoke", str(row.id)]) == 0
    assert verify_api_key(store, key) is None
