"""Engine events as JSON-ready dicts: the vocabulary of `serve`'s JSON lines.

One object per event, each with `"event"` and `"time"` (ISO-8601 UTC). The encoder escapes
control characters and everything beyond ASCII, so network text with terminal escapes is
never written raw; a NaN or infinite number (which JSON has no spelling for) is written
`null`, as JavaScript's `JSON.stringify` does, so every line parses as strict JSON.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from .emulator_faults import faults_to_json
from .events import (
    CheckCaseDone,
    CheckFinished,
    CheckStarted,
    EmulatorEvent,
    EmulatorFaultsChanged,
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    HoldStarted,
    ListenOptionWarning,
    StorageEvent,
    WsMessageAdded,
)
from .forward import ForwardResult
from .handler_checks import CaseResult, Verdict
from .public_url import PublicUrlEvent, PublicUrlPhase
from .records import Exchange, ExchangeKind
from .rules import Forward, Hold, Respond

BODY_INLINE_LIMIT = 64 * 1024  # larger bodies are summarised, not printed

# The version of the lines' form: every line carries it as "v" (the control API's clients
# read the same objects, core/control.py).
EVENT_VERSION = 1
_LINE_KEYS = frozenset({"event", "time", "v"})

# One encoder for every line (json.dumps builds one per call when given options). No circular
# check: the dicts are built here from records and cannot contain themselves.
_encode_strict = json.JSONEncoder(
    separators=(",", ":"), check_circular=False, allow_nan=False
).encode


def _encode(value: dict[str, Any]) -> str:
    """One compact line, ASCII only: every non-ASCII or control character escaped (\\uXXXX),
    so no terminal ever receives a raw escape sequence (C1 controls included).

    orjson encodes a request line with its 2 KB body about ten times faster than `json`, and
    the printer encodes one per request (bench/README.md); its output is kept when it is
    ASCII, which is every line whose text is. Anything else goes through `json`, which
    escapes non-ASCII."""
    try:
        line = orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer over 64 bits
        pass
    else:
        # DEL (0x7f) is ASCII, and orjson writes it raw; `json` escapes it with the rest.
        if line.isascii() and b"\x7f" not in line:
            return line.decode("ascii")
    try:
        return _encode_strict(value)
    except ValueError:  # a NaN or infinity somewhere (rare: only then is the value copied)
        return _encode_strict(_finite(value))


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (JSON `null`)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def iso_time(epoch: float) -> str:
    """`epoch` as ISO-8601 UTC with milliseconds ("2026-05-09T07:35:25.123Z").

    The text of `datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")`,
    built from a per-second prefix: one line per request under load made the datetime
    calls show in the printer's profile (bench/README.md)."""
    # Microseconds rounded half-even from the fraction, as datetime.fromtimestamp does.
    fraction, whole = math.modf(epoch)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    return f"{_iso_second(int(whole))}.{micros // 1000:03d}Z"


@lru_cache(maxsize=16)
def _iso_second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).isoformat(timespec="seconds").removesuffix("+00:00")


def event_line(event: Event) -> str | None:
    """`event_to_json(event)` encoded as one compact JSON line (without the newline)."""
    line = event_to_json(event)
    return None if line is None else _encode(line)


def event_to_json(event: Event) -> dict[str, Any] | None:
    """The JSON line for `event`, or None for events that print nothing (a pending reply)."""
    line = _event_json(event)
    if line is not None:
        line["v"] = EVENT_VERSION
    return line


