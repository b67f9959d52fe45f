"""The other direction of `event_json`: JSON objects back into records and events.

A client of the control API (the window, or `gui --attach`) receives the same JSON objects
that `serve` prints and turns them back into the records every layer speaks: a `request`
line becomes a light `Exchange` (its body inline when `serve` prints it, else empty, with the
view's request_id, transcript and is_final kept), a `ws_close` line updates the socket it
closes. `fetch_exchange` answers with the full record form below (bodies as base64), which
round-trips an `Exchange` exactly.

Never raises on a line it does not know: that is a newer engine's event, returned as None.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from .body_view import BodyView, view_body
from .emulator_events import KINDS, emulator_event
from .emulator_faults import FaultError, faults_from_json
from .events import (
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
from .handler_checks import (
    CaseId,
    CaseResult,
    CheckCaseDone,
    CheckFinished,
    CheckStarted,
    CheckSummary,
    Verdict,
)
from .public_url import PublicUrlEvent, PublicUrlPhase
from .records import ClosedBy, Direction, Exchange, ExchangeKind, WsEnd, WsKind, WsMessage
from .rules import Forward, Hold, Respond

# The emulator's kinds of event (core/emulator_events.py), read back by name; an
# emulator event this version does not know would be read as an OtherEmulatorEvent.
EMULATOR_EVENTS = frozenset(KINDS)


class LineError(ValueError):
    """A known event whose fields are not what that event carries."""


def epoch(iso: Any) -> float:
    """Epoch seconds of an ISO-8601 time with `Z` (what `iso_time` writes)."""
    if not isinstance(iso, str):
        raise LineError(f"a time must be ISO-8601 text, not {iso!r}")
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise LineError(f"not an ISO-8601 time: {iso!r}") from None


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((str(p[0]), str(p[1])) for p in value if isinstance(p, list) and len(p) == 2)


def exchange_from_line(line: Mapping[str, Any]) -> Exchange:
    """A light `Exchange` from a `request` or `ws_open` line."""
    try:
        started = epoch(line["time"])
        body_text = line.get("body")
        body = body_text.encode("utf-8") if isinstance(body_text, str) else b""
        websocket = line.get("event") == "ws_open" or bool(line.get("websocket"))
        duration = line.get("duration_ms")
        finished = started + duration / 1000.0 if isinstance(duration, int | float) else None
        if body:
            view = view_body(body)
        else:
            is_final = line.get("is_final")
            view = BodyView(
                utf8_valid=not line.get("body_invalid_utf8", False),
                json_valid=bool(line.get("json_valid", False)),
                request_id=_text(line.get("request_id")),
                transcript=_text(line.get("transcript")),
                is_final=is_final if isinstance(is_final, bool) else None,
                message_type=_text(line.get("message_type")),
                is_error=bool(line.get("is_error", False)),
            )
        return Exchange(
            id=int(line["id"]),
            kind=ExchangeKind.WEBSOCKET if websocket else ExchangeKind.HTTP,
            started=started,
            client=str(line.get("client", "")),
            method=str(line.get("method", "GET" if websocket else "")),
            target=str(line.get("path", "")),
            http_version=str(line.get("http_version", "HTTP/1.1")),
            headers=_headers(line.get("headers")),
            body=body,
            body_size=int(line.get("body_size", len(body))),
            attempt=int(line.get("attempt", 1)),
            status=101 if line.get("event") == "ws_open" else _int_or_none(line.get("status")),
            reply_headers=_headers(line.get("reply_headers")),
            finished=finished,
            note=str(line.get("note", "")),
            view=view,
            rule=_text(line.get("rule")),
            forward=forward_from_json(line.get("forward")),
            probe=bool(line.get("probe", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LineError(f"a {line.get('event')} line without what it needs: {exc}") from None


def hold_from_line(line: Mapping[str, Any]) -> HoldStarted:
    """A `held` line: a request (as its `request` line has it) waiting for the user's answer."""
    started = epoch(line["time"])
    deadline = started + float(line.get("timeout_s", 0.0))
    then = line.get("then")
    then = then if isinstance(then, dict) else {}
    proposal: Respond | Forward | Hold
    if then.get("forward"):
        proposal = Forward()
    elif then.get("hold"):
        proposal = Hold(float(then.get("timeout_s", 60.0)))
    else:
        body = then.get("body")
        proposal = Respond(
            status=int(then.get("status", 200)),
            headers=_headers(then.get("headers")),
            body=body.encode("utf-8") if isinstance(body, str) else b"",
            delay=float(then.get("delay_ms", 0)) / 1000.0,
        )
    request = {**line, "event": "request", "time": line.get("started", line["time"])}
    pending = replace(exchange_from_line(request), held_until=deadline, finished=None)
    return HoldStarted(pending, str(line.get("rule", "")), started, deadline, proposal)


