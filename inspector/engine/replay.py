"""Replay: send a captured request again, as it was or edited, to any URL.

It sends network traffic, so it lives in the engine (the store only reads and writes
files). Sent to our own receiver the replay is captured like any request and becomes a new
exchange. Headers go in the captured order with duplicates; aiohttp computes Host and
Content-Length, and adds none of its defaults (User-Agent, Accept, Accept-Encoding) that
the capture did not have. The reply body comes back raw (not decompressed).
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..core.headers import Header, decode_headers
from ..core.records import Exchange
from ..core.replay_reply import ReplayReply, check_replayable

REPLAY_TIMEOUT = 30.0
_NOT_REPLAYED = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_AIOHTTP_DEFAULTS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


async def replay(
    exchange: Exchange,
    url: str,
    *,
    method: str | None = None,
    headers: Sequence[Header] | None = None,
    body: bytes | None = None,
    timeout: float = REPLAY_TIMEOUT,
) -> ReplayReply:
    """Send `exchange`'s request (with any of method, headers, body replaced) to `url`.

    `url` is used as given, path and query exactly (no re-encoding). Raises
    aiohttp.ClientError / asyncio.TimeoutError when the URL cannot be reached.
    """
    check_replayable(exchange, method)
    return await replay_request(
        method or exchange.method,
        url,
        exchange.headers if headers is None else headers,
        exchange.body if body is None else body,
        timeout,
    )


async def replay_request(
    method: str,
    url: str,
    headers: Sequence[Header],
    data: bytes,
    timeout: float = REPLAY_TIMEOUT,
) -> ReplayReply:
    """Send a request as a replay does (hop-by-hop headers left for aiohttp, none added)."""
    send_headers = CIMultiDict((n, v) for n, v in headers if n.lower() not in _NOT_REPLAYED)
    skip = [name for name in _AIOHTTP_DEFAULTS if name not in send_headers]
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout, auto_decompress=False) as session,
        session.request(
            method,
            URL(url, encoded=True),
            headers=send_headers,
            data=data or None,
            skip_auto_headers=skip,
            allow_redirects=False,
        ) as response,
    ):
        reply_body = await response.read()
        return ReplayReply(response.status, decode_headers(response.raw_headers), reply_body)
