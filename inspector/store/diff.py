"""Two exchanges side by side: what differs in the request line, headers and bodies.

Pure functions over records, for the window's diff view (attempt 1 against attempt 4 of one
request_id, or one callback from two runs). Headers are matched by name, case-insensitively,
the k-th value of a name against the k-th; a header present in both but moved is reported
as an order change. JSON bodies are compared structurally, with paths like
`metadata.request_id` or `results.channels[0].alternatives[0].transcript`; other text
bodies as a unified line diff; binary bodies only as same or different.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..core.headers import Header
from ..core.records import Exchange

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Change(Enum):
    ADDED = "added"  # only in the second
    REMOVED = "removed"  # only in the first
    CHANGED = "changed"


@dataclass(frozen=True)
class FieldDiff:
    name: str  # "method", "target", "status", ...
    old: Any
    new: Any


@dataclass(frozen=True)
class HeaderDiff:
    change: Change
    name: str  # as the second exchange spells it (the first for REMOVED)
    old: str | None
    new: str | None


@dataclass(frozen=True)
class JsonDiff:
    change: Change
    path: str  # "" for the whole document
    old: Any = None
    new: Any = None


class BodyKind(Enum):
    SAME = "same"
    JSON = "json"
    TEXT = "text"
    BINARY = "binary"


@dataclass(frozen=True)
class BodyDiff:
    kind: BodyKind
    json: tuple[JsonDiff, ...] = ()
    text: tuple[str, ...] = ()  # unified diff lines, for TEXT
    old_size: int = 0
    new_size: int = 0


@dataclass(frozen=True)
class HeadersDiff:
    changes: tuple[HeaderDiff, ...]
    order_changed: bool  # the headers both have, in a different order


@dataclass(frozen=True)
class ExchangeDiff:
    fields: tuple[FieldDiff, ...]
    headers: HeadersDiff
    body: BodyDiff
    reply_headers: HeadersDiff
    reply_body: BodyDiff

    @property
    def same(self) -> bool:
        return (
            not self.fields
            and not self.headers.changes
            and not self.headers.order_changed
            and self.body.kind is BodyKind.SAME
            and not self.reply_headers.changes
            and self.reply_body.kind is BodyKind.SAME
        )


_FIELDS = ("method", "target", "http_version", "status", "body_size", "attempt", "request_id")


def diff_exchanges(a: Exchange, b: Exchange) -> ExchangeDiff:
    fields = tuple(
        FieldDiff(name, getattr(a, name), getattr(b, name))
        for name in _FIELDS
        if getattr(a, name) != getattr(b, name)
    )
    return ExchangeDiff(
        fields=fields,
        headers=diff_headers(a.headers, b.headers),
        body=diff_bodies(a.body, b.body),
        reply_headers=diff_headers(a.reply_headers, b.reply_headers),
        reply_body=diff_bodies(a.reply_body, b.reply_body),
    )


def _numbered(headers: Sequence[Header]) -> list[tuple[tuple[str, int], str, str]]:
    """Each header keyed by (lower name, occurrence number), with its spelling and value."""
    seen: dict[str, int] = {}
    out = []
    for name, value in headers:
        lower = name.lower()
        n = seen.get(lower, 0)
        seen[lower] = n + 1
        out.append(((lower, n), name, value))
    return out


def diff_headers(a: Sequence[Header], b: Sequence[Header]) -> HeadersDiff:
    left, right = _numbered(a), _numbered(b)
    left_of = {key: (name, value) for key, name, value in left}
    right_of = {key: (name, value) for key, name, value in right}
    changes: list[HeaderDiff] = []
    for key, name, value in left:
        if key not in right_of:
            changes.append(HeaderDiff(Change.REMOVED, name, value, None))
        elif right_of[key][1] != value:
            changes.append(HeaderDiff(Change.CHANGED, right_of[key][0], value, right_of[key][1]))
    for key, name, value in right:
        if key not in left_of:
            changes.append(HeaderDiff(Change.ADDED, name, None, value))
    common_left = [key for key, _, _ in left if key in right_of]
    common_right = [key for key, _, _ in right if key in left_of]
    return HeadersDiff(tuple(changes), common_left != common_right)


def _json(body: bytes) -> tuple[bool, Any]:
    if not body:
        return False, None
    try:
        return True, json.loads(body)
    except (ValueError, RecursionError):
        return False, None


def diff_bodies(a: bytes, b: bytes) -> BodyDiff:
    old_size, new_size = len(a), len(b)
    if a == b:
        return BodyDiff(BodyKind.SAME, old_size=old_size, new_size=new_size)
    (a_ok, a_json), (b_ok, b_json) = _json(a), _json(b)
    if a_ok and b_ok:
        return BodyDiff(
            BodyKind.JSON,
            json=tuple(diff_json(a_json, b_json)),
            old_size=old_size,
            new_size=new_size,
        )
    try:
        a_text, b_text = a.decode("utf-8"), b.decode("utf-8")
    except UnicodeDecodeError:
        return BodyDiff(BodyKind.BINARY, old_size=old_size, new_size=new_size)
    lines = difflib.unified_diff(
        a_text.splitlines(), b_text.splitlines(), "first", "second", lineterm=""
    )
    return BodyDiff(BodyKind.TEXT, text=tuple(lines), old_size=old_size, new_size=new_size)


def _key_path(path: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def diff_json(a: Any, b: Any, path: str = "") -> list[JsonDiff]:
    """Structural differences of two JSON values, depth first, keys in the first's order."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[JsonDiff] = []
        for key, value in a.items():
            sub = _key_path(path, key)
            if key in b:
                out += diff_json(value, b[key], sub)
            else:
                out.append(JsonDiff(Change.REMOVED, sub, old=value))
        out += [
            JsonDiff(Change.ADDED, _key_path(path, key), new=value)
            for key, value in b.items()
            if key not in a
        ]
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i}]"
            if i >= len(b):
                out.append(JsonDiff(Change.REMOVED, sub, old=a[i]))
            elif i >= len(a):
                out.append(JsonDiff(Change.ADDED, sub, new=b[i]))
            else:
                out += diff_json(a[i], b[i], sub)
        return out
    # 1 and 1.0 are equal in Python but not on the wire; True == 1 as well.
    if type(a) is not type(b) or a != b:
        return [JsonDiff(Change.CHANGED, path, old=a, new=b)]
    return []
