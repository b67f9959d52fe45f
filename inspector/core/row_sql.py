"""`core/row_expr` trees as SQL over a session file's `exchanges` table.

`to_sql` gives the text of an expression and its parameters; user text (needles, patterns)
is always a parameter, never spliced into the SQL. Every condition compiles to 0 or 1,
never NULL (see `row_expr`: two-valued), so `NOT` means what it means in Python.

Speed: a million rows are filtered while the user types (bench/session_open.py). An ASCII
needle goes through LIKE (which folds ASCII case itself, no lower-case copy per row); other
needles through `py_lower`, Python's own `lower()`. Headers are stored as one JSON text per
row (`[["name","value"],...]`): a row whose text has no backslash has no JSON escapes, so
its text holds a header's name or value exactly as it is (and a `","` only between a name
and its value); those rows are matched by LIKE on the text itself, the rest (and needles a
LIKE could not decide) by the Python functions in `SQL_FUNCTIONS`, which run the very code
the live list runs. The connection must register `SQL_FUNCTIONS` (`store/session_reader.py` does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .exchange_fields import FIELDS
from .row_expr import (
    SEARCH_BODY_LIMIT,
    All,
    AnyOf,
    BodyContains,
    Case,
    Cmp,
    Concat,
    Const,
    Contains,
    Field,
    Glob,
    HasHeader,
    HeaderMatch,
    IsNull,
    Lit,
    Not,
    Pred,
    Search,
    Value,
    body_text,
    has_header,
    header_matches,
    header_search,
    nullable,
    parsed_glob,
)

_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
# The header JSON text has no escapes: LIKE on the text itself is exact there.
_PLAIN_HEADERS = "instr(headers, '\\') = 0"


def to_sql(node: Pred | Value, json1: bool = True) -> tuple[str, tuple[Any, ...]]:
    """(SQL text, its parameters: `?1` is the first) of a condition or a value. `json1`:
    the connection's SQLite has its JSON functions (3.38 and later do, unless built
    without), which read a header's value faster than Python does."""
    out = _Sql(json1)
    text = out.pred(node) if _is_pred(node) else out.value(node)  # type: ignore[arg-type]
    return text, tuple(out.params)


def _is_pred(node: object) -> bool:
    return not isinstance(node, (Field, Lit, Concat, Case))


def like_escape(text: str) -> str:
    """`text` taken literally in a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def glob_to_like(pattern: str) -> str | None:
    """A filter glob as a LIKE pattern with ESCAPE '\\'; None for one with a `[set]`,
    which LIKE cannot say (Python then decides: `py_glob`)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "[":
            return None
        if c == "\\" and i + 1 < len(pattern):  # an escaped character is itself
            i += 1
            out.append(like_escape(pattern[i]))
        else:
            out.append("%" if c == "*" else "_" if c == "?" else like_escape(c))
        i += 1
    return "".join(out)


