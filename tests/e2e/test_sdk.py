"""Acceptance 2 of issue 4: the official `deepgram-sdk`, unchanged, against the emulator.

The SDK is pointed at the emulator only through `DeepgramClientEnvironment`. The raw JSON the
SDK received is captured with an httpx response hook (the SDK's own `httpx_client` option) and
checked against Deepgram's openapi/asyncapi copies and, strictly, against the SDK's models.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from deepgram import (
    DeepgramClient,
    DeepgramClientEnvironment,
    ListenV1AcceptedResponse,
    ListenV1Response,
)
from deepgram.listen.v1 import (
    ListenV1Metadata,
    ListenV1Results,
    ListenV1SpeechStarted,
    ListenV1UtteranceEnd,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.deepgram_schemas import (
    undeclared_rest_properties,
    undeclared_stream_properties,
    validate_rest,
    validate_stream,
)
from tests.samples import SAMPLES, sample_wavs, word_overlap
from tests.serve_process import ServeProcess

KEY = "sdk-test-key-123"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FRAME = 3200  # 100 ms of 16 kHz 16-bit mono PCM
# Fields Deepgram documents and sends that the spec copies leave undeclared; anything else
# undeclared would be a misspelt or invented field.
REST_UNDECLARED_OK = {
    "metadata.extra",
    "metadata.diarize_info",
    "results.channels[].alternatives[].words[].punctuated_word",
    "results.channels[].alternatives[].words[].speaker",
    "results.channels[].alternatives[].words[].speaker_confidence",
}
STREAM_UNDECLARED_OK = {"models", "model_info", "channel.alternatives[].words[].punctuated_word"}
STREAM_MODELS = {
    "Results": ListenV1Results,
    "Metadata": ListenV1Metadata,
    "SpeechStarted": ListenV1SpeechStarted,
    "UtteranceEnd": ListenV1UtteranceEnd,
}


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports") as s:
        yield s


@pytest.fixture(scope="module")
def audio_server() -> Iterator[tuple[str, list[str]]]:
    """The samples directory over plain HTTP on 127.0.0.1:0; the paths it served."""
    served: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            super().do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(SAMPLES))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()
    thread.join()


class RawBodies:
    """Every JSON body the SDK's HTTP client received, as sent by the emulator."""

    def __init__(self) -> None:
        self.bodies: list[tuple[int, Any]] = []

    def hook(self, response: httpx.Response) -> None:
        response.read()
        self.bodies.append((response.status_code, json.loads(response.content)))

    def only(self) -> Any:
        assert len(self.bodies) == 1, self.bodies
        status, body = self.bodies[0]
        assert status == 200, body
        return body


def _client(serve: ServeProcess, raw: RawBodies | None = None) -> DeepgramClient:
    assert serve.emulator_url
    http_url = serve.emulator_url
    ws_url = http_url.replace("http://", "ws://")
    environment = DeepgramClientEnvironment(
        base=http_url, production=ws_url, agent=ws_url, agent_rest=http_url
    )
    if raw is None:
        return DeepgramClient(api_key=KEY, environment=environment)
    httpx_client = httpx.Client(timeout=60, event_hooks={"response": [raw.hook]})
    return DeepgramClient(api_key=KEY, environment=environment, httpx_client=httpx_client)


def _check_full_response(raw: Any, wav: Path) -> ListenV1Response:
    """`raw` is a full transcript: openapi schema, strict SDK model, words of the sample."""
    validate_rest("ListenV1Response", raw)
    assert undeclared_rest_properties("ListenV1Response", raw) <= REST_UNDECLARED_OK
    model = ListenV1Response.model_validate(raw)
    assert UUID_RE.match(model.metadata.request_id)
    assert model.metadata.duration > 1 and model.metadata.channels == 1
    assert model.metadata.models and model.metadata.model_info
    alt = model.results.channels[0].alternatives[0]
    assert alt.words and all(w.end >= w.start for w in alt.words)
    assert word_overlap(alt.transcript, wav) >= 0.6, alt.transcript
    return model


def _pcm(wav: Path) -> bytes:
    """The samples of the WAV's `data` chunk (walks the RIFF chunks, no fixed header size)."""
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    pos = 12
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if data[pos : pos + 4] == b"data":
            return data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise AssertionError(f"no data chunk in {wav}")


def test_transcribe_file_returns_a_full_response_valid_for_schema_and_sdk_model(serve):
    wav = sample_wavs()[0]
    raw = RawBodies()
    response = _client(serve, raw).listen.v1.media.transcribe_file(
        request=wav.read_bytes(),
        model="nova-3",
        punctuate=True,
        smart_format=True,
        utterances=True,
        paragraphs=True,
        diarize=True,
    )
    assert isinstance(response, ListenV1Response), type(response)
    body = raw.only()
    model = _check_full_response(body, wav)
    assert response.metadata.request_id == model.metadata.request_id
    assert response.results.channels[0].alternatives[0].transcript == (
        model.results.channels[0].alternatives[0].transcript
    )
    alt = model.results.channels[0].alternatives[0]
    assert all(w.punctuated_word for w in alt.words)
    assert all(w.speaker is not None and w.speaker_confidence is not None for w in alt.words)
    assert alt.paragraphs and alt.paragraphs.transcript and alt.paragraphs.paragraphs
    assert alt.paragraphs.paragraphs[0].sentences
    assert model.results.utterances and model.results.utterances[0].transcript


