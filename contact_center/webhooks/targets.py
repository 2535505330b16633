"""Where a webhook may point: public http(s) addresses only, unless private ones are allowed.

A webhook URL is typed by an admin, but the server makes the request. Without a guard,
``http://127.0.0.1:6379/``, ``http://169.254.169.254/latest/meta-data/`` or an address
on the office network would be reached from inside, and the delivery log would show
the first 200 characters of what answered. So loopback, private, link-local, shared,
multicast and reserved addresses are refused unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS``
is set. The check runs twice: on the URL when it is saved (a literal address or
``localhost``: a clear form error at once), and on every address the host name resolves
to when a delivery is sent, on the very address the connection then uses, so a name
that resolved to a public address yesterday and to 127.0.0.1 now (DNS rebinding) is
still refused. docs/webhooks.md, "Where webhooks may point".
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import TYPE_CHECKING, Any

import anyio
import httpcore
import httpx

if TYPE_CHECKING:
    from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What inet_aton (and so getaddrinfo) reads as an IPv4 address: digits, dots, 0x hex.
_LEGACY_IPV4 = re.compile(r"(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:\.(?:0[xX][0-9a-fA-F]+|[0-9]+)){0,3}")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class PrivateTarget(httpcore.ConnectError):
    """The host is (or resolves to) an address webhooks may not reach."""


def embedded_ipv4(address: Address) -> Address:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 one, else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: Address) -> bool:
    address = embedded_ipv4(address)
    # is_global alone lets multicast through (224.0.0.0/4 is "global").
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> Address | None:
    """The address a host names directly, legacy IPv4 forms included (127.1, 0x7f000001, 2130706433)."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refused_host(host: str) -> bool:
    """True for a host the URL names directly that is not public (no DNS lookup)."""
    name = host.rstrip(".").lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    address = literal_address(name)
    return address is not None and not is_public(address)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses non-public addresses, connects to a checked one."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        literal = literal_address(host)
        if literal is not None:
            return [str(literal)]
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._addresses(host, port, timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self._allow_private:
            # Every address must be public: connecting to "the first public one" would let
            # a name with one public and one private record choose the private one later.
            refused = [a for a in addresses if not is_public(ipaddress.ip_address(a.split("%", 1)[0]))]
            if refused or not addresses:
                raise PrivateTarget(
                    f"{host} resolves to a non-public address ({', '.join(refused[:3])}); "
                    "set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it"
                )
        last: Exception | None = None
        for address in addresses:
            try:
                # TLS still checks the certificate against the host name: httpcore passes
                # the URL's host as server_hostname, not the address connected to.
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with connections made through the address guard.

    Environment proxies are not used (a client given a transport ignores them), so the
    guard always sees the real destination.
    """

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        ssl_context = httpx.create_ssl_context()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private),
        )
