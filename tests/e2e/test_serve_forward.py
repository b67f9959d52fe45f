"""`serve --forward-to`: the real emulator -> the guarded receiver -> the user's app (issue 13).

The app is a real aiohttp (or `websockets`) server in the test, on 127.0.0.1 port 0; the
emulator transcribes real audio and delivers real callbacks with Deepgram's retries, to a
receiver set up as for the real Deepgram: a public URL (so a secret callback path), basic
auth and dg-token required, forwarding on.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import urllib.parse

import pytest
from aiohttp import web
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inspector.core.basic_auth import encode_basic_auth
from inspector.core.deepgram_auth import key_identifier
from tests.forward_apps import HttpApp, Received, WsApp
from tests.samples import shortest_sample, silent_wav
from tests.serve_process import ServeProcess

KEY = "forward-key-0123456789"
CHUNK = 3200  # 100 ms of 16 kHz 16-bit mono


def _request(url: str, path: str, body: bytes = b"", method: str = "POST", headers=()):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request(method, path, body=body, headers=dict(headers))
    response = conn.getresponse()
    result = response.status, response.getheaders(), response.read()
    conn.close()
    return result


def _submit(serve: ServeProcess, callback: str, tmp_path) -> str:
    """Pre-recorded audio with a callback, as Deepgram's curl line sends it; the request_id.
    Half a second of silence: the callback's content does not matter here, its path does."""
    query = urllib.parse.urlencode({"callback": callback})
    status, _, body = _request(
        serve.emulator_url,
        f"/v1/listen?{query}",
        silent_wav(tmp_path / "silence.wav").read_bytes(),
        headers=[("Authorization", f"Token {KEY}"), ("Content-Type", "audio/wav")],
    )
    assert status == 200, body
    return json.loads(body)["request_id"]


class Behaviour:
    """The app's answers by path: /ok 202, /flaky 500 twice then 200, /slow too slow."""

    def __init__(self) -> None:
        self.flaky = 0

    async def __call__(self, got: Received) -> web.StreamResponse:
        if got.target.startswith("/app/flaky"):
            self.flaky += 1
            if self.flaky <= 2:
                return web.Response(status=500, text=f"app failure {self.flaky}")
            return web.Response(status=200, text="app ok at last")
        if got.target.startswith("/app/slow"):
            await asyncio.sleep(5)  # far beyond --forward-timeout 1
        return web.Response(
            status=202,
            body=b'{"accepted": true}',
            headers={"Content-Type": "application/json", "X-App": "mine"},
        )


@pytest.fixture(scope="module")
def app():
    with HttpApp(Behaviour()) as a:
        yield a


USER, PASSWORD = "deepgram", "s3cret"


class Guarded:
    """`serve` as the real set-up runs: a public URL (the user's own; here one that leads
    nowhere, so nothing leaves the machine), the guards, forwarding to the app. Requests
    from the test carry the secret path, basic auth and this key's dg-token."""

    def __init__(self, serve: ServeProcess) -> None:
        self.serve = serve
        known = serve.wait_for("public_url", timeout=10)
        self.callback_url = known["callback_url"]
        self.prefix = urllib.parse.urlsplit(self.callback_url).path.rstrip("/")
        self.token = key_identifier(KEY)
        self.headers = [
            ("Authorization", encode_basic_auth(USER, PASSWORD)),
            ("dg-token", self.token),
        ]

    @property
    def url(self) -> str:
        return self.serve.url

    def callback(self, path: str) -> str:
        """The callback URL the emulator is given: user:pass@, the secret prefix, `path`."""
        base = self.serve.url.replace("http://", f"http://{USER}:{PASSWORD}@")
        return f"{base}{self.prefix}{path}"

    def post(self, path: str, body: bytes, headers=None):
        sent = self.headers if headers is None else headers
        return _request(self.serve.url, self.prefix + path, body, headers=sent)


@pytest.fixture(scope="module")
def guarded(app):
    with ServeProcess(
        "--port",
        "0",
        "--emulator-port",
        "0",
        "--relaxed-ports",
        "--retry-delay",
        "0.2",
        "--public-url",
        "http://127.0.0.1:9",
        "--probe-timeout",
        "1",
        "--require-basic-auth",
        f"{USER}:{PASSWORD}",
        "--require-dg-token",
        key_identifier(KEY),
        "--forward-to",
        f"{app.url}/app",
        "--forward-timeout",
        "1",
    ) as s:
        yield Guarded(s)


