"""The filter language of the filter box, `serve --filter` and `export --filter`.

    status:503  status:5xx  status:>=400  status:500-599   method:PUT   path:/hook*
    request_id:6732  attempt:>1  code:1011  size:>1kb  has:dg-token
    header:content-type=application/json   body:"one two"   transcript:"nine o'clock"
    note:limit  rule:"slow PUT"  rule:#2  is:error  ws   a plain word (today's substring search)

Space is AND, `OR` (upper case) is OR, a leading `-` leaves out, parentheses group; a quoted
phrase is one plain word. Field names ignore case; text matches ignore case. A value with `*`,
`?` or `[` is a glob over the whole value (path, method, request_id, dg-token, rule, header
values), in the language of rules files (`core/glob.py`); otherwise text fields match what
contains it, but for `rule:#N`, which names the Nth rule of the list and no other.

`parse_filter` turns text into one `core.row_expr` condition, which the live list evaluates in
Python and a stored session runs as SQL. It never raises: a mistake comes back as a message
for under the box ("unknown field `stauts`: did you mean `status`?").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .exchange_display import IS_ERROR, IS_HELD, STATUS_TONE, Tone, plain_word
from .glob import GlobError
from .row_expr import (
    All,
    AnyOf,
    BodyContains,
    Cmp,
    Contains,
    Field,
    Glob,
    HasHeader,
    HeaderMatch,
    IsNull,
    Lit,
    Not,
    Pred,
    parsed_glob,
)

MAX_DEPTH = 64  # parentheses and negations nested deeper than this are refused


@dataclass(frozen=True)
class ParsedFilter:
    """The result of `parse_filter`: a condition (None: every row), or the mistake."""

    text: str
    condition: Pred | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class FilterError(Exception):
    """A mistake in a filter, with the message shown under the box (never escapes
    `parse_filter`)."""


# -- values -----------------------------------------------------------------------------------
_COMPARISON = re.compile(r"(<=|>=|<|>|=)?(.+)")
_RANGE = re.compile(r"(\d+)-(\d+)")
_CLASS = re.compile(r"([1-5])xx", re.IGNORECASE)
_SIZE = re.compile(r"(\d+(?:\.\d+)?)(b|kb|k|mb|m)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024 * 1024, "mb": 1024 * 1024}
_MAX_NUMBER = 2**62  # beyond any status, attempt or size; keeps SQLite's integers in range


def _count(text: str) -> int | None:
    return min(int(text), _MAX_NUMBER) if text.isascii() and text.isdigit() else None


def _size(text: str) -> int | None:
    m = _SIZE.fullmatch(text)
    if m is None:
        return None
    return min(int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower()]), _MAX_NUMBER)


def _numeric(
    field: str, value: str, help_text: str, number: Callable[[str], int | None] = _count
) -> Pred:
    """`value` as a test of numeric `field`: 503, >=400, <3, 1-3 (and 5xx for a status)."""
    column = Field(field)
    if field == "status" and (m := _CLASS.fullmatch(value)):
        low = int(m.group(1)) * 100
        return All((Cmp(">=", column, Lit(low)), Cmp("<", column, Lit(low + 100))))
    if (m := _RANGE.fullmatch(value)) and value.isascii():
        low, high = sorted((min(int(m.group(1)), _MAX_NUMBER), min(int(m.group(2)), _MAX_NUMBER)))
        return All((Cmp(">=", column, Lit(low)), Cmp("<=", column, Lit(high))))
    m = _COMPARISON.fullmatch(value)
    n = number(m.group(2)) if m is not None else None
    if m is None or n is None:
        raise FilterError(f"`{value}` is not a {field}: {help_text}")
    return Cmp(m.group(1) or "=", column, Lit(n))


def _is_glob(value: str) -> bool:
    return any(c in value for c in "*?[")


def _glob(field: str, value: str) -> str:
    """`value` (lower case) as a checked glob of the rules files' language."""
    pattern = value.lower()
    try:
        parsed_glob(pattern)
    except GlobError as exc:
        raise FilterError(f"`{field}:{value}`: {exc}") from None
    return pattern


