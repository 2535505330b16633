"""Mailbox settings are checked field by field before anything reaches the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from repository import InvalidInput
from repository.email.mailboxes import create_mailbox

if TYPE_CHECKING:
    from repository import Database


@pytest.mark.parametrize("missing", ["imap_host", "imap_user", "smtp_host"])
def test_a_mailbox_without_a_required_host_or_user_is_refused_naming_the_field(
    db: Database, missing: str
) -> None:
    values = {"imap_host": "imap.example.com", "imap_user": "support", "smtp_host": "smtp.example.com"}
    del values[missing]

    with pytest.raises(InvalidInput) as refused:
        create_mailbox(db, "support@example.com", **values)

    assert refused.value.details["field"] == missing
