"""Live streaming against the real emulator: Results, Metadata, closes, ws(s) callbacks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.samples import shortest_sample, word_overlap
from tests.serve_process import ServeProcess

KEY = "stream-key-0123456789"
CHUNK = 3200  # 100 ms of 16 kHz 16-bit mono


def _pcm(wav: Path) -> bytes:
    data = wav.read_bytes()
    return data[data.index(b"data") + 8 :]


def _stream(
    url: str,
    audio: bytes,
    *,
    subprotocol_auth: bool = False,
    close_stream: bool = True,
    finalize_at: int | None = None,
):
    """Send audio in 100 ms frames (a `Finalize` once `finalize_at` bytes are sent), then
    CloseStream; the messages and the close frame."""
    kwargs = (
        {"subprotocols": ["token", KEY]}
        if subprotocol_auth
        else {"additional_headers": {"Authorization": f"token {KEY}"}}
    )
    messages = []
    with connect(url, **kwargs) as ws:
        request_id = ws.response.headers["dg-request-id"]
        for i in range(0, len(audio), CHUNK):
            if i == finalize_at:
                ws.send(json.dumps({"type": "Finalize"}))
            ws.send(audio[i : i + CHUNK])
        if close_stream:
            ws.send(json.dumps({"type": "CloseStream"}))
        try:
            while True:
                messages.append(json.loads(ws.recv(timeout=60)))
        except ConnectionClosed:
            pass
        return request_id, messages, ws.close_code, ws.close_reason


@pytest.fixture(scope="module")
def serve():
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports") as s:
        yield s


def _listen(serve, query: str) -> str:
    return serve.emulator_url.replace("http://", "ws://") + "/v1/listen?" + query


def test_interim_and_final_results_metadata_and_close_1000(serve):
    wav = shortest_sample()
    audio = _pcm(wav)
    rid, messages, code, _ = _stream(
        _listen(
            serve,
            "encoding=linear16&sample_rate=16000&channels=1&interim_results=true&punctuate=true",
        ),
        audio,
    )
    results = [m for m in messages if m["type"] == "Results"]
    assert any(not m["is_final"] for m in results), "no interim Results"
    finals = [m for m in results if m["is_final"]]
    assert finals
    # CloseStream's flush is not a Finalize: Deepgram documents from_finalize for Finalize only.
    assert not any(m["from_finalize"] for m in results), [m["from_finalize"] for m in results]
    assert messages[-1]["type"] == "Metadata" and messages[-1]["request_id"] == rid
    # As on real streams: the SHA-256 of the audio bytes received, 64 hex digits.
    assert messages[-1]["sha256"] == hashlib.sha256(audio).hexdigest()
    assert code == 1000
    transcript = " ".join(m["channel"]["alternatives"][0]["transcript"] for m in finals)
    assert word_overlap(transcript, wav) >= 0.6, transcript


def test_only_the_finalize_flush_is_from_finalize(serve):
    """Finalize mid-speech flushes a FINAL marked from_finalize; CloseStream's flush is not."""
    audio = _pcm(shortest_sample())
    middle = len(audio) // 2 // CHUNK * CHUNK
    _, messages, code, _ = _stream(
        _listen(serve, "encoding=linear16&sample_rate=16000"), audio, finalize_at=middle
    )
    finals = [m for m in messages if m["type"] == "Results" and m["is_final"]]
    assert code == 1000 and len(finals) >= 2, messages
    assert [m["from_finalize"] for m in finals].count(True) == 1, finals
    assert finals[-1]["from_finalize"] is False


def test_subprotocol_auth_and_wav_container_without_encoding(serve):
    wav = shortest_sample()
    _, messages, code, _ = _stream(
        _listen(serve, "model=nova-3"), wav.read_bytes(), subprotocol_auth=True
    )
    assert code == 1000 and messages[-1]["type"] == "Metadata"


def test_keyless_stream_is_refused_401_with_dg_error(serve):
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        connect(_listen(serve, "encoding=linear16&sample_rate=16000"))
    response = refused.value.response
    assert response.status_code == 401
    assert response.headers.get("dg-error") and response.headers.get("dg-request-id")


def test_undecodable_audio_closes_1008(serve):
    _, _, code, reason = _stream(_listen(serve, ""), b"\x00garbage, not a container" * 200)
    assert code == 1008 and "DATA-0000" in reason


def test_ws_callback_gets_every_message_and_its_loss_kills_the_stream_1011():
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports") as serve:
        callback = serve.url.replace("http://", "ws://") + "/live-cb"
        rid, messages, code, _ = _stream(
            _listen(serve, f"encoding=linear16&sample_rate=16000&callback={callback}"),
            _pcm(shortest_sample()),
        )
        assert code == 1000
        opened = serve.wait_for("ws_open", path="/live-cb")
        texts = [serve.wait_for("ws_message", id=opened["id"])["text"] for _ in messages]
        assert [json.loads(t)["type"] for t in texts] == [m["type"] for m in messages]
        assert json.loads(texts[-1])["request_id"] == rid

    with ServeProcess(
        "--port", "0", "--emulator-port", "0", "--relaxed-ports", "--ws-close-after", "1"
    ) as serve:
        # The receiver closes the callback socket after the first message it gets; interim
        # results make that message come early, long before the stream could end by itself.
        callback = serve.url.replace("http://", "ws://") + "/live-cb"
        _, _, code, reason = _stream(
            _listen(
                serve,
                f"encoding=linear16&sample_rate=16000&interim_results=true&callback={callback}",
            ),
            _pcm(shortest_sample()),
        )
        assert code == 1011 and "callback" in reason
        closed = serve.wait_for("stream_close")
        assert closed["code"] == 1011


def test_http_callback_gets_one_post_per_message():
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports") as serve:
        _, messages, code, _ = _stream(
            _listen(serve, f"encoding=linear16&sample_rate=16000&callback={serve.url}/per-message"),
            _pcm(shortest_sample()),
        )
        posts = [serve.wait_for("request", path="/per-message", timeout=30) for _ in messages]
    assert code == 1000
    assert [json.loads(p["body"])["type"] for p in posts] == [m["type"] for m in messages]
    assert all(p["method"] == "POST" for p in posts)
