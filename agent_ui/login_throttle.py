"""Slow down password guessing at /login.

Failed sign-ins are counted per (client address, username) and per client address
in a moving window (the ``limits`` library). Once a budget is spent, /login answers
429 until the window moves on, even for the right password, so a guesser learns
nothing. Successful sign-ins are never counted. The counters live in the process:
with N nodes an attacker gets at most N times the budget, still far too little to
guess an argon2-protected password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

if TYPE_CHECKING:
    from starlette.requests import Request

PER_USERNAME = parse("10/5minutes")
PER_ADDRESS = parse("50/5minutes")


class LoginThrottle:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    @staticmethod
    def _keys(request: Request, username: str) -> tuple[str, str]:
        address = request.client.host if request.client else "unknown"
        return address, username.strip().lower()

    async def blocked(self, request: Request, username: str) -> bool:
        """True when this client may not try again yet."""
        address, user = self._keys(request, username)
        return not (
            await self._limiter.test(PER_USERNAME, "login", address, user)
            and await self._limiter.test(PER_ADDRESS, "login", address)
        )

    async def failed(self, request: Request, username: str) -> None:
        address, user = self._keys(request, username)
        await self._limiter.hit(PER_USERNAME, "login", address, user)
        await self._limiter.hit(PER_ADDRESS, "login", address)
