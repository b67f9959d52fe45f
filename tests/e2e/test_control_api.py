"""The control API of the real `serve`: over an authenticated WebSocket (`--control-port`)
and over its own stdin/stdout (`--control-stdio`, how the window runs its engine).

A plain `websockets` client stands in for whatever a user points at it (a script, a CI job,
`gui --attach`); the engine is the real one on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import stat
import threading
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.serve_process import ServeProcess


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        return r.status


def _until(ws, predicate, limit: int = 500) -> dict:
    for _ in range(limit):
        line = json.loads(ws.recv(timeout=10))
        if predicate(line):
            return line
    raise AssertionError("no matching message")


@pytest.fixture
def controlled(tmp_path):
    token_file = tmp_path / "control-token"
    with ServeProcess(
        "--port", "0", "--control-port", "0", "--control-token-file", str(token_file)
    ) as serve:
        yield serve, token_file.read_text().strip(), token_file


def test_the_token_file_is_made_private_with_at_least_128_random_bits(controlled):
    serve, token, token_file = controlled
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert serve.listening["control"].startswith("ws://127.0.0.1:")
    assert serve.listening["control"].endswith("/control")


def test_no_token_or_a_wrong_one_gets_401_listed_as_a_refusal_without_the_token(controlled):
    serve, token, _ = controlled
    url = serve.listening["control"]
    with pytest.raises(InvalidStatus) as none:
        connect(url, open_timeout=10)
    wrong = "wrong-" + token[::-1]
    with pytest.raises(InvalidStatus) as bad:
        connect(url, additional_headers={"Authorization": f"Bearer {wrong}"}, open_timeout=10)
    assert none.value.response.status_code == 401 == bad.value.response.status_code
    refusals = [serve.wait_for("request", status=401) for _ in range(2)]
    assert "no token" in refusals[0]["note"] and "a wrong token" in refusals[1]["note"]
    serve.stop()
    printed = "".join(serve.raw_stdout) + "".join(serve.stderr_lines)
    assert wrong not in printed and token not in printed


def _result(ws, command_id: int) -> dict:
    return _until(ws, lambda m: m.get("event") == "result" and m.get("id") == command_id)


def test_hello_then_live_events_commands_and_results(controlled):
    serve, token, _ = controlled
    with connect(
        serve.listening["control"],
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    ) as ws:
        first = json.loads(ws.recv(timeout=10))
        assert first["event"] == "hello" and first["api"] == 1
        assert first["receiver"] == serve.url and "fetch_exchange" in first["supports"]

        body = b'{"metadata":{"request_id":"ctl-1"}}'
        assert _post(serve.url + "/hook", body) == 200
        line = _until(ws, lambda m: m.get("event") == "request")
        assert (line["path"], line["request_id"], line["v"]) == ("/hook", "ctl-1", 1)

        ws.send(json.dumps({"command": "fetch_exchange", "id": 1, "exchange": line["id"]}))
        record = _result(ws, 1)["value"]["exchange"]
        assert base64.b64decode(record["body"]) == body and record["target"] == "/hook"

        ws.send(json.dumps({"command": "fetch_list", "id": 2}))
        rows = _result(ws, 2)["value"]
        assert [r["id"] for r in rows] == [line["id"]] and rows[0]["body"] == ""  # light
        assert rows[0]["view"]["request_id"] == "ctl-1"

        settings = dict(first["receiver_settings"], max_body=1000)
        ws.send(json.dumps({"command": "set_receiver_settings", "id": 3, "settings": settings}))
        assert _result(ws, 3)["ok"] is True
        try:
            _post(serve.url + "/big", b"x" * 2000)
        except urllib.error.HTTPError as refused:  # the new limit holds for the next request
            assert refused.code == 413
        else:
            raise AssertionError("a 2000-byte body passed a 1000-byte limit")

        ws.send(json.dumps({"command": "stop", "id": 4}))
        assert _result(ws, 4)["ok"] is True
    assert serve.proc.wait(15) == 0


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ({"command": "nope", "id": 1}, "unknown command 'nope'"),
        ({"command": "fetch_exchange", "id": 1}, "needs 'exchange'"),
        ({"command": "fetch_exchange", "id": 1, "exchange": "7"}, "must be int"),
        ({"command": "fetch_exchange", "id": 1, "exchange": 99}, "no exchange #99"),
        ({"command": "close_websocket", "id": 1, "exchange": 3, "cod": 1}, "unknown field 'cod'"),
        (
            {"command": "set_receiver_settings", "id": 1, "settings": {"max_bodyy": 1}},
            "unknown setting 'max_bodyy'",
        ),
    ],
)
def test_a_command_it_cannot_read_or_do_is_answered_with_the_reason(controlled, command, says):
    serve, token, _ = controlled
    with connect(
        serve.listening["control"],
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    ) as ws:
        ws.send(json.dumps(command))
        answer = _result(ws, 1)
        assert answer["ok"] is False and says in answer["error"], answer
        ws.send(b"\x00binary")
        assert "JSON text" in _result(ws, None)["error"]
        ws.send("{not json")
        assert "not JSON" in _result(ws, None)["error"]
    assert _post(serve.url + "/still-up", b"{}") == 200  # the engine goes on


def test_control_over_stdin_and_stdout_and_the_end_of_stdin_stops_serve():
    with ServeProcess("--port", "0", "--control-stdio", stdin=True) as serve:
        hello = serve.wait_for("hello")
        assert hello["receiver"] == serve.url
        assert _post(serve.url + "/s", b'{"request_id":"std-1"}') == 200
        request = serve.wait_for("request", request_id="std-1")
        serve.send({"command": "fetch_exchange", "id": 5, "exchange": request["id"]})
        got = serve.wait_for("result", id=5)
        assert base64.b64decode(got["value"]["exchange"]["body"]) == b'{"request_id":"std-1"}'
        assert serve.proc.stdin is not None
        serve.proc.stdin.close()  # what a window that dies does to its engine
        assert serve.proc.wait(15) == 0


def test_rules_set_through_the_control_api_change_the_replies(controlled):
    serve, token, _ = controlled
    with connect(
        serve.listening["control"],
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    ) as ws:
        json.loads(ws.recv(timeout=10))  # hello
        rules = [{"name": "one fails", "fail_first": 1, "status": 503}]
        ws.send(json.dumps({"command": "set_rules", "id": 1, "rules": rules}))
        assert _result(ws, 1)["ok"] is True
    body = b'{"metadata":{"request_id":"ruled-1"}}'
    try:
        _post(serve.url + "/r", body)
    except urllib.error.HTTPError as failed:
        assert failed.code == 503
    else:
        raise AssertionError("the first attempt was not failed")
    assert _post(serve.url + "/r", body) == 200
    second = serve.wait_for("request", request_id="ruled-1", attempt=2)
    assert second["status"] == 200


class _HeldServer:
    """An HTTP server on 127.0.0.1 that answers each request only once `release` is set:
    what a replay target that takes its time looks like to the engine."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.arrived.set()
                outer.release.wait(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/slow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("over", ["stdio", "control-port"])
def test_a_command_that_takes_long_holds_up_neither_the_next_one_nor_stop(tmp_path, over):
    """A replay to a target that has not answered yet is still running while a later
    fetch_exchange is answered and `stop` ends serve (commands once ran one at a time: a
    window's every click waited for the slowest command before it)."""
    held = _HeldServer()
    token_file = tmp_path / "control-token"
    args = (
        ("--control-stdio",)
        if over == "stdio"
        else ("--control-port", "0", "--control-token-file", str(token_file))
    )
    with contextlib.ExitStack() as stack:
        stack.callback(held.close)
        serve = stack.enter_context(ServeProcess("--port", "0", *args, stdin=over == "stdio"))
        if over == "stdio":
            serve.wait_for("hello")
            send, result = serve.send, lambda n: serve.wait_for("result", id=n)
        else:
            token = token_file.read_text().strip()
            ws = stack.enter_context(
                connect(
                    serve.listening["control"],
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=10,
                )
            )
            send = lambda command: ws.send(json.dumps(command))  # noqa: E731
            result = lambda n: _result(ws, n)  # noqa: E731
        assert _post(serve.url + "/first", b'{"request_id":"slow-1"}') == 200
        request = serve.wait_for("request", request_id="slow-1")
        send({"command": "replay", "id": 1, "exchange": request["id"], "url": held.url})
        assert held.arrived.wait(15), "the replay never reached its target"
        send({"command": "fetch_exchange", "id": 2, "exchange": request["id"]})
        assert result(2)["ok"] is True and not held.release.is_set()
        send({"command": "stop", "id": 3})
        assert result(3)["ok"] is True
        assert serve.proc.wait(15) == 0, "serve did not stop while the replay waited"
