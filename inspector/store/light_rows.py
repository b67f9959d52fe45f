"""A stored exchange as the traffic list shows it: a *light* `Exchange`, read by column name.

A light row holds every field the list's columns say they read (`core.columns.Column.stored`)
and what grouping needs, and no bodies: a session of a million exchanges is listed a page at a
time (`ui/stored_model.py`), and bodies are read only for the row the user opens
(`SessionReader.exchange`). `LIGHT_FIELDS` maps each stored field to the columns of the
`exchanges` table it comes from; a column asking for a field not here fails at import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from ..core.body_view import BodyView
from ..core.columns import COLUMNS
from ..core.records import ClosedBy, Exchange, ExchangeKind, WsEnd


class Row(Protocol):
    """A row read by column name (`sqlite3.Row`, a dict)."""

    def __getitem__(self, name: str, /) -> Any: ...


# stored field -> the `exchanges` columns it is read from
LIGHT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("id",),
    "kind": ("kind",),
    "started": ("started",),
    "finished": ("finished",),
    "client": ("client",),
    "method": ("method",),
    "target": ("target",),
    "status": ("status",),
    "body_size": ("body_size",),
    "attempt": ("attempt",),
    "ws_end": ("ws_end_by", "ws_end_code", "ws_end_reason"),
    "ws_messages": ("ws_messages",),
    "note": ("note",),
    "headers": ("headers",),
    "request_id": ("request_id",),
    "transcript": ("transcript",),
    "is_final": ("is_final",),
    "message_type": ("message_type",),
    "probe": ("probe",),  # the public URL's probe (issue 13, schema v2)
    "rule": ("rule",),  # which reply rule answered (issue 17, schema v3)
}
# Exchange arguments taken as they are stored
_PLAIN = ("finished", "status", "body_size", "attempt", "ws_messages", "note", "rule")

_missing = {f for c in COLUMNS for f in c.stored} - set(LIGHT_FIELDS)
if _missing:
    raise ImportError(f"list columns read stored fields no light row has: {sorted(_missing)}")

LIGHT_SQL_COLUMNS: tuple[str, ...] = tuple(col for cols in LIGHT_FIELDS.values() for col in cols)
LIGHT_SELECT = ", ".join(LIGHT_SQL_COLUMNS)
_KINDS = {k.value: k for k in ExchangeKind}
_CLOSED_BY = {c.value: c for c in ClosedBy}


def ws_end_of(by: str | None, code: int | None, reason: str | None) -> WsEnd | None:
    return None if by is None else WsEnd(_CLOSED_BY[by], code, reason or "")


def headers_of(text: str) -> tuple[tuple[str, str], ...]:
    """Headers from their stored JSON text (`[["name","value"],...]`)."""
    return tuple((str(n), str(v)) for n, v in json.loads(text))


def light_exchange(row: Row) -> Exchange:
    """The light `Exchange` of a row of `SELECT {LIGHT_SELECT}`, read by column name.
    KeyError, ValueError or TypeError for a damaged row."""
    is_final = row["is_final"]
    return Exchange(
        id=row["id"],
        kind=_KINDS[row["kind"]],
        started=row["started"],
        client=row["client"],
        method=row["method"],
        target=row["target"],
        http_version="",
        headers=headers_of(row["headers"]),
        ws_end=ws_end_of(row["ws_end_by"], row["ws_end_code"], row["ws_end_reason"]),
        view=BodyView(
            utf8_valid=True,
            json_valid=False,
            request_id=row["request_id"],
            transcript=row["transcript"],
            is_final=None if is_final is None else bool(is_final),
            message_type=row["message_type"],
        ),
        probe=bool(row["probe"]),
        **{f: row[f] for f in _PLAIN},
    )
