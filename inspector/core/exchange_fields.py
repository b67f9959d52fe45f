"""The fields of an exchange that the list shows, searches and filters on, each read two ways:
from an `Exchange` in memory (the live list) and as an SQL expression over a session file's
`exchanges` table (a stored session). Everything that decides on these fields (status text,
group key, search, filter expressions) is written once over `Field`s (`core/row_expr.py`)
and turned into Python and SQL from this one table, so the two can never say different
things about the same exchange.

To add a field: one `_field(...)` line here (and, for SQL, a column of that name in the
session file: `store/schema.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# `target` without its query string, as SQL: what `Exchange.path` gives in Python.
_PATH_SQL = (
    "CASE WHEN instr(target, '?') > 0 THEN substr(target, 1, instr(target, '?') - 1) "
    "ELSE target END"
)


@dataclass(frozen=True)
class FieldDef:
    """One field: its name, a Python expression reading it from an `Exchange` named `x`,
    and its SQL expression over the `exchanges` table (NULL exactly where the Python
    reading is None). Both are code, compiled once per expression (`core/row_expr.py`)."""

    name: str
    py: str
    sql: str
    nullable: bool = True  # False: never None (a NOT NULL column)
    numeric: bool = False  # an integer: its text is digits


_DEFS = (
    FieldDef("id", "x.id", "id", nullable=False, numeric=True),
    FieldDef("kind", "x.kind.value", "kind", nullable=False),
    FieldDef("started", "x.started", "started", nullable=False),
    FieldDef("finished", "x.finished", "finished"),
    FieldDef("method", "x.method", "method", nullable=False),
    FieldDef("target", "x.target", "target", nullable=False),
    FieldDef("path", "x.path", f"({_PATH_SQL})", nullable=False),
    FieldDef("status", "x.status", "status", numeric=True),
    FieldDef("body_size", "x.body_size", "body_size", nullable=False, numeric=True),
    FieldDef("attempt", "x.attempt", "attempt", nullable=False, numeric=True),
    FieldDef("request_id", "x.view.request_id", "request_id"),
    FieldDef("dg_token", "x.dg_token", "dg_token"),
    FieldDef("ws_end_by", "(None if x.ws_end is None else x.ws_end.by.value)", "ws_end_by"),
    FieldDef(
        "ws_end_code", "(None if x.ws_end is None else x.ws_end.code)", "ws_end_code", numeric=True
    ),
    FieldDef("ws_messages", "x.ws_messages", "ws_messages", nullable=False, numeric=True),
    FieldDef("note", "x.note", "note", nullable=False),
    FieldDef("transcript", "x.view.transcript", "transcript"),
    FieldDef("message_type", "x.view.message_type", "message_type"),
    FieldDef("is_final", "x.view.is_final", "is_final"),
    FieldDef("probe", "int(x.probe)", "probe", nullable=False),  # issue 13: the public URL's
    FieldDef("rule", "x.rule", "rule"),  # issue 17: the reply rule that answered (name or #N)
    # Held by a breakpoint until then; a session file keeps no hold (every stored one ended).
    FieldDef("held_until", "x.held_until", "NULL"),
)

FIELDS: Mapping[str, FieldDef] = {f.name: f for f in _DEFS}
