"""One step with whatever deepgram-sdk (3.x-7.x) this interpreter has, made by
`DeepgramEmulator.sdk_client()`; run by check.py in that SDK's venv.

    python client.py STEP EMULATOR_URL CALLBACK_URL WAV      STEP: sync, callback, error, live
"""

from __future__ import annotations

import importlib.metadata
import io
import sys
import threading
import time
import wave
from typing import Any

from inspector.testing.emulator import PLACEHOLDER_KEY, DeepgramEmulator

FRAME = 3200  # 100 ms of 16 kHz 16-bit mono


class Running:
    """The emulator's address as the checking process knows it; `sdk_client()` and what it
    calls read nothing else, so the real method runs here, in the SDK's venv."""

    def __init__(self, url: str) -> None:
        self.url, self.ws_url, self.api_key = url, url.replace("http://", "ws://"), PLACEHOLDER_KEY

    sdk_client = DeepgramEmulator.sdk_client
    sdk_environment = DeepgramEmulator.sdk_environment
    sdk_options = DeepgramEmulator.sdk_options


def live_old(client: Any, pcm: bytes, got: list[str], errors: list[str]) -> None:
    """3.x and 4.x: callbacks on events, audio sent in real time."""
    from deepgram import LiveOptions, LiveTranscriptionEvents

    ws = client.listen.websocket.v("1")
    closed = threading.Event()

    def on_transcript(_client: Any, result: Any, **_kw: Any) -> None:
        got.append(result.channel.alternatives[0].transcript)

    def on_error(_client: Any, error: Any, **_kw: Any) -> None:
        errors.append(str(error)[-160:])

    ws.on(LiveTranscriptionEvents.Transcript, on_transcript)
    ws.on(LiveTranscriptionEvents.Error, on_error)
    ws.on(LiveTranscriptionEvents.Close, lambda *_a, **_kw: closed.set())
    assert ws.start(LiveOptions(encoding="linear16", sample_rate=16000, channels=1))
    for i in range(0, len(pcm), FRAME):
        ws.send(pcm[i : i + FRAME])
        time.sleep(0.1)
    deadline = time.time() + 10
    while time.time() < deadline and not closed.is_set() and "ten" not in " ".join(got):
        time.sleep(0.1)
    ws.finish()


def live_new(client: Any, pcm: bytes, got: list[str], errors: list[str]) -> None:
    """5.x and later: a context manager, messages iterated."""
    try:
        with client.listen.v1.connect(
            model="nova-3", encoding="linear16", sample_rate=16000, channels=1
        ) as ws:
            try:
                for i in range(0, len(pcm), FRAME):
                    ws.send_media(pcm[i : i + FRAME])
                    time.sleep(0.02)
                ws.send_close_stream()
            except Exception as exc:  # 5.x names its send methods otherwise; or dropped
                errors.append(f"send: {type(exc).__name__}")
            for message in ws:
                if getattr(message, "type", None) == "Results":
                    got.append(message.channel.alternatives[0].transcript)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")


def main(step: str, url: str, callback: str, wav: str) -> None:
    client = Running(url).sdk_client()
    old = int(importlib.metadata.version("deepgram-sdk").split(".")[0]) <= 4
    audio = open(wav, "rb").read()

    def transcribe(**params: Any) -> Any:
        if old:
            from deepgram import PrerecordedOptions

            rest = client.listen.rest.v("1")
            if "callback" in params:
                return rest.transcribe_file_callback(
                    {"buffer": audio}, params["callback"], PrerecordedOptions()
                )
            return rest.transcribe_file({"buffer": audio}, PrerecordedOptions())
        return client.listen.v1.media.transcribe_file(request=audio, **params)

    if step == "sync":
        print("transcript:", transcribe().results.channels[0].alternatives[0].transcript)
    elif step == "callback":
        print("request_id:", transcribe(callback=callback).request_id)
    elif step == "error":
        try:
            transcribe()
            print("no error")
        except Exception as exc:
            status = getattr(exc, "status", getattr(exc, "status_code", None))
            print("raised:", type(exc).__name__, status)
    elif step == "live":
        with wave.open(io.BytesIO(audio)) as w:
            pcm = w.readframes(w.getnframes())
        got: list[str] = []
        errors: list[str] = []
        (live_old if old else live_new)(client, pcm, got, errors)
        print(f"results: {len(got)}, {' | '.join(t for t in got if t)!r}; errors: {errors}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
