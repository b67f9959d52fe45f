"""Copy as cURL: a shell command that sends a captured request again, byte for byte.

Method, request target (sent as captured: `--path-as-is --globoff`, and `--request-target`
when curl's URL parser could touch it), headers in wire order, body. curl sets Host (to the
URL it is given) and Content-Length (from the body) itself; the headers curl would add on
its own and the capture did not have (User-Agent, Accept, Content-Type, Expect) are removed
with `-H 'Name:'`. A text body goes inline (`--data-raw`, shell-quoted); a binary, large or
control-character body goes in a file next to the command (`--data-binary @FILE`): the
caller writes `CurlCommand.body` to the path it chose.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..core.headers import header_values
from ..core.records import Exchange, ExchangeKind

INLINE_BODY_LIMIT = 64 * 1024
"""Larger bodies go in a file: one argument may not exceed 128 KiB on Linux (MAX_ARG_STRLEN)."""

_SET_BY_CURL = frozenset({"host", "content-length"})
# What curl adds to a request unless told not to (curl 7.x/8.x, HTTP/1.1).
_CURL_DEFAULTS = ("User-Agent", "Accept")
_CURL_BODY_DEFAULTS = ("Content-Type", "Expect")
_PLAIN_TARGET = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class CurlCommand:
    command: str
    body: bytes | None  # bytes to write at `body_path` before running, or None
    body_path: str | None
    notes: tuple[str, ...]  # what the command cannot reproduce exactly, for the user


def _inline_text(body: bytes) -> str | None:
    if len(body) > INLINE_BODY_LIMIT:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else text


def to_curl(exchange: Exchange, base_url: str, *, body_path: str = "body.bin") -> CurlCommand:
    """The curl command for `exchange` sent to `base_url` (scheme://host:port, no path)."""
    if exchange.kind is ExchangeKind.WEBSOCKET:
        raise ValueError("a WebSocket connection cannot be copied as cURL")
    notes = ["curl sets Host (from the URL) and Content-Length (from the body) itself"]
    x = exchange
    target = x.target
    args = ["curl", "--http1.0" if x.http_version == "HTTP/1.0" else "--http1.1"]
    args += ["--globoff", "--path-as-is", "-sS"]
    body = x.body
    has_body = bool(body) or bool(header_values(x.headers, "content-length"))
    if x.method == "HEAD" and not has_body:
        args.append("--head")
    elif not (x.method == "POST" and has_body) and not (x.method == "GET" and not has_body):
        args += ["-X", x.method]
    url = base_url.rstrip("/") + (target if target.startswith("/") else "/")
    if not _PLAIN_TARGET.fullmatch(target):
        args += ["--request-target", target]
        url = base_url.rstrip("/") + "/"
    args.append(url)
    present = {n.lower() for n, _ in x.headers}
    for name, value in x.headers:
        if name.lower() in _SET_BY_CURL:
            continue
        # `-H 'Name:'` removes a header; an empty value is sent with `-H 'Name;'`.
        args += ["-H", f"{name}: {value}" if value else f"{name};"]
        if "\\x" in name + value:
            notes.append(f"header {name} had undecodable bytes, shown escaped (\\xNN)")
    defaults = _CURL_DEFAULTS + (_CURL_BODY_DEFAULTS if has_body else ())
    for name in defaults:
        if name.lower() not in present:
            args += ["-H", f"{name}:"]
    body_bytes: bytes | None = None
    path: str | None = None
    if has_body:
        text = _inline_text(body)
        if text is not None:
            args += ["--data-raw", text]
        else:
            body_bytes, path = body, body_path
            args += ["--data-binary", f"@{body_path}"]
    if x.body_size != len(body):
        notes.append(f"the capture kept {len(body)} of {x.body_size} body bytes")
    return CurlCommand(shlex.join(args), body_bytes, path, tuple(notes))
