"""How a body is shown: pretty text, a hex dump for binary, and the words of a transcript.

Pure functions over bytes and parsed JSON (no widgets), so they are tested without a window.
What a body *says* (its JSON, a Deepgram result's transcript and words) is read in core
(`core.body_view`, `core.deepgram_result`); this module only formats it.
Everything returned is plain text for `setPlainText`; nothing is ever interpreted as markup.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.body_view import NOT_JSON, decode_json

SHOWN_LIMIT = 256 * 1024  # bytes of a body shown as text or hex at once
HEX_WIDTH = 16


def parse_json(data: bytes) -> tuple[bool, Any]:
    """(True, value) when `data` is JSON, else (False, None); never raises."""
    value = decode_json(data)[1] if data else NOT_JSON  # core's one JSON reading of a body
    return (False, None) if value is NOT_JSON else (True, value)


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 item", "3 items"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def json_type(value: Any) -> str:
    """A parsed JSON value's type as JSON names it: `object {2}`, `array [3]`, `string`,
    `number`, `boolean`, `null` (never Python's `float`, `int` or `dict`)."""
    if isinstance(value, dict):
        return f"object {{{len(value)}}}"
    if isinstance(value, list):
        return f"array [{len(value)}]"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null"


def json_scalar_text(value: Any) -> str:
    """A scalar as JSON writes it (strings unquoted: they are shown as text)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def json_preview(value: Any, limit: int = 120) -> str:
    """A container on one line, as compact JSON cut at `limit` characters: what a collapsed
    node of the tree shows. Stops writing at the limit, so a node of a huge body costs no
    more than a small one."""
    parts: list[str] = []
    left = [limit + 1]

    def put(text: str) -> bool:
        parts.append(text[: left[0]])
        left[0] -= len(text)
        return left[0] > 0

    def walk(v: Any) -> bool:
        if isinstance(v, dict):
            if not put("{"):
                return False
            for n, (k, child) in enumerate(v.items()):
                if (n and not put(",")) or not put(json.dumps(str(k), ensure_ascii=False) + ":"):
                    return False
                if not walk(child):
                    return False
            return put("}")
        if isinstance(v, list):
            if not put("["):
                return False
            for n, child in enumerate(v):
                if (n and not put(",")) or not walk(child):
                    return False
            return put("]")
        if isinstance(v, str):
            v = v[: left[0]]  # a huge string costs only what is shown of it
        try:
            return put(json.dumps(v, ensure_ascii=False))
        except ValueError:
            return put("?")

    try:
        complete = walk(value)
    except RecursionError:
        complete = False
    text = "".join(parts)
    return text if complete and len(text) <= limit else text[: limit - 1] + "…"


def is_binary(data: bytes) -> bool:
    """Not valid UTF-8, or control bytes other than whitespace/ESC: shown as hex."""
    try:
        text = data[:SHOWN_LIMIT].decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(ord(c) < 32 and c not in "\t\n\r\x1b" for c in text)


def hexdump(data: bytes, limit: int = SHOWN_LIMIT) -> str:
    """Offset, hex bytes and printable ASCII, 16 bytes a line."""
    lines = []
    shown = data[:limit]
    for offset in range(0, len(shown), HEX_WIDTH):
        chunk = shown[offset : offset + HEX_WIDTH]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<{HEX_WIDTH * 3 - 1}}  {text}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit} more bytes not shown")
    return "\n".join(lines)


def raw_text(data: bytes, limit: int = SHOWN_LIMIT) -> str:
    """The body as received: text when it is text, a hex dump otherwise."""
    if not data:
        return ""
    if is_binary(data):
        return f"(binary, {len(data)} bytes)\n" + hexdump(data, limit)
    text = data[:limit].decode("utf-8", errors="backslashreplace")
    if len(data) > limit:
        text += f"\n… {len(data) - limit} more bytes not shown"
    return text


def pretty_text(data: bytes, limit: int = SHOWN_LIMIT) -> str:
    """JSON indented; other text as is; binary as a hex dump."""
    ok, value = parse_json(data)
    if ok:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return raw_text(data, limit)
