"""Real speech for tests: the WAV files bundled with Callback Inspector.

Short 16 kHz mono recordings with their words, so a test can send real audio to the
emulator and check a real transcript without shipping audio of its own.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

from ..bundled import samples_dir

SAMPLE_NAMES: tuple[str, ...] = ("callback", "numbers", "server", "weather")
"""The bundled samples: `callback` (7.8 s), `numbers` (5.1 s), `server` (5.6 s), `weather`
(5.8 s)."""


def sample_path(name: str = "numbers") -> Path:
    """The WAV file of a bundled sample."""
    if name not in SAMPLE_NAMES:
        raise ValueError(f"no sample {name!r}; the samples are {', '.join(SAMPLE_NAMES)}")
    return samples_dir() / f"{name}.wav"


def sample_audio(name: str = "numbers") -> bytes:
    """The bytes of a bundled sample, e.g. `sample_audio("numbers")`: "one two ... ten"."""
    return sample_path(name).read_bytes()


def sample_words(name: str = "numbers") -> str:
    """What is said in a bundled sample (lower case, no punctuation)."""
    return sample_path(name).with_suffix(".txt").read_text().strip()


def silence(seconds: float = 0.5) -> bytes:
    """A silent 16 kHz mono WAV: quick to transcribe (an empty transcript), for tests about
    delivery, retries and failures rather than words."""
    if not 0 < seconds <= 600:
        raise ValueError(f"seconds must be above 0 and at most 600, not {seconds}")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(16000 * seconds))
    return out.getvalue()
