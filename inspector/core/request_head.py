"""What can be read of a request head the receiver refused, as text.

A request refused before it became a request (a header over the limit: 431, a request line
too long: 414, a method the parser rejects, a head cut short: 408) still says something:
its request line and the headers before the fault. The receiver's connection layer keeps the
first `HEAD_EXCERPT` bytes of an unfinished head; this module reads them, never failing, so
the list can show `POST /hugeheader` instead of a blank row (issue 14 item 5). Bytes that
are not printable text are written as escapes (`\\xff`), never interpreted.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .headers import Header

HEAD_EXCERPT = 4096  # bytes of an unfinished head kept by a connection (one buffer, then none)
FIELD_SHOWN = 400  # characters of one over-long line (a target, a header) shown
_METHOD = re.compile(rb"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}")
_VERSION = re.compile(r"HTTP/\d\.\d")
_BYTES_LITERAL = re.compile(r"""b(['"]).*\1""")


def escape_bytes(data: bytes) -> str:
    """`data` as text: UTF-8 where it is valid, anything else and every control character
    as an escape (`\\x00`, `\\u2028`), so what is shown is what arrived and nothing acts."""
    text = data.decode("utf-8", errors="backslashreplace")
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _cut(text: str, limit: int = FIELD_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class PartialHead:
    """The readable part of a refused head; empty fields when nothing was readable."""

    method: str = ""
    target: str = ""
    http_version: str = ""
    headers: tuple[Header, ...] = ()
    cut: bool = False  # the last line read was not complete (over a limit, or cut short)


def read_partial_head(data: bytes) -> PartialHead:
    """The request line and complete header lines of `data` (the start of a head)."""
    if not data:
        return PartialHead()
    lines = data.split(b"\n")
    complete = lines[:-1]  # the last piece has no line end yet
    first = lines[0].rstrip(b"\r")
    method, _, rest = first.partition(b" ")
    if not _METHOD.fullmatch(method) or not rest:
        return PartialHead()  # not a request line: a TLS hello, random bytes
    target, _, version = rest.strip(b" ").partition(b" ")
    version_text = escape_bytes(version.strip())
    headers: list[Header] = []
    cut = not complete  # the request line itself is unfinished
    for raw in complete[1:]:
        line = raw.rstrip(b"\r")
        if not line:
            break  # the head's end
        name, colon, value = line.partition(b":")
        if colon:
            headers.append((_cut(escape_bytes(name.strip())), _cut(escape_bytes(value.strip()))))
    else:
        tail = lines[-1].rstrip(b"\r")
        if complete and tail:  # a header line still arriving, or over the limit
            name, colon, value = tail.partition(b":")
            if colon:
                value_text = _cut(escape_bytes(value.strip()))
                headers.append((_cut(escape_bytes(name.strip())), value_text + "…"))
            cut = True
    return PartialHead(
        method=escape_bytes(method),
        target=_cut(escape_bytes(target)),
        http_version=version_text if _VERSION.fullmatch(version_text) else "",
        headers=tuple(headers),
        cut=cut,
    )


def unrepr_bytes(text: str) -> str:
    """A parser message's `b'...'` excerpt written as the text it stands for, quoted:
    `Invalid method encountered: b'GARBAGE /// nope'` reads
    `Invalid method encountered: "GARBAGE /// nope"`."""

    def readable(match: re.Match[str]) -> str:
        try:
            value = ast.literal_eval(match.group(0))
        except (ValueError, SyntaxError):
            return match.group(0)
        return f'"{escape_bytes(value)}"' if isinstance(value, bytes) else match.group(0)

    return _BYTES_LITERAL.sub(readable, text)
