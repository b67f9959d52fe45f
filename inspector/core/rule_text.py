"""Rules in words, for the Rules panel, the status bar and `--help`-like summaries:
"POST /hook*: 503 to attempts 1-2 of each callback, then the next rule"."""

from __future__ import annotations

from collections.abc import Sequence

from .rules import CloseSocket, FailFirst, Forward, Hold, Match, Respond, Rule


def describe_match(m: Match, websocket: bool) -> str:
    """What a rule applies to, shortest first: "WebSocket /ws*", "POST /hook*", "any request"."""
    parts: list[str] = []
    if websocket:
        parts.append("WebSocket")
    if m.methods:
        parts.append("/".join(m.methods))
    if m.path is not None:
        parts.append(m.path.pattern)
    for key, glob in m.query:
        parts.append(f"?{key}={glob.pattern}")
    for name, glob in m.headers:
        parts.append(f"{name}: {glob.pattern}")
    for f in m.body:
        parts.append(f"{f.path.text} {'contains' if f.contains else '='} {f.value!r}")
    if m.attempt is not None:
        parts.append(f"attempt {m.attempt.text}")
    if m.request_id is not None:
        parts.append(f"request_id {m.request_id.pattern}")
    if m.streaming is not None:
        parts.append("streaming" if m.streaming else "pre-recorded")
    if m.transcript is not None:
        parts.append(f"transcript contains {m.transcript!r}")
    if not parts:
        return "any request"
    if not websocket and not m.methods and m.path is None:
        parts.insert(0, "requests with")
    return " ".join(parts)


def _reply(reply: Respond) -> str:
    text = str(reply.status)
    if reply.delay:
        text += f" after {reply.delay:g} s"
    return text


def describe_action(rule: Rule) -> str:
    action = rule.action
    if isinstance(action, FailFirst):
        n = action.count
        which = "attempt 1" if n == 1 else f"attempts 1-{n}"
        return f"{_reply(action.reply)} to {which} of each callback, then the next rule"
    if isinstance(action, Forward):
        return "forward to your app"
    if isinstance(action, Hold):
        return f"hold until you answer (at most {action.timeout:g} s)"
    if isinstance(action, CloseSocket):
        how = "drop" if action.drop else f"close {action.code}"
        when = []
        if action.after_messages is not None:
            plural = "s" if action.after_messages != 1 else ""
            when.append(f"after {action.after_messages} message{plural}")
        if action.after_seconds is not None:
            when.append(f"after {action.after_seconds:g} s")
        return f"{how} {' or '.join(when) or 'at once'}"
    if rule.for_websockets:
        return f"refuse the upgrade with {_reply(action)}"
    return _reply(action)


def describe_rule(rule: Rule) -> str:
    return f"{describe_match(rule.match, rule.for_websockets)}: {describe_action(rule)}"


def describe_rules(rules: Sequence[Rule]) -> str:
    """One line for what the rules do, for a status line or a tooltip."""
    active = [(i, r) for i, r in enumerate(rules) if r.enabled]
    if not active:
        return "No rules: every request gets 200"
    return "; ".join(f"{r.label(i)} {describe_rule(r)}" for i, r in active) + "; else 200"