def _event_json(event: Event) -> dict[str, Any] | None:
    if isinstance(event, (ExchangeAdded, ExchangeUpdated)):
        return _exchange_json(event.exchange, is_new=isinstance(event, ExchangeAdded))
    if isinstance(event, WsMessageAdded):
        m = event.message
        line: dict[str, Any] = {
            "event": "ws_message",
            "time": iso_time(m.time),
            "id": m.exchange_id,
            "index": m.index,
            "direction": m.direction.value,
            "kind": m.kind.value,
            "size": len(m.data),
        }
        if m.text is not None:
            if len(m.data) <= BODY_INLINE_LIMIT:
                line["text"] = m.text
            else:
                line["text_truncated"] = True  # as a long body: summarised, not printed
        return line
    if isinstance(event, EmulatorEvent):
        line = {"event": event.name, "time": iso_time(event.time)}
        # A field named like the line's own keys (an event read back from elsewhere) never
        # takes their place.
        line.update((k, v) for k, v in event.fields.items() if k not in _LINE_KEYS)
        return line
    if isinstance(event, HoldStarted):
        # The request as a `request` line has it (no status yet), and how the hold ends.
        return {
            **request_json(event.exchange),
            "event": "held",
            "time": iso_time(event.time),
            "started": iso_time(event.exchange.started),
            "rule": event.rule,
            "timeout_s": round(event.deadline - event.time, 3),
            "then": then_json(event.proposal),
        }
    if isinstance(event, ListenOptionWarning):
        return {
            "event": "warning",
            "time": iso_time(event.time),
            "parameter": event.parameter,
            "type": event.type,
            "message": event.message,
            "request_id": event.request_id,
        }
    if isinstance(event, StorageEvent):
        return {
            "event": "storage",
            "time": iso_time(event.time),
            "state": event.state,
            "message": event.message,
            "path": event.path,
            "unsaved": event.unsaved,
        }
    if isinstance(event, EmulatorFaultsChanged):
        return {
            "event": "emulator_faults",
            "time": iso_time(event.time),
            **faults_to_json(event.faults),
        }
    if isinstance(event, CheckStarted | CheckCaseDone | CheckFinished):
        return check_json(event)
    if isinstance(event, PublicUrlEvent):
        return public_url_json(event)
    return None


def then_json(proposal: Respond | Forward | Hold) -> dict[str, Any]:
    """What answers a held request at its timeout: the next rule's reply, the user's app
    (`{"forward": true}`) or a further breakpoint (`{"hold": true}`)."""
    if isinstance(proposal, Forward):
        return {"forward": True}
    if isinstance(proposal, Hold):
        return {"hold": True, "timeout_s": proposal.timeout}
    return {
        "status": proposal.status,
        "headers": [[n, v] for n, v in proposal.headers],
        "body": proposal.body.decode("utf-8", errors="replace"),
        "delay_ms": round(proposal.delay * 1000, 3),
    }


def public_url_json(event: PublicUrlEvent) -> dict[str, Any] | None:
    """`public_url` once the URL is known (then again with `reachable` after the probe, and
    `"state":"stopped"`), `public_url_error` when the provider failed; nothing while it starts."""
    phase = event.phase
    if phase is PublicUrlPhase.STARTING:
        return None
    if phase is PublicUrlPhase.FAILED:
        return {
            "event": "public_url_error",
            "time": iso_time(event.time),
            "provider": event.provider,
            "error": event.error,
        }
    line: dict[str, Any] = {
        "event": "public_url",
        "time": iso_time(event.time),
        "provider": event.provider,
        "state": phase.value,
        "url": event.url,
        "callback_url": event.callback_url,
    }
    if phase in (PublicUrlPhase.REACHABLE, PublicUrlPhase.UNREACHABLE):
        line["reachable"] = phase is PublicUrlPhase.REACHABLE
        line["error"] = event.error
    return line


def forward_json(f: ForwardResult) -> dict[str, Any]:
    """The `forward` object of a `request` line: the app's status and latency, or the error."""
    line: dict[str, Any] = {"url": f.url}
    if f.status is not None:
        line["status"] = f.status
        line["body_size"] = f.body_size
    if f.latency_ms is not None:
        line["latency_ms"] = round(f.latency_ms, 3)
    if f.error is not None:
        line["error"] = f.error
    return line


