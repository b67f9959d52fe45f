"""Replies built with every header they will carry, so the record shows what was sent.

`core.reply_wire` decides the headers aiohttp would add (Content-Length, Content-Type, Date,
Server, Connection); here they are filled with aiohttp's own date and server strings and
handed to `web.Response` complete, so aiohttp adds none of its own (issue 14 item 6).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE

from ..core.headers import Header
from ..core.reply_wire import reply_wire_headers


def sent_headers(
    request: web.BaseRequest, status: int, given: Sequence[Header], body: bytes, close: bool
) -> tuple[Header, ...]:
    """The headers a reply to `request` goes out with."""
    version = request.version
    return reply_wire_headers(
        given,
        len(body),
        status=status,
        method=request.method,
        http_version=(version.major, version.minor),
        keep_alive=request.keep_alive and not close,
        date=rfc822_formatted_time(),
        server=SERVER_SOFTWARE,
    )


def wire_response(
    status: int, headers: Sequence[Header], body: bytes, close: bool = False
) -> web.Response:
    """A response with exactly `headers` (from `sent_headers`); `close` ends the connection
    after it (a refusal whose unread body must not be read as the next request)."""
    # body=None, not b"": aiohttp then skips its streamed-payload checks; same bytes sent.
    response = web.Response(status=status, body=body or None, headers=list(headers))
    if close:
        response.force_close()
    return response
