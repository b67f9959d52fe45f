"""The bundled spoken samples and a word-overlap measure for real transcripts."""

from __future__ import annotations

import re
from pathlib import Path

from inspector.bundled import samples_dir
from inspector.testing.samples import silence

SAMPLES = samples_dir()


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


def wav_file(pcm: bytes, *, channels: int = 1, rate: int = 16000) -> bytes:
    """16-bit little-endian samples (interleaved when `channels` > 1) as a WAV file."""
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def silent_wav(path: Path, seconds: float = 0.5) -> Path:
    """A short silent 16 kHz WAV: for tests where the callback matters, not the words."""
    path.write_bytes(silence(seconds))
    return path



def shortest_sample() -> Path:
    """The quickest sample to transcribe (tests that need real words but not a long file)."""
    import wave

    def seconds(p: Path) -> float:
        with wave.open(str(p)) as w:
            return w.getnframes() / w.getframerate()

    return min(sample_wavs(), key=seconds)
