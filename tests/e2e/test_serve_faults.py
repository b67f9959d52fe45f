"""`serve --emulator-fail-next/--emulator-delay/--emulator-drop-streams-after`: Deepgram's
failures from the command line, on the real `serve` process."""

from __future__ import annotations

import subprocess

import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from tests.emulator_http import listen
from tests.serve_process import EXE, ServeProcess


def test_fail_next_in_order_with_retry_after_then_the_real_checks_again():
    with ServeProcess(
        "--port", "0", "--emulator-port", "0", "--api-key", "right-key",
        "--emulator-fail-next", "503:2", "--emulator-fail-next", "429",
        "--emulator-retry-after", "7", "--emulator-delay-callbacks", "1.5",
    ) as serve:  # fmt: skip
        announced = serve.wait_for("emulator_faults")
        assert announced["fail"] == [
            {"status": 503, "count": 2, "retry_after": 7},
            {"status": 429, "count": 1, "retry_after": 7},
        ]
        assert announced["callback_delay"] == 1.5
        assert serve.emulator_url
        replies = [listen(serve.emulator_url, "right-key") for _ in range(3)]
        assert [(s, b["err_code"]) for s, _h, b in replies] == [
            (503, "SERVICE_UNAVAILABLE"),
            (503, "SERVICE_UNAVAILABLE"),
            (429, "TOO_MANY_REQUESTS"),
        ]
        assert all(h["Retry-After"] == "7" for _s, h, _b in replies)
        # Used up (the line comes before the last failure's `rejected`): only the delay is left.
        last = serve.wait_for("emulator_faults", fail=[])
        assert last["active"] == ["callbacks delayed 1.5 s"]
        rejected = serve.wait_for("rejected", request_id=replies[2][2]["request_id"])
        assert rejected["status"] == 429 and "injected" in rejected["detail"]
        # The next request meets the emulator's own key check again.
        status, _headers, body = listen(serve.emulator_url, "wrong-key")
        assert (status, body["err_code"]) == (401, "INVALID_AUTH")


def test_streams_dropped_with_1011_and_replies_delayed():
    with ServeProcess(
        "--port", "0", "--emulator-port", "0",
        "--emulator-drop-streams-after", "0", "--emulator-delay", "0.2",
    ) as serve:  # fmt: skip
        assert serve.emulator_url
        ws_url = serve.emulator_url.replace("http://", "ws://") + "/v1/listen"
        for _ in range(2):  # every stream, not only the next one
            with connect(ws_url, additional_headers={"Authorization": "Token k"}) as ws:
                request_id = ws.response.headers["dg-request-id"]
                with pytest.raises(ConnectionClosedError) as closed:
                    ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
            assert "fault injected" in closed.value.rcvd.reason
            serve.wait_for("fault", request_id=request_id, fault="delay", seconds=0.2)
            serve.wait_for("fault", request_id=request_id, fault="drop", after_messages=0)
            line = serve.wait_for("stream_close", request_id=request_id)
            assert line["code"] == 1011


@pytest.mark.parametrize(
    "flags, complaint",
    [
        (["--emulator-fail-next", "200"], "400-599"),
        (["--emulator-fail-next", "429:many"], "'all'"),
        (["--emulator-delay", "-1"], "0 or more"),
        (["--emulator-drop-streams-after", "two"], "whole number"),
    ],
)
def test_bad_fault_flags_exit_2_with_the_reason(flags, complaint):
    done = subprocess.run(
        [*EXE, "serve", "--port", "0", *flags], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert complaint in done.stderr and "Traceback" not in done.stderr
