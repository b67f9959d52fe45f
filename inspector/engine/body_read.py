"""Reading a request body up to the receiver's limit, keeping the start of one over it.

A refused body is not thrown away whole: its first `keep` bytes are kept, enough to read
the request_id of a Deepgram callback that was too large, so its attempts are still counted
and grouped, and the user sees what was refused (issue 14 item 4).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp.streams import StreamReader

# How long the start of a body declared over the limit is waited for before the refusal
# goes out anyway (a client that sends its head and waits gets its 413 all the same).
PREFIX_WAIT_S = 2.0


@dataclass(frozen=True)
class BodyRead:
    body: bytes  # the whole body, or the kept start of one over the limit
    size: int  # bytes received
    over: bool  # more than the limit arrived: `body` is its start only


async def read_body(payload: StreamReader, limit: int, keep: int) -> BodyRead:
    """The body, whole, unless it grows over `limit` bytes: then its first `keep` bytes.

    aiohttp's `BaseRequest.read()` loop, which drops what it read when the limit is passed;
    it raises what the payload raises (`IncompleteBody`, `ConnectionResetError`)."""
    raise_chunks = getattr(payload, "set_read_chunk_size", None)  # aiohttp 3.14: fewer wakeups
    if raise_chunks is not None and limit:
        raise_chunks(limit)
    body = bytearray()
    while True:
        chunk = await payload.readany()
        if not chunk:
            return BodyRead(bytes(body), len(body), False)
        body.extend(chunk)
        if limit and len(body) > limit:
            return BodyRead(bytes(body[:keep]), len(body), True)


async def read_prefix(payload: StreamReader, keep: int, wait: float = PREFIX_WAIT_S) -> bytes:
    """The first `keep` bytes of a body that is not read whole (declared over the limit):
    what arrives within `wait` seconds."""
    got = bytearray()

    async def fill() -> None:
        while len(got) < keep:
            chunk = await payload.readany()
            if not chunk:
                return
            got.extend(chunk)

    try:
        await asyncio.wait_for(fill(), wait)
    except Exception:  # too slow, reset, cut short (IncompleteBody): what came is kept
        pass
    return bytes(got[:keep])
