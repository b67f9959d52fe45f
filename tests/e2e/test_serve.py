"""The real `callback-inspector serve` process: JSON lines, exit codes, acceptance of issue 3."""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import sys
import urllib.parse

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.emulator_http import post as _post
from tests.serve_process import EXE, ServeProcess


def test_fail_first_two_with_503_then_200_and_attempts_are_numbered():
    with ServeProcess("--port", "0", "--fail-first", "2", "--reply-status", "503") as serve:
        body = json.dumps({"metadata": {"request_id": "job-42"}}).encode()
        statuses = [_post(serve.url, "/callback", body) for _ in range(3)]
        lines = [serve.wait_for("request") for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [(e["attempt"], e["status"], e["request_id"]) for e in lines] == [
        (1, 503, "job-42"),
        (2, 503, "job-42"),
        (3, 200, "job-42"),
    ]


def test_basic_auth_dg_token_and_wire_order_with_duplicates():
    auth = "Basic " + base64.b64encode(b"deepgram:hunter2").decode()
    headers = [
        ("Authorization", auth),
        ("dg-token", "5f6a-key-id"),
        ("X-Twice", "one"),
        ("Content-Type", "application/json"),
        ("X-Twice", "two"),
    ]
    with ServeProcess("--port", "0") as serve:
        assert _post(serve.url, "/cb", b"{}", headers=headers) == 200
        line = serve.wait_for("request")
    assert line["basic_auth_user"] == "deepgram" and line["dg_token"] == "5f6a-key-id"
    sent = [[n, v] for n, v in headers]
    names = [n for n, _ in line["headers"]]
    received = [pair for pair in line["headers"] if pair[0] in {n for n, _ in headers}]
    assert received == sent  # wire order, duplicate kept twice
    assert names.count("X-Twice") == 2


def test_put_is_listed_as_put_with_body_size():
    with ServeProcess("--port", "0") as serve:
        assert _post(serve.url, "/s3/object", b"x" * 1234, method="PUT") == 200
        line = serve.wait_for("request")
    assert (line["method"], line["body_size"]) == ("PUT", 1234)


def test_websocket_messages_and_close_after_two_with_1011():
    with ServeProcess("--port", "0") as serve:
        url = serve.url.replace("http", "ws") + "/any/path"
        with connect(url) as ws:
            for text in ("a", "b", "c"):
                ws.send(text)
        opened = serve.wait_for("ws_open")
        messages = [serve.wait_for("ws_message", id=opened["id"]) for _ in range(3)]
        closed = serve.wait_for("ws_close", id=opened["id"])
    assert opened["path"] == "/any/path"
    assert [(m["direction"], m["kind"], m["text"]) for m in messages] == [
        ("in", "text", "a"),
        ("in", "text", "b"),
        ("in", "text", "c"),
    ]
    assert (closed["by"], closed["code"]) == ("client", 1000)

    with ServeProcess("--port", "0", "--ws-close-after", "2", "--ws-close-code", "1011") as serve:
        with connect(serve.url.replace("http", "ws") + "/x") as ws:
            ws.send("first")
            ws.send("second")
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=10)
        assert info.value.rcvd.code == 1011
        closed = serve.wait_for("ws_close")
        assert (closed["by"], closed["code"]) == ("server", 1011)


def test_twenty_megabytes_by_default_and_413_over_max_body():
    with ServeProcess("--port", "0") as serve:
        assert _post(serve.url, "/big", b"\x00" * (20 * 1024 * 1024)) == 200
        line = serve.wait_for("request")
        assert (line["status"], line["body_size"], line.get("body_truncated")) == (
            200,
            20 * 1024 * 1024,
            True,
        )
    with ServeProcess("--port", "0", "--max-body", "1000") as serve:
        assert _post(serve.url, "/big", b"y" * 5000) == 413
        line = serve.wait_for("request")
        assert (line["status"], line["body_size"], line["method"], line["path"]) == (
            413,
            5000,
            "POST",
            "/big",
        )


def test_garbage_then_valid_request_is_answered_and_listed():
    with ServeProcess("--port", "0") as serve:
        parts = urllib.parse.urlsplit(serve.url)
        for garbage, listed_as in (
            (
                b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
                {
                    "status": 400,
                    "method": "",
                    "path": "",
                    "note": "not HTTP: looks like a "
                    "TLS ClientHello (an https:// URL sent to this port?)",
                },
            ),
            (
                b"\xff" * 300 + b"\r\n\r\n",
                {"status": 400, "method": "", "path": ""},
            ),
            (
                b"POST /h HTTP/1.1\r\nHost: a\r\nX-Bad: \xff\xfe\r\n"
                b"Content-Length: 9\r\n\r\n{invalid}",
                {"status": 200, "method": "POST", "path": "/h"},
            ),
        ):
            with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
                sock.sendall(garbage)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(65536):
                    pass
            assert serve.wait_for("request", **listed_as)
            assert _post(serve.url, "/valid", b'{"ok":1}') == 200
            assert serve.wait_for("request", path="/valid")["status"] == 200


def test_sigterm_stops_cleanly_with_exit_zero():
    serve = ServeProcess("--port", "0")
    serve.proc.send_signal(signal.SIGTERM)
    assert serve.proc.wait(15) == 0


def test_port_in_use_exits_nonzero_naming_the_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*EXE, "serve", "--port", str(port), "--no-emulator"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert str(port) in result.stderr and "--port 0" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--port", "notaport"], ["--ws-close-code", "1006"]])
def test_bad_arguments_exit_2_with_usage(args):
    result = subprocess.run([*EXE, "serve", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_help_lists_every_flag_of_the_issue():
    result = subprocess.run([*EXE, "serve", "--help"], capture_output=True, text=True, timeout=60)
    for flag in (
        "--host",
        "--port",
        "--reply-status",
        "--reply-delay",
        "--fail-first",
        "--ws-refuse",
        "--ws-close-after",
        "--ws-close-code",
        "--max-body",
        # issue 9: the receiver's limits against hostile traffic
        "--max-ws-message",
        "--max-line-size",
        "--max-field-size",
        "--max-headers",
        "--max-connections",
        "--idle-timeout",
        "--max-listed-refusals",
    ):
        assert flag in result.stdout


def test_non_loopback_bind_warns_on_stderr():
    serve = ServeProcess("--host", "0.0.0.0", "--port", "0")
    try:
        serve.stop()
    finally:
        pass
    assert any("0.0.0.0" in line and "anyone" in line for line in serve.stderr_lines)


def test_python_dash_m_matches_console_script_name():
    result = subprocess.run(
        [sys.executable, "-m", "inspector", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("callback-inspector ")
