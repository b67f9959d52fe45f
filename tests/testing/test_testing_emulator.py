"""`inspector.testing.DeepgramEmulator`: settings, injected failures, waits that explain.

None of these transcribe: the recognition processes start only at the first transcription,
and a test here would notice one (a new child process)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from inspector.core.emulator_faults import NO_FAULTS, FailRequests, FaultError
from inspector.testing import DeepgramApiError, DeepgramEmulator, WaitTimeout
from tests.emulator_http import listen


def test_listens_on_loopback_accepts_a_placeholder_key_and_starts_no_process(deepgram_emulator):
    emu = deepgram_emulator
    children = set(multiprocessing.active_children())  # e.g. a session emulator's, if any
    assert emu.url.startswith("http://127.0.0.1:") and emu.ws_url == emu.url.replace("http", "ws")
    deepgram_emulator.fail_next(401)
    status, _headers, body = listen(emu.url, key=emu.api_key)
    assert status == 401
    assert body == {
        "err_code": "INVALID_AUTH",
        "err_msg": "Invalid credentials.",
        "request_id": body["request_id"],
    }
    assert set(multiprocessing.active_children()) == children  # no recognition process started


def test_configured_key_is_the_only_one_accepted(deepgram_emulator):
    deepgram_emulator.configure(api_key="only-this-key")
    assert deepgram_emulator.api_key == "only-this-key"
    status, _h, body = listen(deepgram_emulator.url, key="another-key")
    assert (status, body["err_code"]) == (401, "INVALID_AUTH")
    # The right key gets past authentication (and fails later, on the callback URL).
    with pytest.raises(DeepgramApiError) as refused:
        deepgram_emulator.submit(b"audio", callback="ftp://nowhere")
    assert (refused.value.status, refused.value.err_code) == (400, "INVALID_QUERY_PARAMETER")


def test_relaxed_ports_off_refuses_a_local_receiver_on_another_port(
    deepgram_emulator, callback_receiver
):
    deepgram_emulator.configure(relaxed_ports=False)
    with pytest.raises(DeepgramApiError) as refused:
        deepgram_emulator.submit(b"audio", callback=callback_receiver.url + "/hook")
    assert refused.value.body["err_msg"] == "Invalid callback url."
    assert deepgram_emulator.rejections()[0].err_code == "INVALID_QUERY_PARAMETER"


def test_failures_add_up_in_order_with_deepgrams_bodies(deepgram_emulator):
    deepgram_emulator.fail_next(401)
    deepgram_emulator.fail_next(500, count=2, retry_after=4)
    assert deepgram_emulator.faults.fail == (FailRequests(401), FailRequests(500, 2, 4))
    replies = [listen(deepgram_emulator.url) for _ in range(3)]
    assert [(s, b["err_code"]) for s, _h, b in replies] == [
        (401, "INVALID_AUTH"),
        (500, "INTERNAL_SERVER_ERROR"),
        (500, "INTERNAL_SERVER_ERROR"),
    ]
    assert "Retry-After" not in replies[0][1] and replies[1][1]["Retry-After"] == "4"
    assert all(h["dg-request-id"] == b["request_id"] for _s, h, b in replies)
    assert deepgram_emulator.faults == NO_FAULTS
    assert [r.status for r in deepgram_emulator.rejections()] == [401, 500, 500]


def test_a_websocket_upgrade_gets_the_injected_status_with_dg_error(deepgram_emulator):
    deepgram_emulator.fail_next(429, retry_after=2)
    with pytest.raises(InvalidStatus) as refused:
        connect(
            deepgram_emulator.ws_url + "/v1/listen",
            additional_headers={"Authorization": f"Token {deepgram_emulator.api_key}"},
            open_timeout=10,
        )
    response = refused.value.response
    assert response.status_code == 429
    assert response.headers["dg-error"] == "Too many requests. Please try again later"
    assert response.headers["Retry-After"] == "2"


def test_delay_next_holds_only_the_next_reply(deepgram_emulator):
    deepgram_emulator.delay_next(0.5)
    deepgram_emulator.fail_next(503, count=2)
    started = time.monotonic()
    assert listen(deepgram_emulator.url)[0] == 503
    assert time.monotonic() - started >= 0.5  # a lower bound: the wait was served
    assert deepgram_emulator.faults.delay is None and len(deepgram_emulator.faults.fail) == 1


def test_reset_clears_faults_settings_and_records(deepgram_emulator):
    deepgram_emulator.configure(max_retries=1)
    deepgram_emulator.fail_next(402)
    listen(deepgram_emulator.url)
    deepgram_emulator.drop_next_stream(3)
    deepgram_emulator.delay_callbacks(9)
    deepgram_emulator.reset()
    assert deepgram_emulator.faults == NO_FAULTS
    assert deepgram_emulator.settings.max_retries == 10 and deepgram_emulator.rejections() == []


def test_wrong_settings_and_impossible_faults_name_what_is_wrong(deepgram_emulator):
    with pytest.raises(TypeError, match=r"'colour'.*retry_delay"):
        DeepgramEmulator(colour="blue")
    with pytest.raises(TypeError, match="'port'"):
        deepgram_emulator.configure(port=9999)
    with pytest.raises(FaultError, match="400-599"):
        deepgram_emulator.fail_next(200)
    with pytest.raises(FaultError, match="close code"):
        deepgram_emulator.drop_next_stream(1, code=1005)


def test_waits_that_time_out_say_what_was_expected_and_what_arrived(deepgram_emulator):
    deepgram_emulator.fail_next(429)
    with pytest.raises(DeepgramApiError) as refused:
        deepgram_emulator.submit(b"audio", callback="http://127.0.0.1:9/hook")
    request_id = refused.value.body["request_id"]
    with pytest.raises(WaitTimeout, match=rf"job {request_id}.*refused it: 429 TOO_MANY_REQUESTS"):
        deepgram_emulator.wait_for_job(request_id, timeout=0.1)
    with pytest.raises(WaitTimeout, match="no such job") as unknown:
        deepgram_emulator.wait_for_job("no-such-id", timeout=0.1)
    assert isinstance(unknown.value, AssertionError) and isinstance(unknown.value, TimeoutError)
    with pytest.raises(WaitTimeout, match=r"a live stream to close.*0 streams so far"):
        deepgram_emulator.wait_for_stream(timeout=0.1)


def test_using_it_outside_with_says_so():
    emulator = DeepgramEmulator()
    with pytest.raises(RuntimeError, match="inside `with`"):
        emulator.fail_next(429)
    with pytest.raises(RuntimeError, match="inside `with`"):
        _ = emulator.url


def test_clearing_a_delay_lets_the_held_reply_go(deepgram_emulator):
    deepgram_emulator.delay_next(120)
    deepgram_emulator.fail_next(503)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        reply = pool.submit(listen, deepgram_emulator.url)
        held = deepgram_emulator.wait_for_injection("delay")  # the request is held now
        assert held.details == {"seconds": 120}
        deepgram_emulator.clear_faults()
        assert reply.result(timeout=20)[0] == 503  # long before the 120 s were up