class _Sql:
    def __init__(self, json1: bool = True) -> None:
        self.params: list[Any] = []
        self.json1 = json1

    def param(self, value: Any) -> str:
        """A numbered parameter (`?N`): the text may use it more than once, in any order,
        and an equal value is bound once."""
        for n, known in enumerate(self.params, 1):
            if type(known) is type(value) and known == value:
                return f"?{n}"
        self.params.append(value)
        return f"?{len(self.params)}"

    # -- values ---------------------------------------------------------------------------
    def value(self, node: Value) -> str:
        if isinstance(node, Field):
            return FIELDS[node.name].sql
        if isinstance(node, Lit):
            v = node.value
            if v is None:
                return "NULL"
            if isinstance(v, int):
                return str(int(v))
            if "\x00" in v:
                return self.param(v)
            return "'" + v.replace("'", "''") + "'"
        if isinstance(node, Concat):
            return "(" + " || ".join(self.value(p) for p in node.parts) + ")"
        if isinstance(node, Case):
            whens = " ".join(f"WHEN {self.pred(p)} THEN {self.value(v)}" for p, v in node.whens)
            return f"(CASE {whens} ELSE {self.value(node.default)} END)"
        raise TypeError(f"not a value expression: {node!r}")

    def _guarded(self, node: Value, condition: Callable[[str], str]) -> str:
        """`condition(value)`, false (0) where the value is NULL (an expression is
        computed once: coalesce rather than IS NOT NULL)."""
        v = self.value(node)
        if not nullable(node):
            return condition(v)
        if isinstance(node, Field):
            return f"({v} IS NOT NULL AND {condition(v)})"
        return f"coalesce({condition(v)}, 0)"

    # -- conditions -------------------------------------------------------------------------
    def pred(self, node: Pred) -> str:
        if isinstance(node, Const):
            return "1" if node.value else "0"
        if isinstance(node, Cmp):
            if node.op not in _OPS:
                raise ValueError(f"unknown comparison {node.op!r}")
            left, right = self.value(node.left), self.value(node.right)
            guards = [f"{s} IS NOT NULL" for n, s in ((node.left, left), (node.right, right))
                      if nullable(n)]  # fmt: skip
            return "(" + " AND ".join([*guards, f"{left} {node.op} {right}"]) + ")"
        if isinstance(node, IsNull):
            return f"({self.value(node.value)} IS NULL)"
        if isinstance(node, Not):
            return f"(NOT {self.pred(node.pred)})"
        if isinstance(node, All):
            if not node.preds:
                return "1"
            return "(" + " AND ".join(self.pred(p) for p in node.preds) + ")"
        if isinstance(node, AnyOf):
            if not node.preds:
                return "0"
            return "(" + " OR ".join(self.pred(p) for p in node.preds) + ")"
        if isinstance(node, Contains):
            return self._contains(node.value, node.needle)
        if isinstance(node, Glob):
            return self._glob(node.value, node.pattern)
        if isinstance(node, HasHeader):
            return self._has_header(node.name)
        if isinstance(node, HeaderMatch):
            return self._header_match(node)
        if isinstance(node, BodyContains):
            return self._body(node.needle)
        if isinstance(node, Search):
            return self._search(node)
        raise TypeError(f"not a condition: {node!r}")

    def _contains(self, node: Value, needle: str, guard: bool = True) -> str:
        """The value holds `needle`; without `guard`, NULL (not 0) where the value is NULL."""

        def test(v: str) -> str:
            if _likeable(needle):
                return f"{v} LIKE {self.param('%' + like_escape(needle) + '%')} ESCAPE '\\'"
            return self._unfolded(v, needle, f"instr(py_lower({v}), {{}}) > 0")

        return self._guarded(node, test) if guard else test(self.value(node))

    def _unfolded(self, text: str, needle: str, exact: str) -> str:
        """`exact` (a Python test, `{}` standing for the needle's parameter), asked only of
        the rows whose `text` holds the needle's longest ASCII run: a needle with other
        characters is folded by Python, once per row that can hold it, not once per row."""
        test = exact.format(self.param(needle))
        run = _ascii_run(needle)
        if not run:
            return test
        return _then(f"{text} LIKE {self.param('%' + like_escape(run) + '%')} ESCAPE '\\'", test)

    def _glob(self, node: Value, pattern: str) -> str:
        like = glob_to_like(pattern)
        if like is None:
            return self._guarded(node, lambda v: f"py_glob({v}, {self.param(pattern)})")
        if _likeable(pattern):
            return self._guarded(node, lambda v: f"{v} LIKE {self.param(like)} ESCAPE '\\'")
        return self._guarded(node, lambda v: f"py_lower({v}) LIKE {self.param(like)} ESCAPE '\\'")

    def _stored_text(self, text: str, pattern: str, exact: str) -> str:
        """A header test as LIKE `pattern` on the stored JSON `text` first, then `exact`
        only where needed. What LIKE looks for (printable ASCII, no quote or backslash) is
        written in the text as it is, so LIKE holds wherever `exact` does; in a text without
        escapes, where every `"` is a string's edge, LIKE is exact itself. So Python reads
        only the hits of the rare rows whose text has escapes."""
        like = self.param(pattern)
        return _then(f"{text} LIKE {like} ESCAPE '\\'", _then(f"NOT {_PLAIN_HEADERS}", exact, "1"))

    def _has_header(self, name: str) -> str:
        exact = f"py_has_header(headers, {self.param(name)})"
        if not _like_safe(name):
            return exact
        return self._stored_text("headers", '%["' + like_escape(name) + '",%', exact)

    def _header_match(self, node: HeaderMatch) -> str:
        exact = (
            f"py_header_match(headers, {self.param(node.name)}, {self.param(node.needle)}, "
            f"{1 if node.glob else 0})"
        )
        if not _like_safe(node.name):
            return exact
        # The name's pair, and the needle's longest plain run, must be in the text: cheap
        # tests that leave few rows to read pair by pair.
        pair = self.param('%["' + like_escape(node.name) + '",%')
        first = f"headers LIKE {pair} ESCAPE '\\'"
        run = _glob_run(node.needle) if node.glob else _ascii_run(node.needle)
        if run:
            first += f" AND headers LIKE {self.param('%' + like_escape(run) + '%')} ESCAPE '\\'"
        like = glob_to_like(node.needle) if node.glob else None
        if self.json1 and _like_safe(node.needle) and (like is not None or not node.glob):
            # SQLite's lower() and LIKE fold ASCII, as Python does for ASCII text.
            name = f"lower(json_extract(j.value, '$[0]')) = {self.param(node.name)}"
            value = "json_extract(j.value, '$[1]')"
            if like is not None:
                holds = f"{value} LIKE {self.param(like)} ESCAPE '\\'"
            else:
                holds = f"instr(lower({value}), {self.param(node.needle)}) > 0"
            exact = f"EXISTS (SELECT 1 FROM json_each(headers) j WHERE {name} AND {holds})"
        return _then(first, exact)

    def _body(self, needle: str) -> str:
        exact = f"py_body_contains(b.body, {self.param(needle)})"
        run = _ascii_run(needle)
        if run:
            # Python's bytes.lower() and `in` over the raw bytes find an ASCII run wherever
            # the decoded text has the needle, faster than SQLite's instr: only hits decode.
            exact = _then(f"py_bytes_have(b.body, {self.param(run.encode())})", exact)
        # One pass over the bodies (not a lookup per row): the ids whose body holds it.
        return f"exchanges.id IN (SELECT b.exchange_id FROM bodies b WHERE {exact})"

    def _search(self, node: Search) -> str:
        """Any part or header line holds the needle: one CASE, which stops at the first part
        that does (an OR inside a value evaluates every side) and is 0 where none does
        (a NULL part is not a match, so its test needs no guard)."""
        needle = node.needle
        parts = [
            self._contains(p.value, needle, guard=False) for p in node.parts if p.can_hold(needle)
        ]
        parts.append(self._header_search(needle))
        return "(CASE " + " ".join(f"WHEN {p} THEN 1" for p in parts) + " ELSE 0 END)"

    def _header_search(self, needle: str) -> str:
        exact = f"py_header_search(headers, {self.param(needle)})"
        # First the needle's longest piece that lies within one name or value (no ':' or
        # ' ' to run over the ": " between them) and that the text writes as it is.
        piece = max(re.split(r"[^!#-Z^-~]|[\[\],:]", needle), key=len)

        def after_piece(test: str) -> str:
            if not piece:
                return test
            return _then(f"headers LIKE {self.param(f'%{like_escape(piece)}%')} ESCAPE '\\'", test)

        if not _like_safe(needle) or not set(needle) - set("[],"):
            return after_piece(exact)
        if ":" not in needle and " " not in needle:
            return self._stored_text("headers", "%" + like_escape(needle) + "%", exact)
        # The ": " between a name and its value is written `","` in the text.
        replaced = "replace(headers, '\",\"', ': ')"
        return after_piece(self._stored_text(replaced, "%" + like_escape(needle) + "%", exact))