def test_transcribe_url_fetches_the_audio_from_a_local_server(serve, audio_server):
    base, served = audio_server
    wav = sample_wavs()[1]
    raw = RawBodies()
    response = _client(serve, raw).listen.v1.media.transcribe_url(
        url=f"{base}/{wav.name}", model="nova-3", punctuate=True
    )
    assert isinstance(response, ListenV1Response), type(response)
    assert served == [f"/{wav.name}"]
    model = _check_full_response(raw.only(), wav)
    assert response.metadata.request_id == model.metadata.request_id
    assert all(w.punctuated_word for w in model.results.channels[0].alternatives[0].words)


@pytest.mark.parametrize("sent, method", [("POST", "POST"), ("put", "PUT")])
def test_callback_gets_accepted_request_id_then_the_transcript(serve, sent, method):
    wav = sample_wavs()[2]
    raw = RawBodies()
    response = _client(serve, raw).listen.v1.media.transcribe_file(
        request=wav.read_bytes(),
        model="nova-3",
        punctuate=True,
        callback=f"{serve.url}/sdk-callback/{method.lower()}",
        callback_method=sent,
    )
    assert isinstance(response, ListenV1AcceptedResponse), type(response)
    body = raw.only()
    assert body == {"request_id": response.request_id} and UUID_RE.match(response.request_id)
    validate_rest("ListenV1AcceptedResponse", body)
    assert ListenV1AcceptedResponse.model_validate(body).request_id == response.request_id

    line = serve.wait_for("request", timeout=60, request_id=response.request_id)
    assert line["method"] == method and line["path"] == f"/sdk-callback/{method.lower()}"
    assert UUID_RE.match(line["dg_token"]) and KEY not in json.dumps(line)
    headers = {n.lower(): v for n, v in line["headers"]}
    assert headers["content-type"] == "application/json"
    model = _check_full_response(json.loads(line["body"]), wav)
    assert model.metadata.request_id == response.request_id


def test_live_session_through_the_sdk_socket(serve):
    wav = sample_wavs()[0]
    messages: list[Any] = []
    with _client(serve).listen.v1.connect(
        model="nova-3",
        encoding="linear16",
        sample_rate=16000,
        channels=1,
        interim_results=True,
        punctuate=True,
    ) as socket:
        audio = _pcm(wav)
        for i in range(0, len(audio), FRAME):
            socket.send_media(audio[i : i + FRAME])
        socket.send_close_stream()
        for message in socket:  # ends when the emulator closes the socket normally
            messages.append(message)

    assert messages and all(not isinstance(m, (bytes, dict)) for m in messages), messages
    for message in messages:
        # The SDK builds its models unchecked; re-validate each one strictly.
        model_type = STREAM_MODELS[message.type]
        assert isinstance(message, model_type), (message.type, type(message))
        model_type.model_validate(message.model_dump(by_alias=True, exclude_unset=True))
    results = [m for m in messages if isinstance(m, ListenV1Results)]
    finals = [m for m in results if m.is_final]
    assert finals, [m.type for m in messages]
    metadata = messages[-1]
    assert isinstance(metadata, ListenV1Metadata), [m.type for m in messages]
    assert UUID_RE.match(metadata.request_id) and metadata.channels == 1
    assert all(m.metadata.request_id == metadata.request_id for m in results)
    transcript = " ".join(m.channel.alternatives[0].transcript for m in finals)
    assert word_overlap(transcript, wav) >= 0.6, transcript
    closed = serve.wait_for("stream_close", timeout=30, request_id=metadata.request_id)
    assert closed["code"] == 1000


def test_live_raw_frames_validate_against_asyncapi_and_sdk_models(serve):
    """The same query the SDK sends, on a plain socket, to see each raw text frame."""
    wav = sample_wavs()[0]
    assert serve.emulator_url
    url = (
        serve.emulator_url.replace("http://", "ws://")
        + "/v1/listen?model=nova-3&encoding=linear16&sample_rate=16000&channels=1"
        + "&interim_results=true&punctuate=true&vad_events=true&utterance_end_ms=1000"
    )
    texts: list[str] = []
    with connect(url, additional_headers={"Authorization": f"Token {KEY}"}) as ws:
        request_id = ws.response.headers["dg-request-id"]
        audio = _pcm(wav)
        for i in range(0, len(audio), FRAME):
            ws.send(audio[i : i + FRAME])
        ws.send(json.dumps({"type": "CloseStream"}))
        try:
            while True:
                frame = ws.recv(timeout=60)
                assert isinstance(frame, str), frame
                texts.append(frame)
        except ConnectionClosed:
            pass
        assert ws.close_code == 1000, (ws.close_code, ws.close_reason)

    messages = [json.loads(t) for t in texts]
    for message in messages:
        validate_stream(message["type"], message)
        assert undeclared_stream_properties(message["type"], message) <= STREAM_UNDECLARED_OK
        STREAM_MODELS[message["type"]].model_validate(message)
    types = [m["type"] for m in messages]
    assert any(m["type"] == "Results" and m["is_final"] for m in messages), types
    assert any(m["type"] == "Results" and not m["is_final"] for m in messages), types
    assert types[-1] == "Metadata" and messages[-1]["request_id"] == request_id
    assert all(
        m["metadata"]["request_id"] == request_id for m in messages if m["type"] == "Results"
    )
