"""A real HTTP server for webhook tests: records every request, answers as told."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class Receiver:
    """``fail_next`` requests get HTTP 500, later ones 200."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.fail_next = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with owner._lock:
                    owner.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    failing = owner.fail_next > 0
                    owner.fail_next -= 1 if failing else 0
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"boom" if failing else b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def of_type(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.payload.get("type") == kind]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