def test_emulator_callback_reaches_the_app_byte_identical_and_its_202_comes_back(
    app, guarded, tmp_path
):
    serve = guarded.serve
    request_id = _submit(serve, guarded.callback("/ok?source=test"), tmp_path)
    got = app.next_request(timeout=60)
    line = serve.wait_for("request", timeout=60, request_id=request_id)
    # The app got the callback as Deepgram's sender sent it: body byte for byte, dg-token,
    # its basic auth; the path without the secret prefix, under the forward URL's.
    assert got.method == "POST" and got.target == "/app/ok?source=test"
    assert line["path"] == f"{guarded.prefix}/ok?source=test"
    assert got.body == line["body"].encode("utf-8")
    assert json.loads(got.body)["metadata"]["request_id"] == request_id
    assert got.header("dg-token") == line["dg_token"] == guarded.token
    assert got.header("Authorization") == encode_basic_auth(USER, PASSWORD)
    assert got.header("Host") == urllib.parse.urlsplit(app.url).netloc
    assert got.header("X-Forwarded-For") == "127.0.0.1"
    assert got.header("X-Forwarded-Proto") == "http"
    assert got.header("X-Forwarded-Host") == urllib.parse.urlsplit(serve.url).netloc
    # Its reply is the reply: the emulator saw 202 and counted the job delivered.
    attempt = serve.wait_for("attempt", timeout=30, request_id=request_id)
    done = serve.wait_for("job_done", timeout=30, request_id=request_id)
    assert attempt["status"] == 202 and done["outcome"] == "delivered"
    assert line["status"] == 202
    forward = line["forward"]
    assert forward["url"] == f"{app.url}/app/ok?source=test" and forward["status"] == 202
    assert isinstance(forward["latency_ms"], float) and forward["latency_ms"] >= 0
    # ...with the app's body and headers (seen by a plain client too).
    status, headers, body = guarded.post("/direct", b"{}")
    assert (status, body) == (202, b'{"accepted": true}')
    assert ("X-App", "mine") in headers
    assert app.next_request().target == "/app/direct"


def test_app_answers_500_twice_then_200_three_attempts_listed_with_its_statuses(
    app, guarded, tmp_path
):
    serve = guarded.serve
    request_id = _submit(serve, guarded.callback("/flaky"), tmp_path)
    lines = [serve.wait_for("request", timeout=60, request_id=request_id) for _ in range(3)]
    assert [(x["attempt"], x["status"], x["forward"]["status"]) for x in lines] == [
        (1, 500, 500),
        (2, 500, 500),
        (3, 200, 200),
    ]
    done = serve.wait_for("job_done", timeout=30, request_id=request_id)
    assert done["outcome"] == "delivered" and done["attempts"] == 3
    assert [app.next_request().target for _ in range(3)] == ["/app/flaky"] * 3


def test_app_too_slow_gets_504_after_forward_timeout_and_is_listed(app, guarded):
    status, _, body = guarded.post("/slow", b'{"metadata":{"request_id":"slow-1"}}')
    line = guarded.serve.wait_for("request", timeout=10, request_id="slow-1")
    assert status == 504 and b"did not answer within 1 s (--forward-timeout)" in body
    assert line["status"] == 504 and "--forward-timeout" in line["forward"]["error"]
    app.next_request()


def test_outside_the_secret_path_404_wrong_auth_401_wrong_token_403_listed_never_forwarded(
    app, guarded
):
    right_auth, right_token = guarded.headers
    wrong_auth = ("Authorization", encode_basic_auth(USER, "guess"))
    wrong_token = ("dg-token", "0" * 8 + guarded.token[8:])
    cases = [
        ("/", [right_auth, right_token], 404, "not the callback path"),
        ("/cb/not-the-secret/", [right_auth, right_token], 404, "not the callback path"),
        (guarded.prefix + "/", [right_token], 401, "no Basic auth"),
        (guarded.prefix + "/", [wrong_auth, right_token], 401, "wrong Basic auth"),
        (guarded.prefix + "/", [right_auth, wrong_token], 403, "dg-token"),
    ]
    for path, headers, status, _ in cases:
        assert _request(guarded.url, path, b"{}", headers=headers)[0] == status, path
    lines = [guarded.serve.wait_for("request") for _ in cases]
    assert [(x["path"], x["status"]) for x in lines] == [(p, s) for p, _, s, _ in cases]
    assert all(
        why in x["note"] and "forward" not in x for x, (*_, why) in zip(lines, cases, strict=True)
    )
    assert app.requests.empty()


