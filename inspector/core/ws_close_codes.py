"""WebSocket close codes by name, so "closed 1011" reads "closed 1011 internal error".

The names are RFC 6455 section 7.4.1's, shortened, with the later IANA registrations (1012-1015).
Deepgram closes live streams with 1008 (audio it cannot decode, DATA-0000) and 1011 (no audio
for about 10 s, NET-0001) [WSE]; a ws(s) callback that drops gets the stream closed 1011.
The list's status text, the detail pane, the timeline and the submit panel all name codes
from this one table.
"""

from __future__ import annotations

CLOSE_CODE_NAMES: dict[int, str] = {
    1000: "normal",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status code",  # never sent: the close frame had no code
    1006: "abnormal",  # never sent: the connection dropped without a close frame
    1007: "invalid data",
    1008: "policy violation",
    1009: "message too big",
    1010: "extension required",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failed",  # never sent
}


REGISTERED, REGISTERED_CODES = "registered", (3000, 3999)  # libraries and frameworks (IANA)
APPLICATION, APPLICATION_CODES = "application", (4000, 4999)  # private use: the app's meaning


def close_code_name(code: int | None) -> str:
    """The name of a close code ("internal error"); "" when it has none. (The traffic list
    names codes from the same table, as an expression: core/exchange_display.py.)"""
    if code is None:
        return ""
    name = CLOSE_CODE_NAMES.get(code)
    if name is not None:
        return name
    if REGISTERED_CODES[0] <= code <= REGISTERED_CODES[1]:
        return REGISTERED
    if APPLICATION_CODES[0] <= code <= APPLICATION_CODES[1]:
        return APPLICATION
    return ""


def close_code_text(code: int | None) -> str:
    """ "1011 internal error", "4000 application", "1234" (unnamed), "" for no code."""
    if code is None:
        return ""
    name = close_code_name(code)
    return f"{code} {name}" if name else str(code)
