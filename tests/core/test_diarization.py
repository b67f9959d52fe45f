"""The emulator's diarization over words with known pitches (no audio)."""

from __future__ import annotations

from inspector.core.diarization import PITCH_THRESHOLD, SpeakerClusters, diarize
from inspector.core.transcript import Word


def phrase(start: float, pitch: float | None, n: int = 3) -> list[Word]:
    features = () if pitch is None else (pitch,)
    return [
        Word(f"w{start}", start + 0.3 * i, start + 0.3 * i + 0.25, 0.9, features=features)
        for i in range(n)
    ]


def test_phrases_of_two_pitches_are_two_speakers_in_order_of_appearance() -> None:
    low, high = 6.7, 7.0  # about 104 Hz and 128 Hz, in log2 Hz
    words = phrase(0, low) + phrase(2, high) + phrase(4, low + 0.02) + phrase(6, None)
    labelled = diarize(words)
    speakers = [w.speaker for w in labelled]
    assert speakers == [0] * 3 + [1] * 3 + [0] * 3 + [0] * 3  # unvoiced: the previous one
    assert all(0.5 <= w.speaker_confidence <= 1 for w in labelled)
    assert labelled[6].speaker_confidence < 1  # not exactly at its speaker's mean pitch


def test_clusters_carry_across_calls_and_peeking_learns_nothing() -> None:
    clusters = SpeakerClusters()
    diarize(phrase(0, 6.7), clusters)
    assert diarize(phrase(0, 7.0), clusters, learn=False)[0].speaker == 1
    assert clusters.pitches == [6.7]  # an interim result does not make a speaker
    assert diarize(phrase(0, 6.7 + PITCH_THRESHOLD / 2), clusters)[0].speaker == 0