def forward_from_json(value: Any) -> ForwardResult | None:
    """The `forward` object of a `request` line back into a (light) ForwardResult: the
    app's status, size and latency, or the error (its headers and body are not printed)."""
    if not isinstance(value, Mapping):
        return None
    latency = value.get("latency_ms")
    return ForwardResult(
        url=str(value.get("url", "")),
        status=_int_or_none(value.get("status")),
        body_size=int(value.get("body_size") or 0),
        latency_ms=float(latency) if isinstance(latency, int | float) else None,
        error=_text(value.get("error")),
        timed_out="--forward-timeout" in str(value.get("error") or ""),
    )


def public_url_from_line(name: str, line: Mapping[str, Any]) -> PublicUrlEvent:
    """A `public_url` or `public_url_error` line back into its PublicUrlEvent."""
    if name == "public_url_error":
        phase = PublicUrlPhase.FAILED
    else:
        try:
            phase = PublicUrlPhase(str(line.get("state", "probing")))
        except ValueError:
            state = line.get("state")
            raise LineError(f"a public_url line with an unknown state: {state!r}") from None
    return PublicUrlEvent(
        provider=str(line.get("provider", "")),
        phase=phase,
        time=epoch(line["time"]),
        url=_text(line.get("url")),
        callback_url=_text(line.get("callback_url")),
        error=_text(line.get("error")),
    )


def closed_exchange(opened: Exchange, line: Mapping[str, Any]) -> Exchange:
    """`opened` (a WebSocket) as the `ws_close` line says it ended."""
    try:
        by = ClosedBy(line.get("by", "abort"))
    except ValueError:
        by = ClosedBy.ABORT
    return replace(
        opened,
        ws_end=WsEnd(by, _int_or_none(line.get("code")), str(line.get("reason", ""))),
        ws_messages=int(line.get("messages", opened.ws_messages)),
        finished=epoch(line["time"]) if "time" in line else opened.finished,
        note=str(line.get("note", opened.note)),
    )


def ws_message_from_line(line: Mapping[str, Any]) -> WsMessage:
    """A `ws_message` line as a record: its text when `serve` printed it, else empty data of
    its size unknown (the full message comes with `fetch_exchange`)."""
    text = line.get("text")
    kind = WsKind.TEXT if line.get("kind") == "text" else WsKind.BINARY
    return WsMessage(
        exchange_id=int(line["id"]),
        index=int(line.get("index", -1)),
        direction=Direction.OUT if line.get("direction") == "out" else Direction.IN,
        kind=kind,
        data=text.encode("utf-8") if isinstance(text, str) else b"",
        time=epoch(line["time"]),
    )


def event_from_line(line: Mapping[str, Any], open_sockets: Mapping[int, Exchange]) -> Event | None:
    """The event a JSON line stands for, or None for lines that are not engine events
    (`listening`, `hello`, `result`, a newer engine's kinds). `open_sockets` are the
    WebSockets seen open, by id: a `ws_close` line updates one of them."""
    name = line.get("event")
    if not isinstance(name, str):
        return None
    try:
        return _event(name, line, open_sockets)
    except LineError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise LineError(f"a {name} line without what it needs: {exc!r}") from None


