"""The raw baseline beside the product: a bare Starlette websocket relay under uvicorn.

One message goes in one websocket (``/send``) and out of another (``/recv``) while N
others sit idle (``/idle``, answering the widget's ping). Run it with
``bench.harness.baselines.app_process("COMPRESSION = False\\nPROTOCOL_PING = 0\\n" + RELAY_APP)``;
the prefix sets uvicorn's permessage-deflate and protocol pings like the product's
SERVE_WS_COMPRESSION and SERVE_WS_PING_SECONDS, so both sides keep sockets alive alike.
"""

from __future__ import annotations

import textwrap

RELAY_APP = textwrap.dedent(
    """
    import json
    import sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    receivers = []

    async def idle(ws):
        await ws.accept()
        try:
            while True:
                if json.loads(await ws.receive_text()).get("type") == "ping":
                    await ws.send_text('{"type":"pong"}')
        except Exception:
            pass

    async def recv(ws):
        await ws.accept()
        receivers.append(ws)
        try:
            while True:
                await ws.receive_text()
        except Exception:
            pass

    async def send(ws):
        await ws.accept()
        try:
            while True:
                text = await ws.receive_text()
                await receivers[0].send_text(text)
        except Exception:
            pass

    app = Starlette(routes=[WebSocketRoute("/idle", idle), WebSocketRoute("/recv", recv), WebSocketRoute("/send", send)])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        ws_max_size=1024 * 1024,
        ws_per_message_deflate=COMPRESSION,
        ws_ping_interval=PROTOCOL_PING or None,
        ws_ping_timeout=PROTOCOL_PING or None,
    )
    """
)