def test_app_not_running_gives_502_and_a_readable_error():
    with socket.socket() as s:  # a port nothing listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with ServeProcess("--port", "0", "--forward-to", f"http://127.0.0.1:{port}") as serve:
            status, _, body = _request(serve.url, "/cb", b"{}")
            line = serve.wait_for("request")
    error = f"connection refused: is your app running on 127.0.0.1:{port}?"
    assert status == 502 and error.encode() in body
    assert line["status"] == 502
    forward = line["forward"]
    assert (forward["url"], forward["error"]) == (f"http://127.0.0.1:{port}/cb", error)
    assert "status" not in forward


def test_fail_first_answers_before_forwarding_so_the_app_sees_only_the_passing_attempt():
    with (
        HttpApp() as app,
        ServeProcess(
            "--port", "0", "--fail-first", "2", "--reply-status", "503", "--forward-to", app.url
        ) as serve,
    ):
        body = json.dumps({"metadata": {"request_id": "job-7"}}).encode()
        statuses = [_request(serve.url, "/hook", body)[0] for _ in range(3)]
        lines = [serve.wait_for("request") for _ in range(3)]
        got = app.next_request()
        assert app.requests.empty()
    assert statuses == [503, 503, 202]
    assert [("forward" in x, x["status"]) for x in lines] == [
        (False, 503),
        (False, 503),
        (True, 202),
    ]
    assert got.target == "/hook" and got.body == body


def _pcm() -> bytes:
    data = shortest_sample().read_bytes()
    return data[data.index(b"data") + 8 :]


# Slow (a second emulator whose live recognition warms up for seconds): CI runs it with
# `make test-slow`; tests/engine/test_forwarder.py covers the proxy itself in `make test`.
@pytest.mark.slow
def test_ws_callback_is_proxied_in_order_and_the_apps_1011_kills_the_live_stream():
    with (
        WsApp(close_after=2, close_code=1011) as app,
        ServeProcess(
            "--port", "0", "--emulator-port", "0", "--relaxed-ports", "--forward-to", app.url
        ) as serve,
    ):
        callback = serve.url.replace("http://", "ws://") + "/live"
        query = urllib.parse.urlencode(
            {
                "encoding": "linear16",
                "sample_rate": "16000",
                "interim_results": "true",
                "callback": callback,
            }
        )
        url = serve.emulator_url.replace("http://", "ws://") + f"/v1/listen?{query}"
        received = []
        with connect(url, additional_headers={"Authorization": f"Token {KEY}"}) as ws:
            audio = _pcm()
            try:
                for i in range(0, len(audio), CHUNK):
                    ws.send(audio[i : i + CHUNK])
                while True:
                    received.append(ws.recv(timeout=60))
            except ConnectionClosed:
                pass
            code, reason = ws.close_code, ws.close_reason
        opened = serve.wait_for("ws_open", path="/live")
        listed = [serve.wait_for("ws_message", id=opened["id"]) for _ in range(2)]
        closed = serve.wait_for("ws_close", id=opened["id"], timeout=30)
        frames = [app.frames.get(timeout=10) for _ in range(2)]
    # The app's close reached the emulator's callback socket: the live stream was killed.
    assert code == 1011 and "callback" in reason
    assert app.paths.get(timeout=1) == "/live"
    assert opened["forward"]["status"] == 101
    # Frames in order, the same ones the client got first.
    assert frames == [x["text"] for x in listed] == received[:2]
    assert [x["direction"] for x in listed] == ["in", "in"]
    assert closed["code"] == 1011 and "your app closed it" in closed["reason"]
