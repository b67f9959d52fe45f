"""The plain-text detail of an exchange: request line, headers in wire order, body.

Pure formatting (no widgets), so it is tested without a window. The result is shown with
`setPlainText`: network text is never interpreted as rich text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..core.records import Exchange, ExchangeKind, WsMessage

BODY_SHOWN_LIMIT = 256 * 1024  # the detail pane shows at most this much of a body


def _body_text(body: bytes) -> str:
    shown = body[:BODY_SHOWN_LIMIT]
    try:
        text = shown.decode("utf-8")
    except UnicodeDecodeError:
        return f"(binary or invalid UTF-8, {len(body)} bytes; escaped)\n" + shown.decode(
            "utf-8", errors="backslashreplace"
        )
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    if len(body) > BODY_SHOWN_LIMIT:
        text += f"\n… ({len(body) - BODY_SHOWN_LIMIT} more bytes not shown)"
    return text


def describe_exchange(x: Exchange, messages: Sequence[WsMessage] = ()) -> str:
    lines = [f"{x.method} {x.target} {x.http_version}", f"from {x.client}", ""]
    lines += [f"{name}: {value}" for name, value in x.headers]
    auth = x.basic_auth
    if auth is not None:
        lines += ["", f"basic auth: user {auth.user!r}, password {'*' * len(auth.password)}"]
    if x.dg_token:
        lines.append(f"dg-token: {x.dg_token}")
    if x.request_id:
        lines.append(f"request_id: {x.request_id} (attempt {x.attempt})")
    if x.view.transcript:
        lines.append(f"transcript: {x.view.transcript}")
    if x.note:
        lines += ["", f"note: {x.note}"]
    if x.kind is ExchangeKind.HTTP:
        lines += ["", f"--- body ({x.body_size} bytes) ---", _body_text(x.body)]
        lines += ["", f"--- reply: {x.status if x.status is not None else 'pending'} ---"]
        lines += [f"{n}: {v}" for n, v in x.reply_headers]
        if x.reply_body:
            lines.append(_body_text(x.reply_body))
    else:
        lines += ["", f"--- WebSocket: {len(messages)} messages ---"]
        for m in messages:
            arrow = "→" if m.direction.value == "in" else "←"
            content = m.text if m.text is not None else f"<binary {len(m.data)} bytes>"
            lines.append(f"#{m.index} {arrow} {m.kind.value} {len(m.data)} B: {content}")
        if x.ws_end is not None:
            lines.append(
                f"ended: by {x.ws_end.by.value}, code {x.ws_end.code}, reason {x.ws_end.reason!r}"
            )
    return "\n".join(lines)
