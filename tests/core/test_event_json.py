import json
import math

import pytest

from inspector.core.body_view import view_body
from inspector.core.emulator_events import emulator_event
from inspector.core.event_json import BODY_INLINE_LIMIT, event_line, event_to_json
from inspector.core.event_read import event_from_line
from inspector.core.events import (
    ExchangeAdded,
    ExchangeUpdated,
    ListenOptionWarning,
    WsMessageAdded,
)
from inspector.core.records import (
    ClosedBy,
    Direction,
    ExchangeKind,
    WsEnd,
    WsKind,
    WsMessage,
)
from tests.factories import http_exchange


def _exchange(**kw):
    base = dict(
        started=0.0,
        client="127.0.0.1:1",
        target="/cb?x=1",
        headers=(("dg-token", "t"),),
        body=b"",
        reply_headers=(),
        finished=0.001,
    )
    return http_exchange(1, **{**base, **kw})


def test_request_line_carries_body_text_and_decoded_views():
    body = b'{"metadata":{"request_id":"r"}}'
    line = event_to_json(
        ExchangeAdded(_exchange(body=body, body_size=len(body), view=view_body(body)))
    )
    assert line["event"] == "request"
    assert (line["path"], line["body"], line["request_id"], line["dg_token"]) == (
        "/cb?x=1",
        body.decode(),
        "r",
        "t",
    )


def test_large_or_binary_bodies_are_not_inlined():
    big = b"a" * (BODY_INLINE_LIMIT + 1)
    line = event_to_json(
        ExchangeAdded(_exchange(body=big, body_size=len(big), view=view_body(big)))
    )
    assert "body" not in line and line["body_truncated"] is True
    binary = b"\xff\x00"
    line = event_to_json(ExchangeAdded(_exchange(body=binary, body_size=2, view=view_body(binary))))
    assert "body" not in line and line["body_truncated"] is True


def test_pending_reply_prints_nothing_until_answered():
    assert event_to_json(ExchangeAdded(_exchange(status=None, finished=None))) is None


def test_websocket_open_and_close_lines():
    ws = _exchange(kind=ExchangeKind.WEBSOCKET, method="GET", status=101, finished=None)
    assert event_to_json(ExchangeAdded(ws))["event"] == "ws_open"
    closed = event_to_json(
        ExchangeUpdated(
            _exchange(
                kind=ExchangeKind.WEBSOCKET,
                status=101,
                ws_end=WsEnd(ClosedBy.SERVER, 1011, "bye"),
            )
        )
    )
    assert (closed["event"], closed["code"], closed["reason"], closed["by"]) == (
        "ws_close",
        1011,
        "bye",
        "server",
    )


def test_terminal_escapes_are_escaped_in_the_json_text():
    body = b"\x1b[31mred\x1b[0m"
    line = event_to_json(
        ExchangeAdded(_exchange(body=body, body_size=len(body), view=view_body(body)))
    )
    text = json.dumps(line)
    assert "\x1b" not in text and "\\u001b[31m" in text


def test_nan_and_infinity_are_written_null_so_every_line_is_strict_json():
    event = emulator_event("job_done", 0.0, {"duration": math.nan, "x": [math.inf, 1.5]})
    line = event_line(event)
    assert line is not None
    assert json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in {line}")) == {
        "event": "job_done",
        "time": "1970-01-01T00:00:00.000Z",
        "duration": None,
        "x": [None, 1.5],
        "v": 1,
    }


def test_a_refusal_without_a_request_head_names_its_client():
    line = event_to_json(
        ExchangeAdded(_exchange(method="", target="", client="127.0.0.1:5555", status=400))
    )
    assert (line["method"], line["path"], line["client"]) == ("", "", "127.0.0.1:5555")