def _event(
    name: str, line: Mapping[str, Any], open_sockets: Mapping[int, Exchange]
) -> Event | None:
    if name == "request":
        return ExchangeAdded(exchange_from_line(line))
    if name == "ws_open":
        return ExchangeAdded(exchange_from_line(line))
    if name == "ws_close":
        opened = open_sockets.get(int(line.get("id", -1)))
        return None if opened is None else ExchangeUpdated(closed_exchange(opened, line))
    if name == "ws_message":
        return WsMessageAdded(ws_message_from_line(line))
    if name == "held":
        return hold_from_line(line)
    if name == "storage":
        return StorageEvent(
            state=str(line.get("state", "")),
            time=epoch(line["time"]),
            message=str(line.get("message", "")),
            path=_text(line.get("path")),
            unsaved=int(line.get("unsaved") or 0),
        )
    if name == "emulator_faults":
        try:
            return EmulatorFaultsChanged(epoch(line["time"]), faults_from_json(line))
        except FaultError as exc:
            raise LineError(f"an emulator_faults line with impossible faults: {exc}") from None
    if name in ("check_start", "check_case", "check_summary"):
        return check_from_line(name, line)
    if name == "warning":
        return ListenOptionWarning(
            parameter=str(line["parameter"]),
            type=str(line.get("type", "")),
            message=str(line.get("message", "")),
            request_id=str(line.get("request_id", "")),
            time=epoch(line["time"]),
        )
    if name in ("public_url", "public_url_error"):
        return public_url_from_line(name, line)
    if name in EMULATOR_EVENTS:
        fields = {k: v for k, v in line.items() if k not in ("event", "time", "v")}
        return emulator_event(name, epoch(line["time"]), fields)
    return None


def _case(d: Mapping[str, Any]) -> CaseResult:
    latency = d.get("latency_ms")
    return CaseResult(
        case=CaseId(d["case"]),
        verdict=Verdict(d["verdict"]),
        status=_int_or_none(d.get("status")),
        latency_ms=float(latency) if isinstance(latency, int | float) else None,
        fix=_text(d.get("fix")),
        detail=str(d.get("detail", "")),
        note=_text(d.get("note")),
        exchange_ids=tuple(int(i) for i in d.get("exchanges") or ()),
    )


def _skipped(value: Any) -> tuple[tuple[CaseId, str], ...]:
    return tuple((CaseId(s["case"]), str(s.get("reason", ""))) for s in value or ())


def check_from_line(name: str, line: Mapping[str, Any]) -> Event:
    """A handler check's `check_start`, `check_case` or `check_summary` line as its event."""
    run, when = int(line["run"]), epoch(line["time"])
    if name == "check_start":
        return CheckStarted(
            run,
            when,
            str(line["url"]),
            bool(line.get("loopback")),
            tuple(CaseId(c) for c in line.get("cases") or ()),
            _skipped(line.get("skipped")),
            tuple(str(n) for n in line.get("notes") or ()),
            _text(line.get("session")),
        )
    if name == "check_case":
        return CheckCaseDone(run, when, _case(line))
    summary = CheckSummary(
        url=str(line["url"]),
        results=tuple(_case(r) for r in line.get("results") or ()),
        skipped=_skipped(line.get("skipped")),
        session=_text(line.get("session")),
        cancelled=bool(line.get("cancelled")),
        error=_text(line.get("error")),
    )
    return CheckFinished(run, when, summary)


# -- the full record (fetch_exchange) --------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(text) if isinstance(text, str) and text else b""


def exchange_to_record(x: Exchange, light: bool = False) -> dict[str, Any]:
    """Every field of `x`, bodies as base64: `exchange_from_record` gives `x` back. `light`
    leaves the bodies out and keeps what the list shows of them (the body's view)."""
    record = {
        "id": x.id,
        "kind": x.kind.value,
        "started": x.started,
        "client": x.client,
        "method": x.method,
        "target": x.target,
        "http_version": x.http_version,
        "headers": [list(h) for h in x.headers],
        "body": _b64(x.body),
        "body_size": x.body_size,
        "attempt": x.attempt,
        "status": x.status,
        "reply_headers": [list(h) for h in x.reply_headers],
        "reply_body": _b64(x.reply_body),
        "finished": x.finished,
        "ws_end": None
        if x.ws_end is None
        else {"by": x.ws_end.by.value, "code": x.ws_end.code, "reason": x.ws_end.reason},
        "ws_messages": x.ws_messages,
        "note": x.note,
        "rule": x.rule,
        "held_until": x.held_until,
        "probe": x.probe,
        "forward": None if x.forward is None else _forward_record(x.forward, light),
    }
    if light:
        v = x.view
        record.update(
            body="",
            reply_body="",
            view={
                "utf8_valid": v.utf8_valid,
                "json_valid": v.json_valid,
                "request_id": v.request_id,
                "transcript": v.transcript,
                "is_final": v.is_final,
                "message_type": v.message_type,
                "is_error": v.is_error,
                "stream_message": v.stream_message,
            },
        )
    return record


