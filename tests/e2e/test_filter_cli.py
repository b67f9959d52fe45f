"""`serve --filter EXPR` and `export --filter EXPR` in real processes: the same language as the
window's filter box decides which lines print and which exchanges are exported; a mistake
exits 2 with the box's message."""

from __future__ import annotations

import json
import subprocess
import urllib.request

from websockets.sync.client import connect

from inspector.store.library import SessionLibrary
from tests.exchange_set import varied_exchanges
from tests.serve_process import EXE, ServeProcess


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_prints_only_the_lines_of_exchanges_that_match():
    # The shorthand flags make one rule, #1: it answers attempt 1 with 503, the default 200 after.
    expression = "status:5xx rule:#1 OR path:/keep*"
    args = ("--port", "0", "--fail-first", "1", "--reply-status", "503", "--filter", expression)
    with ServeProcess(*args) as serve:
        job = json.dumps({"metadata": {"request_id": "job-1"}}).encode()
        assert [_post(serve.url + "/a", job) for _ in range(2)] == [503, 200]
        ws_url = serve.url.replace("http", "ws")
        for path in ("/ws-other", "/keep/ws"):
            with connect(ws_url + path) as ws:
                ws.send("hello")
        other = json.dumps({"metadata": {"request_id": "job-2"}}).encode()
        _post(serve.url + "/keep/last", other)  # 503: kept on both counts; the last line
        lines = []
        while not lines or lines[-1].get("path") != "/keep/last":
            lines.append(serve.next_event(timeout=20))
    shown = [(e["event"], e.get("path") or e.get("id"), e.get("status")) for e in lines]
    ws_id = next(e["id"] for e in lines if e["event"] == "ws_open")
    assert shown == [
        ("request", "/a", 503),  # attempt 2 (200 on /a) is not printed
        ("ws_open", "/keep/ws", None),  # /ws-other prints nothing at all
        ("ws_message", ws_id, None),
        ("ws_close", ws_id, None),
        ("request", "/keep/last", 503),
    ]


def test_a_bad_filter_exits_2_with_what_the_window_would_say():
    for command in (["serve", "--port", "0", "--no-emulator"], ["export", "--har", "x.har"]):
        result = subprocess.run(
            [*EXE, *command, "--filter", "stauts:503"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, result.stderr
        assert "unknown field `stauts`: did you mean `status`?" in result.stderr
        assert "Traceback" not in result.stderr


def test_export_writes_only_the_exchanges_that_match(tmp_path):
    data = tmp_path / "data"
    writer = SessionLibrary(data).create(started=1_790_000_000.0)
    for future in [writer.submit(x) for x in varied_exchanges()]:
        future.result(10)
    writer.close()
    out = tmp_path / "errors.har"
    result = subprocess.run(
        [*EXE, "export", "--data-dir", str(data), "--har", str(out), "--filter", "is:error -ws"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 8 entries" in result.stdout
    entries = json.loads(out.read_text())["log"]["entries"]
    assert [e["response"]["status"] for e in entries] == [503, 503, 404, 599, 500, 403, 400, 413]
