"""The traffic list's columns, each declared once: its title, what its header says, how its
cells read an exchange (text, and the whole text as a tooltip), what a request_id's node
shows in it, its alignment and font, and which stored fields a session file must give for it.

The live list and a stored session's list both draw from `COLUMNS` (`ui/traffic_model.py`,
`ui/stored_model.py`), and a stored row is read with the fields the columns name
(`store/light_rows.py`). To add a column: one `Column(...)` in `COLUMNS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from .exchange_display import (
    GroupSummary,
    date_time_text,
    group_text,
    is_held,
    short_id,
    size_text,
    status_text,
    time_text,
)
from .records import Exchange, ExchangeKind


class Align(Enum):
    LEFT = "left"
    RIGHT = "right"  # numbers


@dataclass(frozen=True)
class Column:
    key: str  # a stable name (settings, tests): "status"
    title: str  # the header's text
    about: str  # the header's tooltip: what the column shows
    text: Callable[[Exchange], str]
    tip: Callable[[Exchange], str]  # the whole text, shown as the cell's tooltip
    stored: tuple[str, ...]  # the stored fields `text` and `tip` read (store/light_rows.py)
    node_text: Callable[[GroupSummary], str] | None = None  # None: the latest attempt's
    node_tip: Callable[[GroupSummary], str] | None = None
    align: Align = Align.LEFT
    mono: bool = False  # ids: a fixed-width font
    toned: bool = False  # coloured by the status's tone (core.exchange_display.Tone)
    width: int = 100  # pixels at first, before the user resizes it

    def cell_text(self, x: Exchange, node: GroupSummary | None = None) -> str:
        if node is not None and self.node_text is not None:
            return self.node_text(node)
        return self.text(x)

    def cell_tip(self, x: Exchange, node: GroupSummary | None = None) -> str:
        if node is not None and self.node_tip is not None:
            return self.node_tip(node)
        return self.tip(x)


def _ws(x: Exchange) -> bool:
    return x.kind is ExchangeKind.WEBSOCKET


def _size_text(x: Exchange) -> str:
    return f"{x.ws_messages} msg" if _ws(x) else size_text(x.body_size)


def _size_tip(x: Exchange) -> str:
    if _ws(x):
        n = x.ws_messages
        return f"{_size_text(x)}: {n} message{'s' if n != 1 else ''}, both directions"
    n = x.body_size
    exact = f" ({n:,} bytes)" if n >= 1024 else ""
    return f"{_size_text(x)}{exact} of request body"


def _attempt_tip(x: Exchange) -> str:
    if _ws(x):
        return ""
    of = f" of request_id {x.request_id}" if x.request_id else f" of {x.method} {x.path}"
    return f"attempt {x.attempt}{of}"


def _token_tip(x: Exchange) -> str:
    token = x.dg_token
    if not token:
        return ""
    return f"dg-token {token}: the identifier of the API key that submitted the job"


def _status_cell(x: Exchange) -> str:
    """The status text, or for a held request its countdown (live rows only: a session file
    keeps no hold; the list repaints a held row each second, ui/rules_dock.py)."""
    if is_held(x):
        assert x.held_until is not None
        return f"held ‖ {max(0.0, x.held_until - time.time()):.0f} s"
    return status_text(x)


def _status_tip(x: Exchange) -> str:
    if is_held(x):
        return f"held by rule {x.rule}: its sender waits for your answer (or the next rule's)"
    return f"{status_text(x)}: {x.note}" if x.note else status_text(x)


def _rule_text(x: Exchange) -> str:
    return x.rule or ""


def _rule_tip(x: Exchange) -> str:
    if x.rule is None:
        return "no rule answered: the default reply"
    if is_held(x):
        return f"held by rule {x.rule}: waiting for your answer"
    return f"answered by rule {x.rule}" + (f" ({x.note})" if x.note.startswith("held") else "")


def _node_time_tip(g: GroupSummary) -> str:
    first, last = date_time_text(g.first.started), date_time_text(g.last.started)
    return f"first {first}, latest {last}" if g.count > 1 else first


def _node_status_tip(g: GroupSummary) -> str:
    return f"{group_text(g)}; latest: {_status_tip(g.last)}"


def _node_attempts(g: GroupSummary) -> str:
    n = g.count
    what = "message" if g.messages else "attempt"
    return f"{n} {what}{'s' if n != 1 else ''} with this request_id"


COLUMNS: tuple[Column, ...] = (
    Column(
        "time",
        "Time",
        "When the request arrived (local time); a group shows its first attempt",
        lambda x: time_text(x.started),
        lambda x: date_time_text(x.started),
        ("started",),
        node_text=lambda g: time_text(g.first.started),
        node_tip=_node_time_tip,
        width=92,
    ),
    Column(
        "method",
        "Method",
        "HTTP method, or WS for a WebSocket",
        lambda x: "WS" if _ws(x) else x.method,
        lambda x: f"WS: a WebSocket ({x.method} upgrade)" if _ws(x) else x.method,
        ("kind", "method"),
        width=56,
    ),
    Column(
        "path",
        "Path",
        "The request target: path and query as sent",
        lambda x: x.target,
        lambda x: x.target,
        ("target",),
        width=170,
    ),
    Column(
        "status",
        "Status",
        "The reply given (✓ 2xx, ↪ 3xx, ✗ error), or how a WebSocket ended; a group "
        "says how its delivery went",
        _status_cell,
        _status_tip,
        ("kind", "status", "ws_end", "note"),
        node_text=group_text,
        node_tip=_node_status_tip,
        toned=True,
        width=120,
    ),
    Column(
        "size",
        "Size",
        "Request body size, or a WebSocket's message count",
        _size_text,
        _size_tip,
        ("kind", "body_size", "ws_messages"),
        align=Align.RIGHT,
        width=66,
    ),
    Column(
        "request_id",
        "request_id",
        "Deepgram's request_id from the body (the whole id in the tooltip)",
        lambda x: short_id(x.request_id),
        lambda x: x.request_id or "",
        ("request_id",),
        mono=True,
        width=110,
    ),
    Column(
        "attempt",
        "Attempt",
        "Which attempt of this request_id (or method and path) the receiver saw",
        lambda x: "" if _ws(x) else str(x.attempt),
        _attempt_tip,
        ("kind", "attempt", "request_id", "method", "target"),
        node_text=lambda g: str(g.count),
        node_tip=_node_attempts,
        align=Align.RIGHT,
        width=56,
    ),
    Column(
        "rule",
        "Rule",
        "The reply rule that answered (its name, or #N by its place in the Rules panel); "
        "empty: no rule did, the default 200",
        _rule_text,
        _rule_tip,
        ("rule", "status", "note"),
        width=90,
    ),
    Column(
        "dg_token",
        "dg-token",
        "The dg-token header: the identifier of the API key that submitted the job",
        lambda x: x.dg_token or "",
        _token_tip,
        ("headers",),
        mono=True,
        width=100,
    ),
)

COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)


def column_index(key: str) -> int:
    """The position of the column named `key` in `COLUMNS`."""
    return COLUMN_KEYS.index(key)
