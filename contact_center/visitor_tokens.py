"""Visitor tokens: a signed visitor id kept in the customer's browser.

Signing means the server needs no table of tokens, and a visitor cannot pose as
another by guessing an id.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from repository.errors import Forbidden


class VisitorTokens:
    def __init__(self, secret_key: str) -> None:
        self._signer = URLSafeSerializer(secret_key, salt="webchat-visitor")
        self._files = URLSafeSerializer(secret_key, salt="webchat-attachment")

    def issue(self) -> tuple[str, str]:
        """A new (visitor id, token)."""
        visitor_id = "v_" + secrets.token_hex(12)
        return visitor_id, self._signer.dumps(visitor_id)

    def verify(self, token: str) -> str:
        """The visitor id a token was issued for."""
        if not isinstance(token, str) or len(token) > 200:
            raise Forbidden("invalid visitor token", code="invalid_token")
        try:
            visitor_id = self._signer.loads(token)
        except BadSignature as exc:
            raise Forbidden("invalid visitor token", code="invalid_token") from exc
        if not isinstance(visitor_id, str):
            raise Forbidden("invalid visitor token", code="invalid_token")
        return visitor_id

    def attachment_token(self, attachment_id: int) -> str:
        return self._files.dumps(attachment_id)

    def attachment_id(self, token: str) -> int:
        try:
            value = self._files.loads(token)
        except BadSignature as exc:
            raise Forbidden("invalid attachment link") from exc
        if not isinstance(value, int):
            raise Forbidden("invalid attachment link")
        return value
