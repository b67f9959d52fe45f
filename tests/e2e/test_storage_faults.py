"""Issue 9, faults: a disk that fills up, a data dir that cannot be written. The capture
goes on (every request answered and printed), the user is told once, and what was saved
before the fault is still in the session file, byte for byte."""

from __future__ import annotations

import json
import resource
import urllib.request
from typing import Any

from inspector.store.library import SUFFIX
from inspector.store.session_reader import SessionReader
from tests.serve_process import ServeProcess

# The serve process may not grow any file beyond this: its session file (the WAL) soon hits
# it, and SQLite's writes fail as on a full disk. Python ignores SIGXFSZ, so the write fails
# with EFBIG instead of killing the process.
FILE_SIZE_LIMIT = 256 * 1024
MAX_REQUESTS_TO_FILL = 400
AFTER_THE_FAULT = 20


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return int(reply.status)


def _body(i: int) -> bytes:
    return json.dumps({"metadata": {"request_id": f"fill-{i:04d}"}, "pad": f"{i}" * 2000}).encode()


def _drain(serve: ServeProcess, into: list[dict[str, Any]]) -> None:
    while not serve.lines.empty():
        into.append(serve.lines.get_nowait())


def test_disk_full_capture_goes_on_user_told_once_and_what_was_saved_is_kept(tmp_path):
    data = tmp_path / "data"
    lines: list[dict[str, Any]] = []
    sent: dict[str, bytes] = {}
    with ServeProcess(
        "--port", "0", "--no-emulator", "--data-dir", str(data), preexec_fn=_limit_file_size
    ) as serve:
        i = 0
        while not any(e["event"] == "storage" for e in lines):
            assert i < MAX_REQUESTS_TO_FILL, "the session file never filled the limit"
            i += 1
            sent[f"fill-{i:04d}"] = _body(i)
            assert _post(f"{serve.url}/cb/{i}", sent[f"fill-{i:04d}"]) == 200
            _drain(serve, lines)
        for _ in range(AFTER_THE_FAULT):  # the disk is still full: capture goes on
            i += 1
            sent[f"fill-{i:04d}"] = _body(i)
            assert _post(f"{serve.url}/cb/{i}", sent[f"fill-{i:04d}"]) == 200
        last_id = f"fill-{i:04d}"
        while not any(e.get("request_id") == last_id for e in lines):
            lines.append(serve.next_event())
        assert serve.stop() == 0
        _drain(serve, lines)

    storage = [e for e in lines if e["event"] == "storage"]
    assert [e["state"] for e in storage] == ["failed"]  # told once, not once per request
    assert "cannot be written" in storage[0]["message"]
    assert "Capture goes on in memory" in storage[0]["message"]
    # Every request, before and after the fault, was answered and printed with its body.
    printed = {e["request_id"]: e["body"].encode() for e in lines if e["event"] == "request"}
    assert printed == sent
    # What was committed before the fault is all there, in order, byte for byte.
    (path,) = (data / "sessions").glob(f"*{SUFFIX}")
    with SessionReader(path) as reader:
        rows = reader.rows()
        stored = {row.request_id: reader.exchange(row.id) for row in rows}
    assert rows, "nothing was saved before the disk filled up"
    assert [row.id for row in rows] == list(range(1, len(rows) + 1))  # a prefix, no holes
    assert len(rows) < len(sent)
    for request_id, exchange in stored.items():
        assert exchange is not None and exchange.body == sent[request_id]


def test_a_data_dir_that_cannot_be_written_keeps_serving_in_memory_and_says_why(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with ServeProcess("--port", "0", "--no-emulator", "--data-dir", str(blocker / "data")) as serve:
        storage = serve.wait_for("storage")
        assert _post(f"{serve.url}/still-here", b'{"ok": true}') == 200
        request = serve.wait_for("request", path="/still-here")
        assert serve.stop() == 0
    assert storage["state"] == "unavailable"
    assert "sessions cannot be saved" in storage["message"] and "memory" in storage["message"]
    assert request["status"] == 200 and request["body"] == '{"ok": true}'
    assert blocker.read_text() == "not a directory"
