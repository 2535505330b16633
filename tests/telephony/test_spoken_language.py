"""A number set to 繁體中文 speaks it: queue position, default prompts, HELP, and <Say language>.

A real server process and webhooks signed as Twilio signs them (tests/telephony/conftest.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from repository import Database
from repository.directory.api_keys import create_api_key
from repository.telephony.config import get_number, save_number
from tests.live import ServerProcess
from tests.telephony.conftest import inbound_sms, sid, twilio_post, voice_params

pytestmark = pytest.mark.server
NUMBER = "+14155550100"


def _configure(server: ServerProcess, **changes: object) -> None:
    db = Database(server.database_url)
    try:
        current = get_number(db, NUMBER)
        save_number(db, current.id if current else None, {"number": NUMBER, **changes})
    finally:
        db.dispose()


def _says(response: httpx.Response) -> list[ET.Element]:
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.text)  # noqa: S314 (our own server's answer)
    return list(root.iter("Say"))


async def test_a_traditional_chinese_number_answers_the_queue_webhook_in_traditional_chinese(
    phone_server: ServerProcess,
) -> None:
    server = phone_server
    _configure(server, language="zh_Hant", default_queue_id=server.ids["support"])  # type: ignore[attr-defined]
    call = sid("CA", 71)

    # No menu: straight to the queue.
    enqueued = await twilio_post(server, "/channels/twilio/voice", voice_params(call))
    root = ET.fromstring(enqueued.text)  # noqa: S314
    enqueue = root.find("Enqueue")
    assert enqueue is not None
    wait_path = (enqueue.get("waitUrl") or "").removeprefix(server.base)

    # Nobody is available: the wait loop says the position, in Traditional Chinese, with a
    # voice and language Twilio reads Taiwanese Mandarin with.
    params = voice_params(call, "in-progress", QueuePosition="1", QueueSid=sid("QU", 71), QueueTime="2")
    says = _says(await twilio_post(server, wait_path, params))
    assert says[0].text == "您目前排在第 1 位。"
    for say in says:
        assert (say.get("language"), say.get("voice")) == ("cmn-TW", "Google.cmn-TW-Standard-A")

    # The same number set back to English says it in English, as en-US.
    _configure(server, language="en")
    says = _says(await twilio_post(server, wait_path, params))
    assert says[0].text == "You are number 1 in the queue." and says[0].get("language") == "en-US"
    assert says[0].get("voice") is None

    # After hours, the default message (the admin set none) is in the number's language too.
    _configure(server, language="zh_Hans", business_hours={"mon": [["00:00", "00:01"]]}, time_zone="UTC")
    closed = _says(await twilio_post(server, "/channels/twilio/voice", voice_params(sid("CA", 72))))
    assert (closed[0].get("language"), closed[0].text) == ("cmn-CN", "现在是非营业时间，请在提示音后留言。")

    # HELP by SMS: the built-in answer is translated; keywords stay STOP / START.
    _configure(server, language="zh_Hant", business_hours={})
    help_reply = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 71), "HELP"))
    assert "<Message>回覆 STOP 取消訂閱，回覆 START 重新訂閱。</Message>" in help_reply.text

    # The API shows and validates the setting.
    db = Database(server.database_url)
    try:
        token, _key = create_api_key(db, "phone-language")
        number_id = get_number(db, NUMBER).id  # type: ignore[union-attr]
    finally:
        db.dispose()
    async with httpx.AsyncClient(base_url=server.base, headers={"Authorization": f"Bearer {token}"}) as api:
        changed = await api.patch(f"/api/v1/phone-numbers/{number_id}", json={"language": "zh_Hans"})
        assert changed.status_code == 200 and changed.json()["language"] == "zh_Hans", changed.text
        bad = await api.patch(f"/api/v1/phone-numbers/{number_id}", json={"language": "xx_YY"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "language", bad.text
