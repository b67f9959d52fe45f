"""Rules as tables: the one constructor of `Rule`, and the rules file (TOML).

`rule_from_table` builds a rule from its table, the form a `[[rule]]` of the rules file has:
`serve --rules FILE`, the reply flags (`--fail-first 2 --reply-status 503` is the table
`{fail_first = 2, status = 503}`) and the window's rule editor all build their tables and go
through it, so the same choices always give the same rule. `rule_to_table` is its inverse
(export, the window's saved settings, the editor's prefill). Reading and writing the file
itself is `store/rules_files.py`: core does no I/O.

```toml
[[rule]]
name = "first two attempts fail"
match = { method = "POST", path = "/hook*" }
fail_first = 2
status = 503
```

A mistake raises `RuleError` naming the key (`match.path`); `load_rules` adds the file and the
line (TOML's own for a syntax error; for any other mistake the line of the key, found in the
text) as `RulesFileError`.

Why this module is long: the one constructor of `Rule` from a table and its inverse must stay
together (`rule_to_table(rule_from_table(t))` is the round trip every caller relies on), and
each table key's reader is a few lines beside the key it reads.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .glob import Glob, GlobError
from .glob import escape as escape_glob
from .json_path import JsonPath, JsonPathError
from .rules import (
    DEFAULT_FAIL_STATUS,
    HOLD_TIMEOUT,
    AttemptRange,
    BodyField,
    CloseSocket,
    FailFirst,
    Forward,
    Hold,
    Match,
    Respond,
    Rule,
    Scalar,
)


class RuleError(ValueError):
    """A rule table with a mistake at `key` (dotted: `match.path`)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class RulesFileError(ValueError):
    """A rules file that cannot be used: `source` (its name), `line` (1-based, or None), `key`."""

    def __init__(self, source: str, line: int | None, key: str | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")
        self.source = source
        self.line = line
        self.key = key
        self.message = message


# -- checking values ------------------------------------------------------------------------
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 5.6.2: header names, methods


def _unknown(key: str, known: Iterable[str], prefix: str = "") -> RuleError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    choices = ", ".join(sorted(known))
    return RuleError(prefix + key, f"unknown key{hint}; known keys: {choices}")


def _int(key: str, value: Any, low: int, high: int | None = None) -> int:
    if type(value) is not int:  # bool is an int in Python, not in TOML
        raise RuleError(key, f"expected a whole number, got {_shown(value)}")
    if value < low or (high is not None and value > high):
        bounds = f"{low}-{high}" if high is not None else f"{low} or more"
        raise RuleError(key, f"{value} is out of range ({bounds})")
    return value


def _number(key: str, value: Any, low: float = 0.0) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise RuleError(key, f"expected a number, got {_shown(value)}")
    if value < low:
        raise RuleError(key, f"{value} is below {low:g}")
    return float(value)


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RuleError(key, f"expected a string, got {_shown(value)}")
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise RuleError(key, f"expected true or false, got {_shown(value)}")
    return value


def _table(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise RuleError(key, f"expected a table ({{ name = value, ... }}), got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "a string"}
    kind = kinds.get(type(value)) or ("a table" if isinstance(value, dict) else "a list")
    text = repr(value)
    return f"{kind} ({text[:40]}{'...' if len(text) > 40 else ''})"


def _glob(key: str, value: Any) -> Glob:
    try:
        return Glob.parse(_str(key, value))
    except GlobError as exc:
        raise RuleError(key, str(exc)) from None


def _path_glob(key: str, value: Any) -> Glob:
    glob = _glob(key, value)
    if not glob.pattern.startswith(("/", "*")):
        raise RuleError(key, f"a path starts with /: {glob.pattern!r} would never match")
    return glob


def _header_name(key: str, value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise RuleError(key, f"{value!r} is not a header name")
    return value


def _header_value(key: str, value: Any) -> str:
    text = _str(key, value)
    if any(c in text for c in "\r\n\0"):
        raise RuleError(key, "a header value cannot contain a line break or NUL")
    return text


def _status(key: str, value: Any) -> int:
    if type(value) is int and 100 <= value < 200:
        raise RuleError(key, f"{value} is an interim status; a reply needs 200-599")
    return _int(key, value, 200, 599)


_CLOSE_CODE_HELP = "1000-4999, not 1004-1006 or 1015 (RFC 6455 7.4)"


def _close_code(key: str, value: Any) -> int:
    code = _int(key, value, 1000, 4999)
    if code in (1004, 1005, 1006, 1015):
        raise RuleError(key, f"{code} is never sent in a close frame; use {_CLOSE_CODE_HELP}")
    return code


_RANGE = re.compile(r"\s*(?:(>=|<=|>|<)\s*(\d+)|(\d+)\s*(?:-\s*(\d*))?)\s*")


def parse_attempts(key: str, value: Any) -> AttemptRange:
    """`2`, `"2-4"`, `"3-"` (3 and later), `">1"`, `">=2"`, `"<3"`, `"<=2"`."""
    if type(value) is int:
        return AttemptRange(_int(key, value, 1), value)
    text = _str(key, value)
    m = _RANGE.fullmatch(text)
    if m is None:
        raise RuleError(key, f'{text!r} is not an attempt range (2, "2-4", "3-", ">1")')
    op, bound, low, high = m.groups()
    if op is not None:
        n = int(bound)
        low_high = {">": (n + 1, None), ">=": (n, None), "<": (1, n - 1), "<=": (1, n)}[op]
        result = AttemptRange(max(1, low_high[0]), low_high[1])
    else:
        result = AttemptRange(int(low), int(high) if high else None if "-" in text else int(low))
    if result.low < 1 or (result.high is not None and result.high < result.low):
        raise RuleError(key, f"{text!r} holds no attempt (attempts count from 1)")
    return result


# -- the match table ------------------------------------------------------------------------
def _methods(key: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    methods = []
    for item in items:
        method = _str(key, item).upper()
        if not _TOKEN.fullmatch(method):
            raise RuleError(key, f"{item!r} is not an HTTP method")
        methods.append(method)
    if not methods:
        raise RuleError(key, "an empty list of methods matches nothing")
    return tuple(methods)


def _globs(key: str, value: Any, names: bool) -> tuple[tuple[str, Glob], ...]:
    pairs = []
    for name, pattern in _table(key, value).items():
        sub = f"{key}.{name}"
        pairs.append((_header_name(sub, name) if names else name, _glob(sub, pattern)))
    return tuple(pairs)


def _body_fields(key: str, value: Any, contains: bool) -> tuple[BodyField, ...]:
    fields = []
    for path, wanted in _table(key, value).items():
        sub = f'{key}."{path}"'
        try:
            json_path = JsonPath.parse(path)
        except JsonPathError as exc:
            raise RuleError(sub, str(exc)) from None
        if not isinstance(wanted, (str, int, float, bool)):
            raise RuleError(sub, f"expected a string, number or true/false, got {_shown(wanted)}")
        fields.append(BodyField(json_path, wanted, contains))
    return tuple(fields)


def _match(value: Any) -> Match:
    table = _table("match", value)
    kwargs: dict[str, Any] = {}
    headers: list[tuple[str, Glob]] = []
    body: list[BodyField] = []
    for key, item in table.items():
        full = f"match.{key}"
        if key == "method":
            kwargs["methods"] = _methods(full, item)
        elif key == "path":
            kwargs["path"] = _path_glob(full, item)
        elif key == "query":
            kwargs["query"] = _globs(full, item, names=False)
        elif key == "header":
            headers.extend(_globs(full, item, names=True))
        elif key == "dg_token":  # Deepgram's key identifier: the header, spelled shorter
            headers.append(("dg-token", _glob(full, item)))
        elif key == "body":
            body.extend(_body_fields(full, item, contains=False))
        elif key == "body_contains":
            body.extend(_body_fields(full, item, contains=True))
        elif key == "attempt":
            kwargs["attempt"] = parse_attempts(full, item)
        elif key in ("websocket", "streaming"):
            kwargs[key] = _bool(full, item)
        elif key == "request_id":
            kwargs["request_id"] = _glob(full, item)
        elif key == "transcript":
            kwargs["transcript"] = _str(full, item)
        else:
            raise _unknown(key, MATCH_KEYS, "match.")
    return Match(headers=tuple(headers), body=tuple(body), **kwargs)


MATCH_KEYS = (
    "method",
    "path",
    "query",
    "header",
    "dg_token",
    "body",
    "body_contains",
    "attempt",
    "websocket",
    "request_id",
    "streaming",
    "transcript",
)

# -- the rule table -------------------------------------------------------------------------
REPLY_KEYS = ("status", "headers", "body", "delay_ms")
WS_KEYS = ("close_after_messages", "close_after_seconds", "close_code", "close_reason", "drop")
RULE_KEYS = (
    "name",
    "enabled",
    "match",
    *REPLY_KEYS,
    "fail_first",
    "forward",
    "hold",
    "hold_timeout",
    *WS_KEYS,
)


def _reply_headers(value: Any) -> tuple[tuple[str, str], ...]:
    """A table `{ "X-A" = "1" }`, or a list of pairs `[["X-A", "1"], ["X-A", "2"]]` for
    duplicates in their order."""
    if isinstance(value, dict):
        pairs: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        pairs = ((p[0], p[1]) for p in value)
    else:
        expected = '{ "Name" = "value" } or [["Name", "value"]]'
        raise RuleError("headers", f"expected {expected}, got {_shown(value)}")
    return tuple(
        (_header_name("headers", _str("headers", n)), _header_value(f"headers.{n}", v))
        for n, v in pairs
    )


def _respond(table: Mapping[str, Any], default_status: int) -> Respond:
    status = _status("status", table["status"]) if "status" in table else default_status
    return Respond(
        status=status,
        headers=_reply_headers(table["headers"]) if "headers" in table else (),
        body=_body(table["body"]) if "body" in table else b"",
        delay=_number("delay_ms", table["delay_ms"]) / 1000 if "delay_ms" in table else 0.0,
    )


def reply_from_table(table: Mapping[str, Any]) -> Respond:
    """A reply alone (`status`, `headers`, `body`, `delay_ms`), checked as a rule's is: the
    answer to a held request, from the window's dialog or a control-API client."""
    for key in table:
        if key not in REPLY_KEYS:
            raise _unknown(key, REPLY_KEYS)
    return _respond(table, 200)


def _body(value: Any) -> bytes:
    """A reply body: text (a file's, the window's), or bytes from Python callers
    (`inspector.testing`)."""
    if isinstance(value, bytes):
        return value
    return _str("body", value).encode()


def rule_from_table(table: Mapping[str, Any]) -> Rule:
    """The rule a `[[rule]]` table describes; `RuleError` names the key of any mistake."""
    for key in table:
        if key not in RULE_KEYS:
            raise _unknown(key, RULE_KEYS)
    name = _str("name", table.get("name", ""))
    enabled = _bool("enabled", table.get("enabled", True))
    match = _match(table["match"]) if "match" in table else Match()
    given = set(table)
    fail_first = _int("fail_first", table.get("fail_first", 0), 0)
    if fail_first == 0 and "fail_first" in table:  # else its status would answer every attempt
        raise RuleError("fail_first", "0 fails no attempt: give 1 or more, or leave it out")
    forward = _bool("forward", table.get("forward", False))
    hold = _bool("hold", table.get("hold", False))
    ws_given = sorted(given & set(WS_KEYS) - ({"drop"} if table.get("drop") is False else set()))
    reply_given = sorted(given & set(REPLY_KEYS))
    kinds = [
        k
        for k, on in (
            ("fail_first", fail_first > 0),
            ("forward", forward),
            ("hold", hold),
            (ws_given[0] if ws_given else "", bool(ws_given)),
        )
        if on
    ]
    if len(kinds) > 1:
        raise RuleError(kinds[1], f"a rule has one action; `{kinds[0]}` is given too")
    if "hold_timeout" in table and not hold:
        raise RuleError("hold_timeout", "needs `hold = true`")
    action: Any
    if fail_first:
        if match.websocket:
            raise RuleError(
                "fail_first", "counts attempts of callbacks over HTTP, not WebSocket upgrades"
            )
        action = FailFirst(fail_first, _respond(table, DEFAULT_FAIL_STATUS))
        if 200 <= action.reply.status < 300:
            raise RuleError(
                "status",
                f"{action.reply.status} with fail_first: a 2xx reply stops Deepgram's retries, so "
                "nothing would fail; give a failing status (300-599)",
            )
    elif forward or hold:
        if hold and match.websocket:
            raise RuleError("hold", "holds HTTP requests; WebSocket upgrades cannot be held")
        if reply_given:
            what = "the app's reply is passed on" if forward else "the user answers in the window"
            raise RuleError(reply_given[0], f"with `{kinds[0]}`, {what}; leave it out")
        if hold:
            timeout = table.get("hold_timeout", HOLD_TIMEOUT)
            action = Hold(_number("hold_timeout", timeout, low=0.001))
        else:
            action = Forward()
    elif ws_given:
        action = _close_socket(table, reply_given, match)
    else:
        action = _respond(table, 200)
        if match.websocket and action.status == 101:
            raise RuleError("status", "101 accepts the upgrade, as no rule would; leave it out")
    return Rule(match=match, action=action, name=name, enabled=enabled)


def _close_socket(table: Mapping[str, Any], reply_given: Sequence[str], match: Match) -> Any:
    key = next(k for k in WS_KEYS if k in table)
    if match.websocket is False:
        raise RuleError(key, "is for WebSockets, but match.websocket is false")
    if reply_given:
        raise RuleError(
            reply_given[0],
            f"a rule that accepts a WebSocket and closes it (`{key}`) sends no HTTP reply; "
            "to refuse the upgrade, give `status` alone with match.websocket = true",
        )
    messages = table.get("close_after_messages")
    seconds = table.get("close_after_seconds")
    drop = _bool("drop", table.get("drop", False))
    if messages is None and seconds is None and not drop:
        raise RuleError(key, "needs close_after_messages, close_after_seconds or drop = true")
    return CloseSocket(
        after_messages=None if messages is None else _int("close_after_messages", messages, 1),
        after_seconds=None if seconds is None else _number("close_after_seconds", seconds),
        code=_close_code("close_code", table.get("close_code", 1000)),
        reason=_close_reason(table.get("close_reason", "")),
        drop=drop,
    )


def _close_reason(value: Any) -> str:
    reason = _str("close_reason", value)
    if len(reason.encode()) > 123:  # RFC 6455 5.5: a control frame's payload is 125 bytes
        raise RuleError("close_reason", "longer than the 123 bytes a close frame can carry")
    return reason


# -- the inverse ----------------------------------------------------------------------------
def rule_to_table(rule: Rule) -> dict[str, Any]:
    """The table `rule_from_table` turns back into `rule` (keys only where not the default)."""
    table: dict[str, Any] = {}
    if rule.name:
        table["name"] = rule.name
    if not rule.enabled:
        table["enabled"] = False
    match = _match_table(rule.match)
    if match:
        table["match"] = match
    action = rule.action
    if isinstance(action, FailFirst):
        table["fail_first"] = action.count
        table.update(_respond_table(action.reply, default_status=None))
    elif isinstance(action, Respond):
        table.update(_respond_table(action, default_status=200))
    elif isinstance(action, Forward):
        table["forward"] = True
    elif isinstance(action, Hold):
        table["hold"] = True
        if action.timeout != HOLD_TIMEOUT:
            table["hold_timeout"] = action.timeout
    else:
        if action.after_messages is not None:
            table["close_after_messages"] = action.after_messages
        if action.after_seconds is not None:
            table["close_after_seconds"] = action.after_seconds
        if action.code != 1000:
            table["close_code"] = action.code
        if action.reason:
            table["close_reason"] = action.reason
        if action.drop:
            table["drop"] = True
    return table


def _respond_table(reply: Respond, default_status: int | None) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if reply.status != default_status:
        table["status"] = reply.status
    if reply.headers:
        names = [n for n, _ in reply.headers]
        unique = len({n.lower() for n in names}) == len(names)
        table["headers"] = dict(reply.headers) if unique else [list(h) for h in reply.headers]
    if reply.body:
        table["body"] = reply.body.decode("utf-8", errors="replace")
    if reply.delay:
        table["delay_ms"] = delay_ms(reply.delay)
    return table


def delay_ms(seconds: float) -> int | float:
    """`seconds` as the table's `delay_ms`, to the microsecond: 0.3 s is 300, not
    300.00000000000006, so a delay given in seconds (`--reply-delay`) and one given in ms (the
    window) make equal rules."""
    ms = round(seconds * 1000, 3)
    return int(ms) if math.isfinite(ms) and ms == int(ms) else ms


def _match_table(m: Match) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if m.methods:
        table["method"] = m.methods[0] if len(m.methods) == 1 else list(m.methods)
    if m.path is not None:
        table["path"] = m.path.pattern
    if m.query:
        table["query"] = {k: g.pattern for k, g in m.query}
    if m.headers:
        table["header"] = {n: g.pattern for n, g in m.headers}
    equal = {f.path.text: f.value for f in m.body if not f.contains}
    contains = {f.path.text: f.value for f in m.body if f.contains}
    if equal:
        table["body"] = equal
    if contains:
        table["body_contains"] = contains
    if m.attempt is not None:
        text = m.attempt.text
        table["attempt"] = int(text) if text.isdigit() else text
    for key in ("websocket", "streaming"):
        if getattr(m, key) is not None:
            table[key] = getattr(m, key)
    if m.request_id is not None:
        table["request_id"] = m.request_id.pattern
    if m.transcript is not None:
        table["transcript"] = m.transcript
    return table


# -- quick choices ----------------------------------------------------------------------------
def quick_tables(
    *,
    status: int | None = None,
    delay_ms: int | float | None = None,
    fail_first: int | None = None,
    body: str | bytes | None = None,
    headers: Sequence[tuple[str, str]] = (),
    method: str | None = None,
    path_prefix: str | None = None,
    ws_refuse: int | None = None,
    ws_close_after: int | None = None,
    ws_close_after_seconds: float | None = None,
    ws_close_code: int | None = None,
    ws_close_reason: str | None = None,
) -> list[dict[str, Any]]:
    """The rule tables of the quick choices `serve`'s shorthand flags (`--reply-status`,
    `--fail-first`, `--ws-close-after`...) offer: an HTTP rule, a WebSocket rule, or both
    (each applies to its own kind of request, so they never meet). With `fail_first`, the
    status is the failing attempts' (default 500) and later attempts get 200, delayed too
    when a delay is given."""
    match: dict[str, Any] = {}
    if method:
        match["method"] = method
    if path_prefix:
        match["path"] = escape_glob(path_prefix) + "*"
    reply: dict[str, Any] = {"match": match} if match else {}
    if status is not None:
        reply["status"] = status
    if delay_ms:
        reply["delay_ms"] = delay_ms
    if body:
        reply["body"] = body
    if headers:
        reply["headers"] = [list(h) for h in headers]
    tables: list[dict[str, Any]] = []
    if fail_first is not None:  # 0 too: the one constructor says what is wrong with it
        tables.append({"fail_first": fail_first, **reply})
        if delay_ms:  # the attempts that pass are delayed as well
            tables.append({k: v for k, v in reply.items() if k in ("match", "delay_ms")})
    elif len(reply) > ("match" in reply):
        tables.append(reply)
    ws_match: dict[str, Any] = {"websocket": True, **match}
    closing = {
        key: value
        for key, value in (
            ("close_after_messages", ws_close_after),
            ("close_after_seconds", ws_close_after_seconds),
            ("close_code", ws_close_code),
            ("close_reason", ws_close_reason),
        )
        if value is not None
    }
    if ws_refuse is not None:
        tables.append({"match": ws_match, "status": ws_refuse})
    elif closing:
        tables.append({"match": ws_match, **closing} if match else closing)
    return tables


# -- the file -------------------------------------------------------------------------------
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]", re.MULTILINE)
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_LINE_KEY = re.compile(r'^\s*"?([A-Za-z0-9_.\-]+)')


def load_rules(text: str, source: str = "rules file") -> tuple[Rule, ...]:
    """The rules of a rules file's text; `RulesFileError` says where any mistake is."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        key = None
        if line is not None:
            lines = text.splitlines()
            found = _LINE_KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
            key = found.group(1) if found else None
            message = _TOML_POSITION.sub("", message).strip()
        raise RulesFileError(source, line, key, f"not valid TOML: {message}") from None
    for key in document:
        if key != "rule":
            raise RulesFileError(
                source, _key_line(text, 0, key), key, "unknown top-level key; rules are [[rule]]"
            )
    tables = document.get("rule", [])
    if not isinstance(tables, list):
        header = re.search(r"^\s*\[\s*rule\s*\]", text, re.MULTILINE)
        line = text.count("\n", 0, header.start()) + 1 if header else _key_line(text, 0, "rule")
        raise RulesFileError(source, line, "rule", "write [[rule]], not [rule]")
    rules = []
    for index, table in enumerate(tables):
        try:
            rules.append(rule_from_table(table))
        except RuleError as exc:
            name = table.get("name")
            which = f"rule {index + 1}" + (f" ({name!r})" if isinstance(name, str) and name else "")
            line = _key_line(text, index + 1, exc.key)
            raise RulesFileError(source, line, exc.key, f"{exc.message} (in {which})") from None
    return tuple(rules)


def _key_line(text: str, rule_number: int, key: str) -> int | None:
    """The line of `key` (dotted: its last part) in the `rule_number`-th `[[rule]]` (0: before
    the first), found in the text: tomllib gives positions only for syntax errors."""
    headers = [m.start() for m in _RULE_HEADER.finditer(text)]
    if rule_number > len(headers):
        return None
    start = 0 if rule_number == 0 else headers[rule_number - 1]
    end = headers[rule_number] if rule_number < len(headers) else len(text)
    first_line = text.count("\n", 0, start) + 1
    block = text[start:end]
    last = key.rsplit(".", 1)[-1].strip('"')
    for parts in (key.split(".")[0], last) if "." in key else (last,):
        pattern = re.compile(rf'(^|[\s{{,])"?{re.escape(parts)}"?\s*=', re.MULTILINE)
        found = pattern.search(block)
        if found:
            return first_line + block.count("\n", 0, found.end())
    return first_line if rule_number else None


def dump_rules(rules: Sequence[Rule]) -> str:
    """The rules file of `rules` (`load_rules` reads it back to the same rules)."""
    out = [
        "# Callback Inspector reply rules: the first enabled rule that matches answers;",
        "# 200 when none does. `callback-inspector serve --rules FILE` reads this file.",
    ]
    for rule in rules:
        out.append("")
        out.append("[[rule]]")
        for key, value in rule_to_table(rule).items():
            out.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(out) + "\n"


_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    escaped = []
    for c in text:
        if c in '"\\':
            escaped.append("\\" + c)
        elif c == "\n":
            escaped.append("\\n")
        elif c == "\t":
            escaped.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            escaped.append(f"\\u{ord(c):04x}")
        else:
            escaped.append(c)
    return '"' + "".join(escaped) + '"'


def _toml_value(value: Scalar | dict[str, Any] | list[Any]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"