def _forward_record(f: ForwardResult, light: bool) -> dict[str, Any]:
    return {
        "url": f.url,
        "status": f.status,
        "headers": [list(h) for h in f.headers],
        "body": "" if light else _b64(f.body),
        "body_size": f.body_size,
        "latency_ms": f.latency_ms,
        "error": f.error,
        "timed_out": f.timed_out,
    }


def _forward_from_record(d: Any) -> ForwardResult | None:
    if not isinstance(d, Mapping):
        return None
    latency = d.get("latency_ms")
    return ForwardResult(
        url=str(d.get("url", "")),
        status=_int_or_none(d.get("status")),
        headers=_headers(d.get("headers")),
        body=_unb64(d.get("body")),
        body_size=int(d.get("body_size") or 0),
        latency_ms=None if latency is None else float(latency),
        error=_text(d.get("error")),
        timed_out=bool(d.get("timed_out", False)),
    )


def _view(d: Mapping[str, Any], body: bytes) -> BodyView:
    summary = d.get("view")
    if body or not isinstance(summary, dict):
        return view_body(body)
    is_final = summary.get("is_final")
    return BodyView(
        utf8_valid=bool(summary.get("utf8_valid", True)),
        json_valid=bool(summary.get("json_valid", False)),
        request_id=_text(summary.get("request_id")),
        transcript=_text(summary.get("transcript")),
        is_final=is_final if isinstance(is_final, bool) else None,
        message_type=_text(summary.get("message_type")),
        is_error=bool(summary.get("is_error", False)),
        stream_message=_text(summary.get("stream_message")),
    )


def exchange_from_record(d: Mapping[str, Any]) -> Exchange:
    try:
        end = d.get("ws_end")
        body = _unb64(d.get("body"))
        return Exchange(
            id=int(d["id"]),
            kind=ExchangeKind(d["kind"]),
            started=float(d["started"]),
            client=str(d.get("client", "")),
            method=str(d.get("method", "")),
            target=str(d.get("target", "")),
            http_version=str(d.get("http_version", "")),
            headers=_headers(d.get("headers")),
            body=body,
            body_size=int(d.get("body_size", len(body))),
            attempt=int(d.get("attempt", 1)),
            status=_int_or_none(d.get("status")),
            reply_headers=_headers(d.get("reply_headers")),
            reply_body=_unb64(d.get("reply_body")),
            finished=None if d.get("finished") is None else float(d["finished"]),
            ws_end=None
            if not isinstance(end, dict)
            else WsEnd(ClosedBy(end["by"]), _int_or_none(end.get("code")), str(end["reason"])),
            ws_messages=int(d.get("ws_messages", 0)),
            note=str(d.get("note", "")),
            view=_view(d, body),
            rule=_text(d.get("rule")),
            held_until=None if d.get("held_until") is None else float(d["held_until"]),
            forward=_forward_from_record(d.get("forward")),
            probe=bool(d.get("probe", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LineError(f"an exchange record without what it needs: {exc}") from None


def message_to_record(m: WsMessage) -> dict[str, Any]:
    return {
        "exchange_id": m.exchange_id,
        "index": m.index,
        "direction": m.direction.value,
        "kind": m.kind.value,
        "data": _b64(m.data),
        "time": m.time,
    }


def message_from_record(d: Mapping[str, Any]) -> WsMessage:
    try:
        return WsMessage(
            exchange_id=int(d["exchange_id"]),
            index=int(d["index"]),
            direction=Direction(d["direction"]),
            kind=WsKind(d["kind"]),
            data=_unb64(d.get("data")),
            time=float(d["time"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LineError(f"a message record without what it needs: {exc}") from None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
