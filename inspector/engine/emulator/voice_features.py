"""What a word's voice sounds like, as a number: its pitch, which diarization clusters.

For every recognised word, the median fundamental frequency (F0) of its voiced 40 ms frames,
as log2 Hz (octaves), found by autocorrelation (the lag of the highest peak between 60 and
400 Hz, a frame counting as voiced when that peak is at least `VOICED` of its energy).
Voices differ in pitch more reliably than in anything else this cheap to measure, so
`core.diarization` clusters phrases by it. Computed in the recognition process, where the
samples are: one FFT per 10 ms of audio, for every file and stream (about 1 ms per second).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ...core.transcript import Word
from .audio import TARGET_SAMPLE_RATE, Pcm

_FRAME = 640  # 40 ms: two periods of a 50 Hz voice
_HOP = 160  # 10 ms
_FFT = 2048  # >= 2 * _FRAME: the autocorrelation does not wrap around
_MIN_LAG = TARGET_SAMPLE_RATE // 400
_MAX_LAG = TARGET_SAMPLE_RATE // 60
_SILENT_RMS = 0.01  # frames quieter than this (-40 dBFS) have no pitch to find
VOICED = 0.3


def frame_pitches(pcm: Pcm) -> npt.NDArray[np.float64]:
    """log2 F0 of each 10 ms frame of `pcm` (NaN where unvoiced or silent)."""
    if pcm.size < _FRAME:
        return np.full(0, np.nan)
    x = pcm.astype(np.float64) / 32768.0
    count = 1 + (x.size - _FRAME) // _HOP
    index = np.arange(_FRAME)[None, :] + _HOP * np.arange(count)[:, None]
    frames = x[index] * np.hanning(_FRAME)
    spectrum = np.fft.rfft(frames, _FFT)
    autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2, _FFT)[:, : _MAX_LAG + 1]
    lags = _MIN_LAG + np.argmax(autocorrelation[:, _MIN_LAG:], axis=1)
    peak = autocorrelation[np.arange(count), lags]
    energy = autocorrelation[:, 0]
    rms = np.sqrt((frames**2).mean(axis=1))
    voiced = (rms >= _SILENT_RMS) & (peak >= VOICED * energy)
    return np.where(voiced, np.log2(TARGET_SAMPLE_RATE / lags), np.nan)


def with_features(words: Sequence[Word], pcm: Pcm, offset: float = 0.0) -> tuple[Word, ...]:
    """`words` with `features = (log2 F0,)` from `pcm`, whose first sample is at `offset`
    seconds; `()` for a word with no voiced frame."""
    pitches = frame_pitches(pcm)
    out = []
    for word in words:
        first = max(0, int((word.start - offset) * TARGET_SAMPLE_RATE) // _HOP)
        last = max(first + 1, int((word.end - offset) * TARGET_SAMPLE_RATE) // _HOP)
        span = pitches[first:last]
        span = span[~np.isnan(span)]
        pitch = float(np.median(span)) if span.size else math.nan
        features = () if math.isnan(pitch) else (round(pitch, 4),)
        out.append(dataclasses.replace(word, features=features))
    return tuple(out)
