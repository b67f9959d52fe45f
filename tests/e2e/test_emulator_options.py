"""Issue 20 through the real `serve`: multichannel, numbers, search, redaction, warnings, and
the callback body equal to the synchronous reply, with real PocketSphinx recognition.

Recognition is the CPU-heavy part: the numbers sample is transcribed three times, the stereo
file once (and once more streamed, in the slow suite)."""

from __future__ import annotations

import json
import re
import urllib.request
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.deepgram_schemas import validate_rest, validate_stream
from tests.e2e.test_emulator_streaming import _stream as stream
from tests.samples import SAMPLES, wav_file, word_overlap
from tests.serve_process import ServeProcess

KEY = "options-test-key-0123"
NUMBERS = SAMPLES / "numbers.wav"
LEFT, RIGHT = SAMPLES / "numbers.wav", SAMPLES / "weather.wav"
NUMBER_WORDS = set("one two three four five six seven eight nine ten".split())


@pytest.fixture(scope="module")
def serve():
    with ServeProcess(
        "--port", "0", "--emulator-port", "0", "--relaxed-ports", "--retry-delay", "0.2"
    ) as s:
        yield s


def _post(serve: ServeProcess, query: str, audio: bytes) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{serve.emulator_url}/v1/listen?{query}",
        data=audio,
        headers={"Authorization": f"Token {KEY}", "Content-Type": "audio/wav"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body: dict[str, Any] = json.loads(response.read())
    return body


def _pcm(wav: Path) -> np.ndarray:
    with wave.open(str(wav)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def _stereo() -> tuple[bytes, bytes]:
    """Two samples side by side, one per channel: (the WAV file, its raw interleaved PCM)."""
    left, right = _pcm(LEFT), _pcm(RIGHT)
    n = max(left.size, right.size)
    frames = np.stack([np.pad(left, (0, n - left.size)), np.pad(right, (0, n - right.size))], 1)
    raw = frames.astype("<i2").tobytes()
    return wav_file(raw, channels=2), raw


def _alternative(body: dict[str, Any], channel: int = 0) -> dict[str, Any]:
    alternative: dict[str, Any] = body["results"]["channels"][channel]["alternatives"][0]
    return alternative


def test_stereo_file_gives_one_channel_each_with_its_own_words(serve) -> None:
    """Acceptance 2: a stereo WAV with different speech on each channel."""
    wav, _ = _stereo()
    body = _post(serve, "multichannel=true&punctuate=true&utterances=true", wav)
    validate_rest("ListenV1Response", body)
    assert body["metadata"]["channels"] == 2 and len(body["results"]["channels"]) == 2
    left, right = (_alternative(body, c)["transcript"] for c in (0, 1))
    assert word_overlap(left, LEFT) >= 0.6 and word_overlap(right, RIGHT) >= 0.6, (left, right)
    assert word_overlap(left, RIGHT) < 0.3 and word_overlap(right, LEFT) < 0.3, (left, right)
    assert {u["channel"] for u in body["results"]["utterances"]} == {0, 1}


@pytest.mark.slow  # 11 s of stereo recognised live; CI runs it (make test-slow)
def test_stereo_stream_gives_results_per_channel_index(serve) -> None:
    """Live: `channel_index` [i, 2], each channel recognised on its own."""
    _, raw = _stereo()
    url = serve.emulator_url.replace("http://", "ws://") + (
        "/v1/listen?encoding=linear16&sample_rate=16000&channels=2&multichannel=true"
    )
    _, messages, code, _ = stream(url, raw)
    assert code == 1000
    finals = [m for m in messages if m["type"] == "Results" and m["is_final"]]
    for message in finals:
        validate_stream("Results", message)
    heard = {
        c: " ".join(
            m["channel"]["alternatives"][0]["transcript"]
            for m in finals
            if m["channel_index"] == [c, 2]
        )
        for c in (0, 1)
    }
    assert word_overlap(heard[0], LEFT) >= 0.6 and word_overlap(heard[1], RIGHT) >= 0.6, heard
    assert messages[-1]["type"] == "Metadata" and messages[-1]["channels"] == 2


def _events_until(serve: ServeProcess, name: str, **match: Any) -> list[dict[str, Any]]:
    """Every line up to and including the first `name` line matching `match`."""
    seen = []
    while True:
        event = serve.next_event(timeout=60)
        seen.append(event)
        if event["event"] == name and all(event.get(k) == v for k, v in match.items()):
            return seen


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The body without what differs between two requests for the same audio."""
    text = json.dumps(body)
    text = text.replace(body["metadata"]["request_id"], "<request_id>")
    text = re.sub(r'"created": "[^"]+"', '"created": "<created>"', text)
    utterance_ids = [u["id"] for u in body["results"].get("utterances", [])]
    for index, value in enumerate(utterance_ids):
        text = text.replace(value, f"<utterance {index}>")
    comparable: dict[str, Any] = json.loads(text)
    return comparable


def test_numbers_search_and_warnings_the_same_by_callback_as_in_the_reply(serve) -> None:
    """Acceptance 3 (search=three, numerals=true) and 4 (the callback body carries the same
    fields), with two parameters the emulator warns about: one serve line each, once."""
    query = "numerals=true&search=three&punctuate=true&utterances=true&language=fr&keywords=x:2"
    audio = NUMBERS.read_bytes()
    reply = _post(serve, query, audio)
    validate_rest("ListenV1Response", reply)
    alternative = _alternative(reply)
    assert alternative["transcript"] == "1 2 3 4 5 6 7 8 9 10."
    three = next(w for w in alternative["words"] if w["word"] == "3")
    hits = reply["results"]["channels"][0]["search"][0]
    assert hits["query"] == "three"
    best = hits["hits"][0]
    assert (best["start"], best["end"]) == (three["start"], three["end"])
    assert best["confidence"] > 0.9
    assert [w["parameter"] for w in reply["metadata"]["warnings"]] == ["language", "keywords"]

    accepted = _post(serve, f"{query}&callback={serve.url}/hook", audio)
    lines = _events_until(serve, "request", request_id=accepted["request_id"])
    warnings = [line["parameter"] for line in lines if line["event"] == "warning"]
    assert warnings == ["language", "keywords"]  # the first request's; none for the second
    callback = json.loads(lines[-1]["body"])
    assert _comparable(callback) == _comparable(reply)


def test_redact_numbers_leaves_no_digit_or_number_word(serve) -> None:
    """Acceptance 3: redact=numbers on the numbers sample."""
    body = _post(serve, "redact=numbers&punctuate=true", NUMBERS.read_bytes())
    validate_rest("ListenV1Response", body)
    alternative = _alternative(body)
    texts = [alternative["transcript"]] + [
        w[key] for w in alternative["words"] for key in ("word", "punctuated_word")
    ]
    for text in texts:
        assert not re.search(r"\d", re.sub(r"\[NUMBER_\d+\]", "", text)), text
        assert not set(re.findall(r"[a-z]+", text.lower())) & NUMBER_WORDS, text
    assert "[NUMBER_1]" in alternative["transcript"]
