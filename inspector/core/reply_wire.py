"""The headers of a reply as they go on the wire, decided before it is sent.

A reply rule names a status, a body and maybe a few headers; the server adds the rest
(Content-Length, Content-Type, Date, Server, Connection). The receiver hands aiohttp the
complete list made here, so aiohttp adds nothing and what the window, the session and the
HAR show is what the client got (issue 14 item 6). The rules are aiohttp's own
(`web_response.Response._start` and `_prepare_headers`, aiohttp 3.9-3.14), written out as a
plain function; `tests/engine/test_reply_wire.py` compares it with the bytes on the wire.
"""

from __future__ import annotations

from collections.abc import Sequence

from .headers import Header

OCTET_STREAM = "application/octet-stream"  # aiohttp's type for a body of no stated type


def has_no_length(status: int, method: str) -> bool:
    """Statuses that carry no Content-Length (RFC 9110 8.6, 15.4.5)."""
    return (
        status in (204, 304) or 100 <= status < 200 or (200 <= status < 300 and method == "CONNECT")
    )


def reply_wire_headers(
    given: Sequence[Header],
    body_size: int,
    *,
    status: int,
    method: str,
    http_version: tuple[int, int],
    keep_alive: bool,
    date: str,
    server: str,
) -> tuple[Header, ...]:
    """`given` (in order, as the rule has them) followed by what the server adds."""
    names = {name.lower() for name, _ in given}
    no_length = has_no_length(status, method)
    headers = [h for h in given if not (no_length and h[0].lower() == "content-length")]
    length: int | None = body_size
    if "content-length" in names:
        declared = next(v for n, v in given if n.lower() == "content-length")
        length = int(declared) if declared.strip().isdigit() else None
    elif not no_length and (body_size or (status != 304 and method != "HEAD")):
        headers.append(("Content-Length", str(body_size)))
    empty_body = no_length or method == "HEAD"
    if not empty_body and length != 0 and "content-type" not in names:
        headers.append(("Content-Type", OCTET_STREAM))
    if "date" not in names:
        headers.append(("Date", date))
    if "server" not in names:
        headers.append(("Server", server))
    if "connection" not in names:
        if keep_alive and http_version == (1, 0):
            headers.append(("Connection", "keep-alive"))
        elif not keep_alive and http_version == (1, 1):
            headers.append(("Connection", "close"))
    return tuple(headers)