def _then(first: str, then: str, otherwise: str = "0") -> str:
    """`then` where `first` holds, else `otherwise`: the one form SQLite never evaluates
    `then` in where `first` fails (`a AND b` inside a value, such as a coalesce or a NOT,
    evaluates both sides: a Python function there would run for every row)."""
    return f"(CASE WHEN {first} THEN {then} ELSE {otherwise} END)"


def _ascii_run(needle: str) -> str:
    """The needle's longest run of characters the stored text writes as they are and LIKE
    folds as Python does (printable ASCII but `"`, `\\`, and the `[],` of the header JSON)."""
    runs = re.split(r"[^ !#-Z^-~]|[\[\],]", needle)
    return max(runs, key=len) if runs else ""


def _glob_run(pattern: str) -> str:
    """The longest run of literal characters every match of the glob holds: `*`, `?` and a
    `[set]` end a run (a set's members are not literals), an escaped character is itself."""
    literal, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            literal.append(pattern[i])
        elif c == "[":
            literal.append("\x00")
            j = i + 1 + (pattern[i + 1 : i + 2] == "!")
            j += pattern[j : j + 1] == "]"  # a `]` first in a set is a member
            end = pattern.find("]", j)
            i = len(pattern) if end < 0 else end
        else:
            literal.append("\x00" if c in "*?" else c)
        i += 1
    return _ascii_run("".join(literal))


