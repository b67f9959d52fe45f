"""The probe: is the public URL really reaching this receiver?

Once a URL is known, one request goes to its callback URL, marked with a nonce header
(`X-Callback-Inspector-Probe`), and the probe waits until the receiver reports that very
request. A reply alone proves nothing (a tunnel's edge answers too), so only the receiver's
word counts. Quick tunnels take a while to be reachable: it retries, one second apart,
until `timeout`. The receiver lists the probe, marked, and never counts, rules or forwards it.

In tests nothing leaves the machine: `ConnectTo` sends the probe for a public host to a
local address instead, as curl's `--connect-to` does, with TLS still checked for the public
name.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from ...core.public_url import PROBE_HEADER, ConnectTo

log = logging.getLogger(__name__)

RETRY_INTERVAL = 1.0  # seconds between probe requests while the URL is not reachable yet
ATTEMPT_TIMEOUT = 10.0  # one probe request, at most


class ProbeWatch:
    """The nonce of the probe under way, and whether the receiver has seen it."""

    def __init__(self) -> None:
        self.nonce = secrets.token_urlsafe(16)
        self._arrived: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def matches(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.nonce.encode())

    def arrived(self, refusal: str | None) -> None:
        """Called by the receiver: the probe arrived (None) or the guard refused it (why)."""
        if not self._arrived.done():
            self._arrived.set_result(refusal)

    @property
    def future(self) -> asyncio.Future[str | None]:
        return self._arrived


class ConnectToResolver(AbstractResolver):
    """Resolves `connect_to.host:port` to `to_host:to_port`; everything else as usual."""

    def __init__(self, connect_to: ConnectTo) -> None:
        self.connect_to = connect_to
        self._fallback = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        c = self.connect_to
        if host.lower() == c.host and port == c.port:
            results = await self._fallback.resolve(c.to_host, c.to_port, family)
            return [{**r, "hostname": host} for r in results]
        return await self._fallback.resolve(host, port, family)

    async def close(self) -> None:
        await self._fallback.close()


async def probe(
    callback_url: str,
    watch: ProbeWatch,
    timeout: float,
    headers: dict[str, str] | None = None,
    connect_to: ConnectTo | None = None,
) -> tuple[bool, str | None]:
    """(reachable, why not) for `callback_url`, trying until `timeout` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    body = json.dumps({"callback_inspector_probe": True}).encode()
    sent = {
        "Content-Type": "application/json",
        "User-Agent": "callback-inspector probe",
        PROBE_HEADER: watch.nonce,
        **(headers or {}),
    }
    resolver: Any = ConnectToResolver(connect_to) if connect_to is not None else None
    connector = aiohttp.TCPConnector(resolver=resolver, force_close=True)
    last_error = "no answer"
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return False, last_error
            request = asyncio.ensure_future(
                _send(session, callback_url, body, sent, min(ATTEMPT_TIMEOUT, left))
            )
            waiting: set[asyncio.Future[object]] = {request, watch.future}  # type: ignore[arg-type]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if watch.future.done():
                request.cancel()
                refusal = watch.future.result()
                if refusal is None:
                    return True, None
                return False, f"it reached the receiver, which refused it: {refusal}"
            last_error = request.result()
            log.debug("probe of the public URL: %s", last_error)
            try:  # the receiver may still report it (a slow tunnel), else try again
                await asyncio.wait_for(
                    asyncio.shield(watch.future),
                    min(RETRY_INTERVAL, max(0.0, deadline - loop.time())),
                )
            except TimeoutError:
                continue


async def _send(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> str:
    """One probe request; what came back, as the reason it did not (yet) count."""
    try:
        async with session.post(
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            await response.read()
            return (
                f"the URL answered {response.status}, but the receiver never saw the probe "
                "(the tunnel may not be ready yet, or it leads somewhere else)"
            )
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except aiohttp.ClientConnectorDNSError as exc:
        return f"cannot resolve {exc.host}: {exc.os_error}"
    except (aiohttp.ClientError, OSError) as exc:
        return str(exc) or type(exc).__name__