def test_long_websocket_text_is_summarised_like_a_long_body():
    def message(text: str) -> dict:
        m = WsMessage(1, 0, Direction.IN, WsKind.TEXT, text.encode(), 0.0)
        return event_to_json(WsMessageAdded(m))

    assert message("hi")["text"] == "hi"
    long = message("x" * (BODY_INLINE_LIMIT + 1))
    assert "text" not in long and long["text_truncated"] and long["size"] == BODY_INLINE_LIMIT + 1


def test_non_ascii_text_is_escaped_even_on_the_fast_path():
    line = event_line(emulator_event("error", 0.0, {"detail": "caf\u00e9 \u009b31m \u202e"}))
    assert line is not None and line.isascii() and "\\u009b" in line and "\\u202e" in line
    assert json.loads(line)["detail"] == "caf\u00e9 \u009b31m \u202e"


def test_a_listen_option_warning_is_a_warning_line_that_reads_back() -> None:
    warning = ListenOptionWarning(
        "language", "unsupported_language", "language=fr was answered in English", "rid", 0.0
    )
    line = event_to_json(warning)
    assert line == {
        "v": 1,
        "event": "warning",
        "time": "1970-01-01T00:00:00.000Z",
        "parameter": "language",
        "type": "unsupported_language",
        "message": "language=fr was answered in English",
        "request_id": "rid",
    }
    assert event_from_line(line, {}) == warning


def test_request_line_has_the_forward_object_with_the_apps_status_or_the_error():
    from inspector.core.forward import ForwardResult

    ok = ForwardResult(
        "http://127.0.0.1:3000/cb", status=202, body=b"{}", body_size=2, latency_ms=14.0
    )
    line = event_to_json(ExchangeAdded(_exchange(status=202, forward=ok)))
    assert line["forward"] == {
        "url": "http://127.0.0.1:3000/cb",
        "status": 202,
        "body_size": 2,
        "latency_ms": 14.0,
    }
    error = "connection refused: is your app running on 127.0.0.1:3000?"
    failed = ForwardResult("http://127.0.0.1:3000/cb", error=error)
    line = event_to_json(ExchangeAdded(_exchange(status=502, forward=failed)))
    assert line["forward"] == {"url": "http://127.0.0.1:3000/cb", "error": error}
    assert "forward" not in event_to_json(ExchangeAdded(_exchange()))


def test_a_probe_is_marked_in_its_request_line():
    assert event_to_json(ExchangeAdded(_exchange(probe=True)))["probe"] is True
    assert "probe" not in event_to_json(ExchangeAdded(_exchange()))


def test_public_url_lines_once_known_after_the_probe_and_on_failure():
    from inspector.core.public_url import PublicUrlEvent, PublicUrlPhase

    url, cb = "https://x.trycloudflare.com", "https://x.trycloudflare.com/cb/S/"
    assert event_to_json(PublicUrlEvent("cloudflared", PublicUrlPhase.STARTING, 0.0)) is None
    known = event_to_json(PublicUrlEvent("cloudflared", PublicUrlPhase.PROBING, 0.0, url, cb))
    assert {k: known[k] for k in ("event", "provider", "url", "callback_url")} == {
        "event": "public_url",
        "provider": "cloudflared",
        "url": url,
        "callback_url": cb,
    }
    assert "reachable" not in known
    probed = event_to_json(
        PublicUrlEvent("cloudflared", PublicUrlPhase.UNREACHABLE, 0.0, url, cb, "no answer")
    )
    assert (probed["reachable"], probed["error"]) == (False, "no answer")
    reachable = event_to_json(PublicUrlEvent("ngrok", PublicUrlPhase.REACHABLE, 0.0, url, cb))
    assert (reachable["reachable"], reachable["error"]) == (True, None)
    failed = event_to_json(PublicUrlEvent("ngrok", PublicUrlPhase.FAILED, 0.0, error="no token"))
    assert {k: v for k, v in failed.items() if k != "v"} == {
        "event": "public_url_error",
        "time": "1970-01-01T00:00:00.000Z",
        "provider": "ngrok",
        "error": "no token",
    }