def request_json(x: Exchange) -> dict[str, Any]:
    line: dict[str, Any] = {
        "event": "request",
        "time": iso_time(x.started),
        "id": x.id,
        "method": x.method,
        "path": x.target,
        "client": x.client,  # who sent it: the only clue for a refusal with no request head
        "headers": [[n, v] for n, v in x.headers],
        "body_size": x.body_size,
    }
    if x.view.utf8_valid and len(x.body) == x.body_size and x.body_size <= BODY_INLINE_LIMIT:
        line["body"] = x.body.decode("utf-8")
    else:
        line["body_truncated"] = True
    auth = x.basic_auth
    line.update(
        status=x.status,
        dg_token=x.dg_token,
        basic_auth_user=auth.user if auth else None,
        request_id=x.request_id,
        attempt=x.attempt,
        rule=x.rule,
    )
    view = x.view
    if view.transcript is not None:  # what a reader of the list sees without the body
        line["transcript"] = view.transcript
    if view.is_final is not None:
        line["is_final"] = view.is_final
    if x.duration_ms is not None:
        line["duration_ms"] = round(x.duration_ms, 3)
    if not x.view.utf8_valid:
        line["body_invalid_utf8"] = True
    if x.note:
        line["note"] = x.note
    if x.kind is ExchangeKind.WEBSOCKET:
        line["websocket"] = True
    if x.forward is not None:
        line["forward"] = forward_json(x.forward)
    if x.probe:
        line["probe"] = True
    return line


def _exchange_json(x: Exchange, is_new: bool) -> dict[str, Any] | None:
    if x.kind is ExchangeKind.WEBSOCKET and x.status == 101:
        if x.ws_end is None:
            if not is_new:
                return None
            opened: dict[str, Any] = {
                "event": "ws_open",
                "time": iso_time(x.started),
                "id": x.id,
                "client": x.client,
                "path": x.target,
                "headers": [[n, v] for n, v in x.headers],
                "rule": x.rule,
            }
            if x.forward is not None:
                opened["forward"] = forward_json(x.forward)
            return opened
        return {
            "event": "ws_close",
            "time": iso_time(x.finished or x.started),
            "id": x.id,
            "code": x.ws_end.code,
            "reason": x.ws_end.reason,
            "by": x.ws_end.by.value,
            "messages": x.ws_messages,
        }
    if x.status is None and x.finished is None:
        return None  # pending (delayed or held reply); printed once it is answered
    # A finished exchange without a status got no reply at all (the handler check's request
    # to a handler that refused the connection): printed, its note says why.
    return request_json(x)


def check_json(event: CheckStarted | CheckCaseDone | CheckFinished) -> dict[str, Any]:
    """`check-handler --json`'s lines (issue 19): `check_start`, one `check_case` per case
    (`case`, `verdict`, `status`, `latency_ms`, `fix`...), then `check_summary` (the counts,
    and every case again in `results`, so the last line alone says it all)."""
    head = {"time": iso_time(event.time), "run": event.run_id}
    if isinstance(event, CheckStarted):
        return {
            "event": "check_start",
            **head,
            "url": event.url,
            "loopback": event.loopback,
            "cases": [c.value for c in event.cases],
            "skipped": [{"case": c.value, "reason": why} for c, why in event.skipped],
            "notes": list(event.notes),
            "session": event.session,
        }
    if isinstance(event, CheckCaseDone):
        return {"event": "check_case", **head, **case_json(event.result)}
    summary = event.summary
    return {
        "event": "check_summary",
        **head,
        "url": summary.url,
        "verdict": summary.verdict.value,
        "pass": summary.count(Verdict.PASS),
        "warn": summary.count(Verdict.WARN),
        "fail": summary.count(Verdict.FAIL),
        "skipped": [{"case": c.value, "reason": why} for c, why in summary.skipped],
        "session": summary.session,
        "cancelled": summary.cancelled,
        "error": summary.error,
        "exit_code": summary.exit_code,
        "results": [case_json(r) for r in summary.results],
    }


def case_json(r: CaseResult) -> dict[str, Any]:
    """One case's verdict, as a `check_case` line and the summary's `results` carry it."""
    return {
        "case": r.case.value,
        "title": r.title,
        "verdict": r.verdict.value,
        "status": r.status,
        "latency_ms": r.latency_ms,
        "fix": r.fix,
        "detail": r.detail,
        "note": r.note,
        "exchanges": list(r.exchange_ids),
    }
