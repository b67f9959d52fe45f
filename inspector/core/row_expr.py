"""Expressions over an exchange's fields, evaluated in Python or compiled to SQL.

The list's decisions (status text, "is this an error", the group key, what a plain word
searches: `core/exchange_display.py`) and the filter box's expressions (`core/filter_expr.py`)
are trees of these nodes. `core/row_python.py` turns a tree into a function of an `Exchange`
(the live list); `core/row_sql.py` turns the same tree into SQL over a session file (a
stored session). One tree, two readings: tests hold them to the same answers.

Values are two-valued where SQL has three: a comparison or match on a missing value (None,
SQL NULL) is false, never unknown, so `Not` means the same in both.

Text matches ignore case: Python's `lower()` on both sides. SQL folds ASCII itself (LIKE)
and calls Python's `lower()` for a needle with other characters, so a non-ASCII needle
matches exactly as in Python. (An ASCII needle against the rare characters whose lower
case is ASCII, such as the Kelvin sign, is the one place SQLite's LIKE can differ.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .exchange_fields import FIELDS
from .glob import Glob as GlobPattern

SEARCH_BODY_LIMIT = 1024 * 1024  # bytes of a body that `body:` looks into


# -- values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A field of `core/exchange_fields.FIELDS`, by name."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in FIELDS:
            raise ValueError(f"no field {self.name!r}")


@dataclass(frozen=True)
class Lit:
    value: str | int | None


@dataclass(frozen=True)
class Concat:
    """Text of the parts joined; None when any part is None (SQL `||` with NULL)."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Case:
    """The value of the first `when` whose condition holds, else `default`."""

    whens: tuple[tuple[Pred, Value], ...]
    default: Value


Value = Field | Lit | Concat | Case


# -- conditions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Cmp:
    """`left op right`, op one of = != < <= > >=; false when either side is None."""

    op: str
    left: Value
    right: Value


@dataclass(frozen=True)
class IsNull:
    value: Value


@dataclass(frozen=True)
class Not:
    pred: Pred


@dataclass(frozen=True)
class All:
    """Every condition holds (true when there are none)."""

    preds: tuple[Pred, ...]


@dataclass(frozen=True)
class AnyOf:
    """Some condition holds (false when there are none)."""

    preds: tuple[Pred, ...]


@dataclass(frozen=True)
class Contains:
    """The value's text holds `needle` (lower case), ignoring case."""

    value: Value
    needle: str


@dataclass(frozen=True)
class Glob:
    """The whole value's text matches `pattern` (lower case; `*` any run, `?` one
    character, `[a-z]` one of a set, as in rules files), ignoring case."""

    value: Value
    pattern: str


@dataclass(frozen=True)
class HasHeader:
    """A request header named `name` (lower case) is present."""

    name: str


@dataclass(frozen=True)
class HeaderMatch:
    """Some header named `name` (lower case) has a value that contains `needle`, or, with
    `glob`, matches it whole (both lower case)."""

    name: str
    needle: str
    glob: bool = False


@dataclass(frozen=True)
class BodyContains:
    """The request body (its first `SEARCH_BODY_LIMIT` bytes, as UTF-8 with replacement
    characters) contains `needle` (lower case), ignoring case."""

    needle: str


@dataclass(frozen=True)
class SearchPart:
    """One text a plain word is looked for in. `shapes`, when set, are all the texts the part
    can be, each run of digits written `#` (a text made of our own words and numbers): a
    needle that is in none of them cannot be in the part, and SQL leaves the part out."""

    value: Value
    shapes: frozenset[str] | None = None

    def can_hold(self, needle: str) -> bool:
        if self.shapes is None:
            return True
        shape = _DIGITS.sub("#", needle)
        return any(shape in s for s in self.shapes)


_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Search:
    """`needle` (lower case) is in one of `parts`, or in one of the request's header lines
    ("name: value")."""

    parts: tuple[SearchPart, ...]
    needle: str


Pred = (
    Const
    | Cmp
    | IsNull
    | Not
    | All
    | AnyOf
    | Contains
    | Glob
    | HasHeader
    | HeaderMatch
    | BodyContains
    | Search
)


@lru_cache(maxsize=256)
def parsed_glob(pattern: str) -> GlobPattern:
    """A filter glob, in the language of rules files (`core/glob.py`: `*`, `?`, `[a-z]`,
    `\\` escapes). GlobError for a broken one (the filter parser says so first)."""
    return GlobPattern.parse(pattern)


# -- what the Python and SQL readings share ------------------------------------------------
def nullable(node: Value) -> bool:
    """Whether the value can be None (SQL NULL)."""
    if isinstance(node, Field):
        return FIELDS[node.name].nullable
    if isinstance(node, Lit):
        return node.value is None
    if isinstance(node, Concat):
        return any(nullable(p) for p in node.parts)
    return nullable(node.default) or any(nullable(v) for _, v in node.whens)


def shapes(node: Value) -> frozenset[str] | None:
    """Every text `node` can be, its numbers written `#` (`SearchPart.shapes`); None when it
    can be any text (a text field)."""
    if isinstance(node, Lit):
        return frozenset({_DIGITS.sub("#", str(node.value))}) if node.value is not None else None
    if isinstance(node, Field):
        return frozenset({"#"}) if FIELDS[node.name].numeric else None
    if isinstance(node, Concat):
        out = frozenset({""})
        for part in node.parts:
            part_shapes = shapes(part)
            if part_shapes is None:
                return None
            out = frozenset(_DIGITS.sub("#", a + b) for a in out for b in part_shapes)
        return out
    branches = [shapes(v) for _, v in node.whens] + [shapes(node.default)]
    if any(b is None for b in branches):
        return None
    return frozenset().union(*branches)  # type: ignore[arg-type]


def header_lines(headers: Iterable[Sequence[str]]) -> list[str]:
    """Headers as the lower-case lines a plain word looks in ("name: value")."""
    return [f"{n}: {v}".lower() for n, v in headers]


def body_text(body: bytes) -> str:
    """The lower-case text `body:` looks into."""
    return body[:SEARCH_BODY_LIMIT].decode("utf-8", errors="replace").lower()


def has_header(headers: Iterable[Sequence[str]], name: str) -> bool:
    """A header named `name` (lower case) is among `headers` (name, value pairs)."""
    return any(n.lower() == name for n, _ in headers)


def header_matches(headers: Iterable[Sequence[str]], node: HeaderMatch) -> bool:
    """Some header of `headers` is what `node` asks for."""
    name, needle = node.name, node.needle
    if node.glob:
        glob = parsed_glob(needle)
        return any(n.lower() == name and glob.matches(v.lower()) for n, v in headers)
    return any(n.lower() == name and needle in v.lower() for n, v in headers)


def header_search(headers: Iterable[Sequence[str]], needle: str) -> bool:
    """`needle` (lower case) is in one of the header lines ("name: value")."""
    return any(needle in line for line in header_lines(headers))
