"""Pitch from real samples, and two voices told apart in real recognition."""

from __future__ import annotations

import math
import wave
from datetime import UTC, datetime

import numpy as np
import pytest

from inspector.core.listen_options import parse_listen_options
from inspector.core.listen_response import build_listen_response
from inspector.engine.emulator.transcriber import PocketSphinxTranscriber
from inspector.engine.emulator.voice_features import frame_pitches
from tests.samples import SAMPLES, wav_file

RATE = 16000


def test_the_pitch_of_a_harmonic_tone_is_found() -> None:
    t = np.arange(RATE) / RATE
    tone = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6))
    pitches = frame_pitches((tone / 3 * 20000).astype(np.int16))
    assert np.nanmedian(pitches) == pytest.approx(math.log2(150), abs=0.02)
    assert np.isnan(frame_pitches(np.zeros(RATE, dtype=np.int16))).all()


def _pcm(name: str) -> np.ndarray:
    with wave.open(str(SAMPLES / name)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def test_a_sample_and_the_same_sample_a_quarter_higher_are_two_speakers() -> None:
    """Played 1.25x faster, the voice's pitch is 25 % higher: a second speaker."""
    voice = _pcm("numbers.wav").astype(np.float64)
    higher = np.interp(np.arange(0, voice.size - 1, 1.25), np.arange(voice.size), voice)
    both = np.concatenate([voice, np.zeros(RATE // 2), higher]).astype("<i2")
    transcription = PocketSphinxTranscriber().transcribe(wav_file(both.tobytes()))
    body = build_listen_response(
        transcription,
        parse_listen_options([("diarize", "true")], streaming=False),
        request_id="0b9c6a0e-3c5f-4a55-9d3e-7f1a2b3c4d5e",
        created=datetime(2026, 7, 1, tzinfo=UTC),
    )
    words = body["results"]["channels"][0]["alternatives"][0]["words"]
    switch = voice.size / RATE + 0.25
    first = {w["speaker"] for w in words if w["end"] < switch}
    second = {w["speaker"] for w in words if w["start"] > switch}
    assert first == {0} and second == {1}, [(w["word"], w["start"], w["speaker"]) for w in words]
