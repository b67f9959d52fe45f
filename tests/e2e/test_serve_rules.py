"""`serve --rules FILE` (issue 17 acceptance 2): each rule of the issue's file seen over real HTTP
and WebSocket with the `rule` field; a malformed file exits 2 naming file, line and key."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.core.test_rules_file import ISSUE_FILE
from tests.serve_process import EXE, ServeProcess


def _send(url: str, method: str, path: str, body: bytes, headers=()) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request(method, path, body=body, headers=dict(headers))
    reply = conn.getresponse()
    result = reply.status, reply.read()
    conn.close()
    return result


# A breakpoint after the issue's rules: without a window, it answers at its timeout.
HOLD = """
[[rule]]
name = "look"
match = { path = "/hold" }
hold = true
hold_timeout = 0.3

[[rule]]
match = { path = "/hold" }
status = 418
body = "next"
"""


def test_each_rule_of_the_issue_file_over_http_and_websocket(tmp_path: Path):
    rules = tmp_path / "rules.toml"
    rules.write_text(ISSUE_FILE + HOLD)
    with ServeProcess("--port", "0", "--rules", str(rules)) as serve:
        url = serve.url
        job = json.dumps({"metadata": {"request_id": "job-1"}}).encode()
        # "first two attempts fail": POST /hook*, per request_id; then no rule: 200
        got = [_send(url, "POST", "/hook/cb", job)[0] for _ in range(3)]
        lines = [serve.wait_for("request") for _ in range(3)]
        assert got == [503, 503, 200]
        assert [(x["attempt"], x["rule"]) for x in lines] == [
            (1, "first two attempts fail"),
            (2, "first two attempts fail"),
            (3, None),
        ]
        # the same job on another path is not matched by the path glob
        assert _send(url, "POST", "/other", job)[0] == 200
        assert serve.wait_for("request", path="/other")["rule"] is None

        # "slow PUT": 200 after 1.5 s
        assert _send(url, "PUT", "/s3/object", b"{}")[0] == 200
        slow = serve.wait_for("request", method="PUT")
        assert (slow["status"], slow["rule"]) == (200, "slow PUT")
        assert slow["duration_ms"] >= 1500

        # "unknown key": a dg-token of zeros gets 403 and the body
        status, body = _send(url, "POST", "/cb", job, [("dg-token", "00000000-0000-4000")])
        assert (status, body) == (403, b"unknown key")
        refused = serve.wait_for("request", path="/cb")
        assert (refused["status"], refused["rule"], refused["dg_token"]) == (
            403,
            "unknown key",
            "00000000-0000-4000",
        )

        # "short streams": a WebSocket on /ws* is closed 1011 after the client's 3rd message
        ws_url = url.replace("http", "ws")
        with connect(ws_url + "/ws/live") as ws:
            for text in ("a", "b", "c"):
                ws.send(text)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1011
        opened = serve.wait_for("ws_open", path="/ws/live")
        assert opened["rule"] == "short streams"
        ended = serve.wait_for("ws_close", id=opened["id"])
        assert (ended["by"], ended["code"], ended["messages"]) == ("server", 1011, 3)
        # ... and one elsewhere stays open: no rule
        with connect(ws_url + "/feed") as ws:
            for text in ("a", "b", "c", "d"):
                ws.send(text)
            other = serve.wait_for("ws_open", path="/feed")
            assert serve.wait_for("ws_message", id=other["id"], text="d")
        assert other["rule"] is None
        assert serve.wait_for("ws_close", id=other["id"])["by"] == "client"

        # "look": held (a `held` line), then answered as the next rule would at its timeout
        assert _send(url, "POST", "/hold", b"{}") == (418, b"next")
        held = serve.wait_for("held")
        line = serve.wait_for("request", path="/hold")
    assert (held["rule"], held["timeout_s"], held["then"]["status"]) == ("look", 0.3, 418)
    assert held["then"]["body"] == "next"
    assert held["id"] == line["id"]
    assert (line["status"], line["rule"]) == (418, "look")
    assert "no answer within 0.3 s" in line["note"] and "(#6)" in line["note"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[[rule]]\nstatus = 503\nmatch = { path = "/a" \n', ":3: match: not valid TOML"),
        ("[[rule]]\n\nstauts = 503\n", ":3: stauts: unknown key (did you mean `status`?)"),
        ("[[rule]]\nstatus = 600\n", ":2: status: 600 is out of range (200-599)"),
        ('[[rule]]\nmatch = { path = "/[a" }\n', ":2: match.path: glob '/[a': the ["),
        ('[[rule]]\nmatch = { body = { "a..b" = 1 } }\n', ':2: match.body."a..b": JSON path'),
    ],
)
def test_a_malformed_rules_file_exits_2_naming_file_line_and_key(tmp_path: Path, text, where):
    rules = tmp_path / "bad.toml"
    rules.write_text(text)
    result = subprocess.run(
        [*EXE, "serve", "--port", "0", "--no-emulator", "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{rules}{where}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_window_refuses_a_malformed_rules_file_the_same_way(tmp_path: Path):
    rules = tmp_path / "bad.toml"
    rules.write_text('[[rule]]\nmatch = { methd = "PUT" }\n')
    result = subprocess.run(
        [*EXE, "gui", "--port", "0", "--no-session", "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert f"{rules}:2: match.methd: unknown key (did you mean `method`?)" in result.stderr


@pytest.mark.slow  # ~20 s (serve's speech stack, a stream); make test has the receiver's twin
def test_fail_first_on_a_streaming_http_callback_fails_each_message_once_as_attempt_1():
    """Issue 15 item 9 against the real emulator: a stream's POSTs share its request_id, yet
    each is a different message, so each is attempt 1 (and gets --fail-first's 503); the
    emulator never retries them [REFERENCE 3], so none is shown as a retry."""
    from tests.e2e.test_emulator_streaming import _listen, _pcm, _stream
    from tests.samples import shortest_sample

    flags = ("--fail-first", "2", "--reply-status", "503")
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports", *flags) as serve:
        query = f"encoding=linear16&sample_rate=16000&callback={serve.url}/live"
        request_id, messages, code, _ = _stream(_listen(serve, query), _pcm(shortest_sample()))
        posts = [serve.wait_for("request", path="/live", timeout=30) for _ in messages]
    assert code == 1000 and len(messages) >= 2  # the stream goes on: its POSTs are not retried
    assert {p["request_id"] for p in posts} == {request_id}
    assert [(p["attempt"], p["status"], p["rule"]) for p in posts] == [(1, 503, "#1")] * len(posts)
