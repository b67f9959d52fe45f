"""`diarize`: which speaker said each word, approximately, from the voice's pitch.

Deepgram's diarization is a trained model; the emulator's is a simple, documented method
that still separates voices that differ in pitch (and is deterministic):
1. words are grouped into phrases at pauses of `PHRASE_PAUSE` seconds (a speaker rarely
   changes mid-phrase);
2. each phrase's pitch is the median of its words' (`Word.features`, log2 Hz, from
   `engine.emulator.voice_features`);
3. phrases are clustered online in order: a phrase joins the speaker whose mean pitch is
   nearest, if within `PITCH_THRESHOLD` octaves, else starts a new speaker (up to
   `MAX_SPEAKERS`). A phrase with no voiced word keeps the previous speaker.
`speaker_confidence` falls from 1 at a speaker's mean pitch to 0.5 at the threshold.
Per channel with multichannel; per stream live (the clusters carry across results).
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from .transcript import Word

METHOD = "pitch-clustering"  # named in `metadata.diarize_info` and `model_info`
PHRASE_PAUSE = 0.5  # seconds
PITCH_THRESHOLD = 0.15  # octaves (about 11 %)
MAX_SPEAKERS = 8


@dataclass
class SpeakerClusters:
    """The speakers heard so far (mean pitch and phrase count each)."""

    pitches: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    last: int = 0

    def assign(self, pitch: float, *, learn: bool = True) -> tuple[int, float]:
        if self.pitches:
            nearest = min(range(len(self.pitches)), key=lambda i: abs(self.pitches[i] - pitch))
            distance = abs(self.pitches[nearest] - pitch)
            if distance <= PITCH_THRESHOLD or len(self.pitches) >= MAX_SPEAKERS:
                if learn:
                    n = self.counts[nearest]
                    self.pitches[nearest] = (self.pitches[nearest] * n + pitch) / (n + 1)
                    self.counts[nearest] = n + 1
                    self.last = nearest
                return nearest, round(max(0.5, 1.0 - 0.5 * distance / PITCH_THRESHOLD), 4)
        if not learn:
            return len(self.pitches), 1.0
        self.pitches.append(pitch)
        self.counts.append(1)
        self.last = len(self.pitches) - 1
        return self.last, 1.0


def speakers_of(
    words: Sequence[Word], clusters: SpeakerClusters | None = None, *, learn: bool = True
) -> list[tuple[int, float]]:
    """`(speaker, speaker_confidence)` of each word."""
    clusters = clusters if clusters is not None else SpeakerClusters()
    out: list[tuple[int, float]] = []
    for first, end in _phrases(words):
        pitches = [w.features[0] for w in words[first:end] if w.features]
        if pitches:
            label = clusters.assign(statistics.median(pitches), learn=learn)
        else:
            label = (clusters.last, 0.5)
        out += [label] * (end - first)
    return out


def diarize(
    words: Sequence[Word], clusters: SpeakerClusters | None = None, *, learn: bool = True
) -> tuple[Word, ...]:
    """`words` with `speaker` and `speaker_confidence` set (`speakers_of`)."""
    return tuple(
        dataclasses.replace(w, speaker=speaker, speaker_confidence=confidence)
        for w, (speaker, confidence) in zip(
            words, speakers_of(words, clusters, learn=learn), strict=True
        )
    )


def _phrases(words: Sequence[Word]) -> list[tuple[int, int]]:
    """`(first, end)` index ranges of the phrases."""
    bounds = [0]
    bounds += [
        i for i in range(1, len(words)) if words[i].start - words[i - 1].end >= PHRASE_PAUSE
    ]
    bounds.append(len(words))
    return [(a, b) for a, b in itertools.pairwise(bounds) if a < b]
