"""Binding an aiohttp app to a host and port, with errors a user can act on."""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import ssl

from aiohttp import web

log = logging.getLogger(__name__)


class PortInUseError(OSError):
    """The port is taken; carries the port and what to do about it."""

    def __init__(self, host: str, port: int, what: str, flag: str) -> None:
        self.host, self.port, self.what = host, port, what
        super().__init__(
            errno.EADDRINUSE,
            f"{what} port {port} on {host} is in use (another callback-inspector?); "
            f"try {flag} 0 for a free one",
        )

    def __str__(self) -> str:
        return str(self.strerror)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def bind(
    app_runner: web.BaseRunner,
    host: str,
    port: int,
    what: str,
    flag: str,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[web.BaseSite, int]:
    """Start a TCP site (TLS with `ssl_context`); returns it and the port actually bound (for
    port 0).

    `what` names the server in messages ("receiver"), `flag` the option that sets its port.
    """
    site = web.TCPSite(app_runner, host, port, reuse_address=True, ssl_context=ssl_context)
    try:
        await site.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port, what, flag) from None
        raise OSError(
            exc.errno, f"cannot listen on {host}:{port} for the {what}: {exc.strerror}"
        ) from None
    server = site._server  # aiohttp keeps the asyncio.Server here; no public accessor
    sockets: list[socket.socket] = list(getattr(server, "sockets", []) or [])
    bound = sockets[0].getsockname()[1] if sockets else port
    return site, bound


def url_for(host: str, port: int, scheme: str = "http") -> str:
    """A URL for a bound host; IPv6 literals get brackets, 0.0.0.0 shows as 127.0.0.1."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"
