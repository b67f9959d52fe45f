"""Acceptance 2 of issue 18: Deepgram's failures as the official `deepgram-sdk` (7.x) meets
them, from the plugin's own fixtures.

The SDK retries 429 twice itself (REFERENCE.md section 4): three injected 429s make it give up
and raise its error; with its retries off, one does. `drop_next_stream(2)` ends a real live
stream with 1011 after two messages; `delay_callbacks` holds a real callback's first attempt.
"""

from __future__ import annotations

import io
import wave

import pytest
from deepgram import DeepgramClient
from deepgram.core.api_error import ApiError
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from inspector.core.emulator_faults import NO_FAULTS
from inspector.testing import sample_audio, silence

FRAME = 3200  # 100 ms of 16 kHz 16-bit mono PCM


def _client(emulator) -> DeepgramClient:
    client = emulator.sdk_client()  # the installed SDK's own way to a base URL (7.x here)
    assert isinstance(client, DeepgramClient)
    return client


def test_the_sdk_helpers_fit_the_installed_sdk(deepgram_emulator):
    environment = deepgram_emulator.sdk_environment()
    assert (environment.base, environment.production) == (
        deepgram_emulator.url,
        deepgram_emulator.ws_url,
    )
    assert environment.agent_rest == deepgram_emulator.url  # a 7.x field (5.x, 6.x lack it)
    with pytest.raises(TypeError, match=r"deepgram-sdk 7\.\S+ has no DeepgramClientOptions"):
        deepgram_emulator.sdk_options()  # the 3.x/4.x way


def _pcm(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as w:
        return w.readframes(w.getnframes())


def test_three_429s_make_the_sdk_raise_its_rate_limit_error_after_its_own_retries(
    deepgram_emulator,
):
    deepgram_emulator.fail_next(429, count=3, retry_after=1)
    with pytest.raises(ApiError) as raised:
        _client(deepgram_emulator).listen.v1.media.transcribe_file(request=b"RIFF....WAVE")
    error = raised.value
    assert error.status_code == 429
    assert error.body["err_code"] == "TOO_MANY_REQUESTS"
    assert error.body["err_msg"] == "Too many requests. Please try again later"
    assert error.headers is not None and error.headers.get("retry-after") == "1"
    # The SDK's first request and its two retries, each refused; nothing left to fail.
    refused = deepgram_emulator.rejections()
    assert [r.status for r in refused] == [429, 429, 429]
    assert error.body["request_id"] == refused[-1].request_id
    assert deepgram_emulator.faults == NO_FAULTS


def test_one_429_raises_at_once_when_the_sdk_does_not_retry(deepgram_emulator):
    deepgram_emulator.fail_next(429)
    with pytest.raises(ApiError) as raised:
        _client(deepgram_emulator).listen.v1.media.transcribe_file(
            request=b"RIFF....WAVE", request_options={"max_retries": 0}
        )
    assert raised.value.status_code == 429
    assert [r.err_code for r in deepgram_emulator.rejections()] == ["TOO_MANY_REQUESTS"]


def test_402_and_503_carry_deepgrams_error_codes_through_the_sdk(deepgram_emulator):
    deepgram_emulator.fail_next(402)
    deepgram_emulator.fail_next(503, count=3, retry_after=1)
    client = _client(deepgram_emulator)
    with pytest.raises(ApiError) as payment:
        client.listen.v1.media.transcribe_file(request=b"x", request_options={"max_retries": 0})
    assert (payment.value.status_code, payment.value.body["err_code"]) == (
        402,
        "ASR_PAYMENT_REQUIRED",
    )
    with pytest.raises(ApiError) as unavailable:  # 5xx: retried twice by the SDK, then raised
        client.listen.v1.media.transcribe_file(request=b"x")
    assert unavailable.value.status_code == 503
    assert [r.status for r in deepgram_emulator.rejections()] == [402, 503, 503, 503]


def test_drop_next_stream_makes_the_sdk_live_client_see_1011_after_two_messages(
    deepgram_emulator_session,
):
    emulator = deepgram_emulator_session
    emulator.drop_next_stream(2)
    audio = _pcm(sample_audio("numbers"))
    messages = []
    with pytest.raises(ConnectionClosedError) as closed:
        with _client(emulator).listen.v1.connect(
            model="nova-3",
            encoding="linear16",
            sample_rate=16000,
            channels=1,
            interim_results=True,
            vad_events=True,
        ) as socket:
            try:
                for i in range(0, len(audio), FRAME):
                    socket.send_media(audio[i : i + FRAME])
                socket.send_close_stream()
            except ConnectionClosed:
                pass  # dropped while still sending: the messages before it are still read
            for message in socket:
                messages.append(message)
    assert len(messages) == 2, messages
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    assert "fault injected" in closed.value.rcvd.reason
    stream = emulator.wait_for_stream()
    assert (stream.close_code, stream.messages) == (1011, 2)
    assert emulator.faults == NO_FAULTS  # the next stream is not dropped


def test_delay_callbacks_holds_the_first_attempt(deepgram_emulator_session, callback_receiver):
    emulator = deepgram_emulator_session
    emulator.delay_callbacks(1.5)
    reply = emulator.submit(silence(0.5), callback=callback_receiver.url + "/late")
    job = emulator.wait_for_job(reply["request_id"], timeout=60)
    [callback] = callback_receiver.wait_for(request_id=reply["request_id"])
    assert job.delivered and job.transcribed is not None
    # The first attempt left at least the delay after the transcript was ready.
    assert job.attempts[0].started - job.transcribed >= 1.5
    assert callback.json()["metadata"]["request_id"] == reply["request_id"]


def test_turning_the_callback_delay_off_lets_a_held_callback_go(
    deepgram_emulator_session, callback_receiver
):
    emulator = deepgram_emulator_session
    emulator.delay_callbacks(300)
    reply = emulator.submit(silence(0.3), callback=callback_receiver.url + "/held")
    assert emulator.wait_for_injection("callback_delay", timeout=60).details == {"seconds": 300}
    emulator.delay_callbacks(0)
    job = emulator.wait_for_job(reply["request_id"], timeout=30)  # long before 300 s
    assert job.delivered