def _text(field: str, value: str, globs: bool) -> Pred:
    """A text field that holds `value` (a glob over the whole field when `globs` allows)."""
    if globs and _is_glob(value):
        return Glob(Field(field), _glob(field, value))
    return Contains(Field(field), value.lower())


_RULE_PLACE = re.compile(r"#\d+")


def _rule(value: str) -> Pred:
    """The rule that answered: `#2` is the second rule of the list (an unnamed rule's name,
    never `#12`); a name matches what contains it, a glob the whole name."""
    if _RULE_PLACE.fullmatch(value):
        return Cmp("=", Field("rule"), Lit(value))
    return _text("rule", value, globs=True)


def _header(value: str) -> Pred:
    name, eq, wanted = value.partition("=")
    name = name.strip().lower()
    if not name:
        raise FilterError(f"`header:{value}`: name the header, e.g. header:content-type=json")
    if not eq:
        return HasHeader(name)
    if _is_glob(wanted):
        return HeaderMatch(name, _glob("header", wanted), glob=True)
    return HeaderMatch(name, wanted.lower())


def _not_empty(field: str) -> Pred:
    return Cmp("!=", Field(field), Lit(""))  # false for None too (two-valued)


HAS_SPECIAL: dict[str, Pred] = {
    "body": Cmp(">", Field("body_size"), Lit(0)),
    "request_id": _not_empty("request_id"),
    "transcript": _not_empty("transcript"),
    "note": _not_empty("note"),
    "rule": _not_empty("rule"),  # a reply rule answered (not the default 200)
    # The dg-token header has a field of its own (its own stored column): the same answer
    # without reading every row's headers.
    "dg-token": Not(IsNull(Field("dg_token"))),
}

_ws = Cmp("=", Field("kind"), Lit("websocket"))
IS_STATES: dict[str, Pred] = {
    "error": IS_ERROR,
    "ok": Cmp("=", STATUS_TONE, Lit(Tone.OK.value)),
    "redirect": Cmp("=", STATUS_TONE, Lit(Tone.REDIRECT.value)),
    "pending": IsNull(Field("status")),  # no reply yet
    "held": IS_HELD,  # held by a breakpoint, waiting for the user's answer (live only)
    "open": All((_ws, Cmp("=", Field("status"), Lit(101)), IsNull(Field("ws_end_by")))),
    "ws": _ws,
    "websocket": _ws,
    "http": Cmp("=", Field("kind"), Lit("http")),
    "final": Cmp("=", Field("is_final"), Lit(1)),
    "retry": Cmp(">", Field("attempt"), Lit(1)),
}


def _is(value: str) -> Pred:
    found = IS_STATES.get(value.lower())
    if found is None:
        raise FilterError(_unknown(f"`is:{value}`", value.lower(), list(IS_STATES), "is:"))
    return found


def _has(value: str) -> Pred:
    name = value.lower()
    return HAS_SPECIAL.get(name) or HasHeader(name)


_STATUS_HELP = "give a number (503), a class (5xx), a range (500-599) or a comparison (>=400)"
_NUMBER_HELP = "give a number (2), a range (1-3) or a comparison (>1)"
_SIZE_HELP = "give bytes or kb/mb (>1kb), a range of bytes (100-200) or a comparison"

