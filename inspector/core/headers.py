"""Headers as the wire carried them: `(name, value)` pairs, in order, duplicates kept.

Raw header bytes are decoded for display only. Undecodable bytes are shown escaped
(`\\xff`) rather than dropped, so what the user reads is what arrived (mitmproxy habit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Header = tuple[str, str]


def decode_header_bytes(raw: bytes) -> str:
    """Bytes to text for display: UTF-8 where valid, `\\xNN` escapes where not."""
    return raw.decode("utf-8", errors="backslashreplace")


def decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[Header, ...]:
    """Wire-order raw pairs to display pairs; order and duplicates are kept."""
    return tuple((decode_header_bytes(n), decode_header_bytes(v)) for n, v in raw)


def header_values(headers: Sequence[Header], name: str) -> list[str]:
    """Every value of header `name` (case-insensitive), in wire order."""
    wanted = name.lower()
    return [v for n, v in headers if n.lower() == wanted]


def first_header(headers: Sequence[Header], name: str) -> str | None:
    """The first value of header `name`, or None."""
    values = header_values(headers, name)
    return values[0] if values else None


# The emulator's own header (Deepgram sends no such thing): why it refused a request, in full,
# beside Deepgram's exact error body. `submit` prints it.
EMULATOR_DETAIL_HEADER = "x-callback-inspector-detail"


def header_safe(text: str, limit: int = 1000) -> str:
    """`text` as one line of printable ASCII, at most `limit` characters: what a header value
    can carry."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:limit]
