"""``contact-center import customers|orders FILE.csv`` and ``analytics recompute``, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from contact_center.cli import main
from repository import Database
from repository.commerce.models import CustomerAnalytics, Order, OrderLine
from repository.core.models import Customer


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("BUS_URL", "memory://")
    assert main(["migrate"]) == 0
    db = Database(url)
    yield db
    db.dispose()


def test_importing_customers_then_orders_then_recomputing(
    store: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "customers.csv").write_text(
        'external_id,email,display_name,phone\nc-1,ann@example.com,Ann Lee,+14155550100\nc-2,,"Bob, Jr.",\n',
        encoding="utf-8",
    )
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_external_id,customer_email,ordered_at,amount,cost,currency,product_id,quantity,line_amount\n"
        "o-1,c-1,,2026-05-01T10:00:00Z,30,18,EUR,BOOK,1,20\n"
        "o-1,c-1,,2026-05-01T10:00:00Z,30,18,EUR,LAMP,2,10\n"
        "o-2,c-2,,2026-05-03,12.5,,eur,BOOK,1,12.5\n"
        "o-3,,new@example.com,2026-05-04,8,4,EUR,PEN,1,8\n",
        encoding="utf-8",
    )

    assert main(["import", "customers", str(tmp_path / "customers.csv")]) == 0
    assert main(["import", "orders", str(tmp_path / "orders.csv")]) == 0
    assert main(["import", "orders", str(tmp_path / "orders.csv")]) == 0  # a re-run changes nothing
    assert main(["analytics", "recompute"]) == 0

    out = capsys.readouterr().out
    assert "2 customers imported" in out and "3 orders imported" in out
    assert "analysed 3 customers" in out
    with store.read() as session:
        assert len(session.exec(select(Order)).all()) == 3
        assert len(session.exec(select(OrderLine)).all()) == 4
        names = sorted(c.display_name for c in session.exec(select(Customer)).all())
        assert names == ["", "Ann Lee", "Bob, Jr."]
        assert len(session.exec(select(CustomerAnalytics)).all()) == 3
        assert {c.tier for c in session.exec(select(Customer)).all()} <= {
            "platinum",
            "gold",
            "silver",
            "bronze",
        }


def test_a_bad_row_is_named_by_its_line_and_nothing_of_its_batch_is_stored(
    store: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_email,ordered_at,amount\n"
        "o-1,ann@example.com,2026-05-01,10\n"
        "o-2,ann@example.com,2026-05-02,minus five\n",
        encoding="utf-8",
    )

    assert main(["import", "orders", str(tmp_path / "orders.csv")]) == 2

    assert "line 3: amount must be a number" in capsys.readouterr().err
    with store.read() as session:
        assert session.exec(select(Order)).all() == []
    assert main(["import", "customers", str(tmp_path / "missing.csv")]) == 2