# field name -> (what its value becomes, an example for the help)
FIELDS: dict[str, tuple[Callable[[str], Pred], str]] = {
    "status": (lambda v: _numeric("status", v, _STATUS_HELP), "status:5xx"),
    "method": (lambda v: Glob(Field("method"), _glob("method", v)), "method:PUT"),
    "path": (lambda v: _text("path", v, globs=True), "path:/hook*"),
    "request_id": (lambda v: _text("request_id", v, globs=True), "request_id:6732"),
    "attempt": (lambda v: _numeric("attempt", v, _NUMBER_HELP), "attempt:>1"),
    "code": (lambda v: _numeric("ws_end_code", v, _NUMBER_HELP), "code:1011"),
    "size": (lambda v: _numeric("body_size", v, _SIZE_HELP, _size), "size:>1kb"),
    "has": (_has, "has:dg-token"),
    "header": (_header, "header:content-type=application/json"),
    "body": (lambda v: BodyContains(v.lower()), 'body:"one two"'),
    "transcript": (lambda v: _text("transcript", v, globs=False), 'transcript:"nine o\'clock"'),
    "note": (lambda v: _text("note", v, globs=False), "note:limit"),
    "dg-token": (lambda v: _text("dg_token", v, globs=True), "dg-token:5b0f*"),
    "rule": (_rule, 'rule:"slow PUT"'),
    "is": (_is, "is:error"),
}
ALIASES = {"token": "dg-token", "dg_token": "dg-token", "rid": "request_id", "url": "path"}
KEYWORDS: dict[str, Pred] = {"ws": _ws}


# mitmproxy's filters that have a field here: `~c 503` is said as `status:503` (None: the
# operator takes no value). Said, not translated: mitmproxy matches regular expressions.
MITMPROXY: dict[str, str | None] = {
    "~c": "status",
    "~m": "method",
    "~u": "path",
    "~b": "body",
    "~bq": "body",
    "~h": "header",
    "~hq": "header",
    "~websocket": None,
    "~e": None,
    "~q": None,
}
_MITMPROXY_BARE = {"~websocket": "ws", "~e": "is:error", "~q": "is:pending"}


def _mitmproxy(word: str, value: _Token | None) -> FilterError:
    field = MITMPROXY[word]
    if field is None:
        here = _MITMPROXY_BARE[word]
    else:
        given = value.text if value is not None and value.kind in ("word", "phrase") else ""
        shown = quote_value(given) if given else "…"
        here = f"{field}:{shown}"
        if field == "header":  # any header line holding it: a plain word looks there
            here = f"{shown}` (a plain word searches every header line) or `header:NAME={shown}"
    return FilterError(
        f"`{word}` is mitmproxy's filter language: here it is `{here}` "
        f'(to search for "{word}", put it in quotes)'
    )


