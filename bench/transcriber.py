"""Real-time factor of the emulator's PocketSphinx transcription on ~60 s of speech.

Why: pre-recorded requests are answered only after `transcribe` finishes, so its speed
decides how long emulator clients wait. The bundled samples are concatenated with 1 s
of silence between them until at least 60 s, wrapped as one WAV upload and transcribed
once after a warm-up (the decoder's model loading is reported separately).

Usage: python bench/transcriber.py
"""

from __future__ import annotations

import io
import logging
import sys
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspector.engine.emulator.transcriber import PocketSphinxTranscriber  # noqa: E402

logger = logging.getLogger(__name__)

SAMPLES = ROOT / "resources" / "samples"
TARGET_SECONDS = 60.0
RATE = 16000


def long_wav() -> tuple[bytes, float]:
    """The samples, repeated with 1 s gaps until TARGET_SECONDS, as one 16 kHz WAV."""
    clips = []
    for path in sorted(SAMPLES.glob("*.wav")):
        with wave.open(str(path)) as w:
            clips.append(w.readframes(w.getnframes()))
    if not clips:
        raise SystemExit(f"no samples in {SAMPLES}; run resources/samples/make_samples.sh")
    gap = bytes(2 * RATE)
    pcm = bytearray()
    index = 0
    while len(pcm) < TARGET_SECONDS * RATE * 2:
        pcm += clips[index % len(clips)] + gap
        index += 1
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(pcm))
    return buf.getvalue(), len(pcm) / 2 / RATE


def main() -> None:
    """Print decoder creation time, then `RTF x.xx (processing s / audio s)`."""
    data, audio_seconds = long_wav()
    transcriber = PocketSphinxTranscriber()
    started = time.perf_counter()
    transcriber.warm_up()
    print(f"decoder creation {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    result = transcriber.transcribe(data)
    elapsed = time.perf_counter() - started
    logger.debug("%d words", len(result.words))
    print(f"RTF {elapsed / audio_seconds:.2f} ({elapsed:.1f} s / {audio_seconds:.1f} s)")


if __name__ == "__main__":
    main()
