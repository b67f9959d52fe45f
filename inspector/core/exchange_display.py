"""How an exchange is shown, decided once: its status text and tone, whether it is an error,
its group in "Group by request_id", and what a plain word in the filter box looks in.

Each decision is a table of `core/row_expr` expressions, so the live list (Python) and a
stored session (the same table as SQL, `core/row_sql.py`) always agree; tests check that
they do, exchange by exchange. Text never relies on colour alone: every status carries a
symbol (✓ ↪ ✗ ⇄ …), and the tone only adds colour to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from .records import Exchange
from .row_expr import (
    All,
    Case,
    Cmp,
    Concat,
    Const,
    Field,
    IsNull,
    Lit,
    Not,
    Pred,
    Search,
    SearchPart,
    Value,
    shapes,
)
from .row_python import compile_python, search_reader, value_function
from .row_sql import to_sql
from .ws_close_codes import (
    APPLICATION,
    APPLICATION_CODES,
    CLOSE_CODE_NAMES,
    REGISTERED,
    REGISTERED_CODES,
)


class Tone(Enum):
    """What a status means at a glance (the list colours its text by it)."""

    OK = "ok"  # 2xx, a WebSocket closed normally (1000)
    REDIRECT = "redirect"  # 3xx: Deepgram does not follow it, so it is no delivery either
    FAIL = "fail"  # 4xx/5xx, a refused upgrade, a WebSocket closed abnormally
    PENDING = "pending"  # no reply yet, a WebSocket still open
    NEUTRAL = "neutral"  # a WebSocket closed without a code (nothing to judge by)


@dataclass(frozen=True)
class StatusRow:
    """One line of the status table: when it applies, the text shown, its tone."""

    when: Pred
    text: Value
    tone: Tone


_ws = Cmp("=", Field("kind"), Lit("websocket"))
_upgraded = All((_ws, Cmp("=", Field("status"), Lit(101))))
_status = Field("status")
_code = Field("ws_end_code")


def _in(value: Value, low: int, high: int) -> Pred:
    return All((Cmp(">=", value, Lit(low)), Cmp("<=", value, Lit(high))))


# A close code's name, from core/ws_close_codes (RFC 6455 and IANA), as an expression.
CLOSE_CODE_NAME: Value = Case(
    (
        *((Cmp("=", _code, Lit(code)), Lit(name)) for code, name in CLOSE_CODE_NAMES.items()),
        (_in(_code, *REGISTERED_CODES), Lit(REGISTERED)),
        (_in(_code, *APPLICATION_CODES), Lit(APPLICATION)),
    ),
    Lit(""),
)


def _closed(mark: str) -> Value:
    """ "closed 1011 internal error ✗" (the name left out when the code has none)."""
    named = Concat((Lit("closed "), _code, Lit(" "), CLOSE_CODE_NAME, Lit(f" {mark}")))
    return Case(
        ((Cmp("=", CLOSE_CODE_NAME, Lit("")), Concat((Lit("closed "), _code, Lit(f" {mark}")))),),
        named,
    )


# The first row that applies decides (h11's habit: a readable table, not nested ifs); the
# last applies to whatever is left.
STATUS_TABLE: tuple[StatusRow, ...] = (
    # The public URL's own probe (issue 13): marked, so nobody takes it for traffic.
    StatusRow(
        Cmp("=", Field("probe"), Lit(1)), Concat((Lit("probe "), _status, Lit(" ✓"))), Tone.OK
    ),
    StatusRow(All((_upgraded, IsNull(Field("ws_end_by")))), Lit("101 open ⇄"), Tone.PENDING),
    StatusRow(All((_upgraded, IsNull(_code))), Lit("closed"), Tone.NEUTRAL),
    StatusRow(All((_upgraded, Cmp("=", _code, Lit(1000)))), _closed("✓"), Tone.OK),
    StatusRow(_upgraded, _closed("✗"), Tone.FAIL),
    StatusRow(IsNull(_status), Lit("pending …"), Tone.PENDING),
    StatusRow(Cmp("<", _status, Lit(300)), Concat((_status, Lit(" ✓"))), Tone.OK),
    StatusRow(Cmp("<", _status, Lit(400)), Concat((_status, Lit(" ↪"))), Tone.REDIRECT),
    StatusRow(Const(True), Concat((_status, Lit(" ✗"))), Tone.FAIL),  # 4xx, 5xx
)

STATUS_TEXT: Value = Case(tuple((r.when, r.text) for r in STATUS_TABLE[:-1]), STATUS_TABLE[-1].text)
STATUS_TONE: Value = Case(
    tuple((r.when, Lit(r.tone.value)) for r in STATUS_TABLE[:-1]), Lit(STATUS_TABLE[-1].tone.value)
)
IS_ERROR: Pred = Cmp("=", STATUS_TONE, Lit(Tone.FAIL.value))
# Held by a breakpoint rule and not answered yet: its sender waits (live rows only).
IS_HELD: Pred = All(
    (Not(IsNull(Field("held_until"))), IsNull(_status), IsNull(Field("finished")))
)

# Grouped by request_id: HTTP exchanges with a request_id share a group (the attempts of one
# callback); every other exchange is a group of its own. (Counting attempts is another
# decision, `core/attempts.attempt_key`.)
_rid = Field("request_id")
GROUP_KEY: Value = Case(
    ((All((Cmp("=", Field("kind"), Lit("http")), Cmp("!=", _rid, Lit("")))), _rid),), Lit(None)
)

# What a plain word looks in (besides every header line, "name: value"): the row's texts.
_WS_WORDS = Case(((_ws, Lit("ws websocket")),), Lit(""))

SEARCH_PARTS: tuple[SearchPart, ...] = (
    SearchPart(Field("target")),
    # Also in a header line, but a short column of its own: SQL finds a key's rows sooner.
    SearchPart(Field("dg_token")),
    SearchPart(Field("method")),
    SearchPart(_WS_WORDS, shapes(_WS_WORDS)),
    SearchPart(STATUS_TEXT, shapes(STATUS_TEXT)),
    SearchPart(Field("status"), shapes(Field("status"))),
    SearchPart(_rid),
    SearchPart(Field("note")),
    SearchPart(Field("rule")),
    SearchPart(Field("transcript")),
)

search_texts = search_reader(SEARCH_PARTS)
"""search_texts(x): the lower-case texts a plain word looks in, for one exchange."""
_status_text = value_function(STATUS_TEXT)
_status_tone = value_function(STATUS_TONE)
_group_key = value_function(GROUP_KEY)
_is_held = compile_python(IS_HELD)

# The group key as SQL over the `exchanges` table, for the reader's group index (no
# parameters: all literals ours).
GROUP_KEY_SQL, _ = to_sql(GROUP_KEY)


def status_text(x: Exchange) -> str:
    """Status as text with a symbol: "200 ✓", "503 ✗", "closed 1011 internal error ✗"."""
    return str(_status_text(x))


def status_tone(x: Exchange) -> Tone:
    return Tone(_status_tone(x))


def is_error(x: Exchange) -> bool:
    """A failed reply or refusal (4xx/5xx) or a WebSocket that closed abnormally."""
    return _status_tone(x) == Tone.FAIL.value


def is_held(x: Exchange) -> bool:
    """Held by a breakpoint rule, not answered yet (its sender waits for the user)."""
    return _is_held(x)


def group_key(x: Exchange) -> str | None:
    """The request_id whose group `x` is listed under, or None (a row of its own)."""
    key = _group_key(x)
    return None if key is None else str(key)


def plain_word(needle: str) -> Search:
    """The condition of a plain word in the filter box (today's substring search)."""
    return Search(SEARCH_PARTS, needle.lower())


@dataclass(frozen=True)
class GroupSummary:
    """What a request_id's node says of its attempts."""

    count: int
    first: Exchange  # the first attempt
    last: Exchange  # the latest attempt
    outcome: str = ""  # the emulator's last word on the job (delivered, gave_up, cancelled)
    messages: bool = False  # every member is a streaming message, not an attempt


def group_text(g: GroupSummary) -> str:
    """A request_id node's status text: "3 attempts, delivered", "5 messages"."""
    n = g.count
    if g.messages:
        return f"{n} message{'s' if n != 1 else ''}"
    if g.outcome:
        state = g.outcome.replace("_", " ")
    elif g.last.status is None:
        state = "pending"
    elif 200 <= g.last.status < 300:
        state = "delivered"
    else:
        state = "failing"  # Deepgram retries anything but a 2xx [CB]
    return f"{n} attempt{'s' if n != 1 else ''}, {state}"


def group_tone(g: GroupSummary) -> Tone:
    """The node's tone: its latest attempt's, unless the emulator gave up or cancelled."""
    if g.outcome in ("gave_up", "cancelled"):
        return Tone.FAIL
    return status_tone(g.last)


# -- small texts the columns and detail views share -----------------------------------------
def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def short_id(value: str | None, keep: int = 8) -> str:
    """A uuid shortened for the list ("097de0cb…"); the full id is in the tooltip."""
    if not value:
        return ""
    return value if len(value) <= keep + 5 else value[:keep] + "…"


def time_text(epoch: float) -> str:
    """Local time of day with milliseconds: "18:26:01.123"."""
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S.%f")[:-3]


def date_time_text(epoch: float) -> str:
    """Local date and time with milliseconds: "2026-11-25 18:26:01.123"."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
