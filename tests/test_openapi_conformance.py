"""Schemathesis against the published OpenAPI document, on a running server (issue 14, item 8).

Every operation is called with generated requests (a bounded number per operation, so
the suite stays fast) and each answer must match the document: no 5xx, only documented
status codes, content types, headers and bodies that fit their schemas, the full
``Allow`` list on a 405. These checks keep the document and the server agreeing as
either changes.

Not yet in the set: ``negative_data_rejection`` (in this plugin run it drops the
Authorization header the test then adds back, and sends undeclared query parameters, which
the server ignores) and ``positive_data_acceptance``. The document now carries the server's
email, phone, time zone, locale, name and slug rules, but some rules still live only in
the handlers (the channel decides whether ``to``/``address`` is a phone or an email, a
snooze is within 90 days, an order's currency, a phone menu's distinct digits).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from contact_center.demo import seed_demo
from repository import Database, upgrade
from repository.directory.api_keys import create_api_key
from tests.live import ServerProcess

pytestmark = pytest.mark.server
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.allow_header_conformance,
    checks.unsupported_method,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    proc = ServerProcess(Path(tmp_path_factory.mktemp("openapi")) / "data")
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    seed_demo(db)
    key, _row = create_api_key(db, "schemathesis", ("read", "write", "admin"))
    db.dispose()
    proc.start()
    yield proc, key
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]


@pytest.fixture(scope="module")
def api_schema(api: tuple[ServerProcess, str]) -> Any:
    server, _key = api
    return schemathesis.openapi.from_url(server.base + "/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_server_answers_as_its_openapi_document_says(case: Any, api: tuple[ServerProcess, str]) -> None:
    server, key = api
    case.call_and_validate(
        base_url=server.base + "/api/v1", headers={"Authorization": f"Bearer {key}"}, checks=CHECKS
    )
