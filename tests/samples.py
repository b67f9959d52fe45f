"""The bundled spoken samples and a word-overlap measure for real transcripts."""

from __future__ import annotations

import re
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"


def sample_wavs() -> list[Path]:
    wavs = sorted(SAMPLES.glob("*.wav"))
    assert wavs, f"no sample WAV files in {SAMPLES}"
    return wavs


def expected_words(wav: Path) -> list[str]:
    return re.findall(r"[a-z']+", wav.with_suffix(".txt").read_text().lower())


def word_overlap(transcript: str, wav: Path) -> float:
    """Share of the sample's words that the transcript contains (0..1)."""
    expected = expected_words(wav)
    got = set(re.findall(r"[a-z']+", transcript.lower()))
    return sum(1 for w in expected if w in got) / len(expected)