def _unknown(what: str, name: str, known: list[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown {what}: did you mean `{prefix}{close[0]}`?"
    return f"unknown {what}: one of {', '.join(prefix + k for k in known)}"


# -- tokens -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "-", "OR", "AND", "word", "phrase", "field"
    text: str = ""
    field: str = ""
    at: int = 0  # where it starts in the text (0-based)


def _tokens(text: str) -> Iterator[_Token]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            yield _Token(c, c, at=i)
            i += 1
            continue
        if c == "-" and (i + 1 < n and not text[i + 1].isspace()):
            yield _Token("-", "-", at=i)
            i += 1
            continue
        if c == '"':
            value, end = _quoted(text, i)
            yield _Token("phrase", value, at=i)
            i = end
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in '()"':
            i += 1
        word = text[start:i]
        name, colon, rest = word.partition(":")
        if colon and name[:1].isalpha():  # "/a:b", "12:30" stay plain words
            if not rest and i < n and text[i] == '"':
                rest, i = _quoted(text, i)
            yield _Token("field", rest, field=name, at=start)
        elif word in ("OR", "AND"):
            yield _Token(word, word, at=start)
        elif word == "-":
            yield _Token("-", "-", at=start)
        elif word:
            yield _Token("word", word, at=start)
        else:  # a lone `"` or `:` handled above; never reached
            i += 1


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The phrase in quotes at `start` (\\" and \\\\ escaped) and where it ends."""
    out, i, n = [], start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise FilterError('a quote is not closed: add a closing "')


# -- the grammar ------------------------------------------------------------------------------
class _Parser:
    """or := and ("OR" and)*; and := unary ("AND"? unary)*; unary := "-" unary | atom;
    atom := "(" or ")" | term."""

    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def next_kind(self) -> str | None:
        t = self.peek()
        return None if t is None else t.kind

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Pred | None:
        if not self.tokens:
            return None
        pred = self.or_()
        extra = self.peek()
        if extra is not None:  # only a `)` can be left over
            raise FilterError("a `)` without its `(`")
        return pred

    def or_(self) -> Pred:
        preds = [self.and_()]
        while self.next_kind() == "OR":
            self.take()
            if self.next_kind() in (None, ")", "OR", "AND"):
                raise FilterError("`OR` needs something on both sides")
            preds.append(self.and_())
        return preds[0] if len(preds) == 1 else AnyOf(tuple(preds))

    def and_(self) -> Pred:
        preds = [self.unary()]
        while self.next_kind() not in (None, "OR", ")"):
            if self.next_kind() == "AND":
                self.take()
                if self.next_kind() in (None, ")", "OR", "AND"):
                    raise FilterError("`AND` needs something on both sides")
                continue
            preds.append(self.unary())
        return preds[0] if len(preds) == 1 else All(tuple(preds))

    def unary(self) -> Pred:
        t = self.peek()
        if t is None:
            raise FilterError("the filter ends too early")
        if t.kind in ("OR", "AND"):
            raise FilterError(f"`{t.kind}` needs something on both sides")
        if t.kind == "-":
            self.take()
            if self.next_kind() in (None, ")", "OR", "AND"):
                raise FilterError("`-` needs what to leave out right after it, e.g. -status:200")
            with self.nested():
                return Not(self.unary())
        return self.atom()

    def atom(self) -> Pred:
        t = self.take()
        if t.kind == "(":
            if self.next_kind() is None:
                raise FilterError("a `(` without its `)`")
            if self.next_kind() == ")":
                raise FilterError("nothing between `(` and `)`")
            with self.nested():
                pred = self.or_()
            if self.next_kind() != ")":
                raise FilterError("a `(` without its `)`")
            self.take()
            return pred
        if t.kind == ")":
            raise FilterError("a `)` without its `(`")
        if t.kind == "field":
            return _field_term(t)
        if t.kind == "word" and t.text.lower() in KEYWORDS:
            return KEYWORDS[t.text.lower()]
        if t.kind == "word" and t.text.lower() in MITMPROXY:
            raise _mitmproxy(t.text.lower(), self.peek())
        return plain_word(t.text)

    def nested(self) -> _Depth:
        return _Depth(self)


class _Depth:
    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise FilterError(f"nested more than {MAX_DEPTH} deep")

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


def _field_term(t: _Token) -> Pred:
    name = t.field.lower()
    name = ALIASES.get(name, name)
    entry = FIELDS.get(name)
    if entry is None:
        hint = _unknown(f"field `{t.field}`", name, list(FIELDS))
        raise FilterError(f'{hint} (to search for "{t.field}:{t.text}", put it in quotes)')
    make, example = entry
    if not t.text:
        raise FilterError(f"`{t.field}:` needs a value, e.g. {example}")
    return make(t.text)


def parse_filter(text: str) -> ParsedFilter:
    """`text` as one condition over exchanges; a mistake as a message, never an exception."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (from undecodable argv bytes)
        return ParsedFilter(text, error=f"character {exc.start + 1} is not text ({exc.reason})")
    try:
        return ParsedFilter(text, condition=_Parser(text).parse())
    except FilterError as exc:
        return ParsedFilter(text, error=str(exc))
    except RecursionError:
        return ParsedFilter(text, error=f"nested more than {MAX_DEPTH} deep")


def quote_value(value: str) -> str:
    """`value` as the filter language reads it back as one value: bare when it can be,
    else in quotes (\\ and \" escaped)."""
    if value and not any(c.isspace() or c in '()"\\' for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