def _likeable(text: str) -> bool:
    """Text LIKE matches as Python does: ASCII (LIKE folds ASCII case only), and no NUL
    (where SQLite ends a pattern)."""
    return text.isascii() and "\x00" not in text


def _like_safe(text: str) -> bool:
    """Text the stored header JSON writes as it is: printable ASCII, no quote or backslash."""
    return all(" " <= c <= "~" for c in text) and '"' not in text and "\\" not in text


# -- the Python functions the SQL calls ---------------------------------------------------------
def _headers_of(text: object) -> list[Any]:
    if not isinstance(text, str):
        return []
    try:
        pairs = json.loads(text)
    except ValueError:
        return []
    if not isinstance(pairs, list):
        return []
    return [p for p in pairs if isinstance(p, list) and len(p) == 2
            and isinstance(p[0], str) and isinstance(p[1], str)]  # fmt: skip


def _py_lower(value: object) -> str | None:
    return None if value is None else str(value).lower()


def _py_glob(value: object, pattern: str) -> int:
    return int(value is not None and parsed_glob(pattern).matches(str(value).lower()))


def _py_has_header(text: object, name: str) -> int:
    return int(has_header(_headers_of(text), name))


def _py_header_match(text: object, name: str, needle: str, glob: int) -> int:
    return int(header_matches(_headers_of(text), HeaderMatch(name, needle, bool(glob))))


def _py_header_search(text: object, needle: str) -> int:
    return int(header_search(_headers_of(text), needle))


def _py_bytes_have(body: object, run: bytes) -> int:
    return int(isinstance(body, bytes) and run in body[:SEARCH_BODY_LIMIT].lower())


def _py_body_contains(body: object, needle: str) -> int:
    if not isinstance(body, bytes):
        return 0
    return int(needle in body_text(body))


SQL_FUNCTIONS: Mapping[str, tuple[int, Callable[..., Any]]] = {
    "py_lower": (1, _py_lower),
    "py_glob": (2, _py_glob),
    "py_has_header": (2, _py_has_header),
    "py_header_match": (4, _py_header_match),
    "py_header_search": (2, _py_header_search),
    "py_body_contains": (2, _py_body_contains),
    "py_bytes_have": (2, _py_bytes_have),
}
"""name -> (argument count, function): what `to_sql`'s SQL calls; every connection that runs
it registers these (deterministic)."""
