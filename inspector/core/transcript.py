"""What a speech recogniser produced, independent of how Deepgram's JSON spells it.

The emulator's `Transcriber` (engine side) produces these records; `core.listen_response`
turns them into Deepgram's `ListenV1Response` and streaming `Results` shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Word:
    """One recognised word; times are seconds from the start of the audio."""

    word: str  # lower case, no punctuation (Deepgram's `word`)
    start: float
    end: float
    confidence: float  # 0..1
    speaker: int | None = None  # set by the emulator's diarization (core.diarization)
    speaker_confidence: float = 1.0
    # What the word sounds like (engine.emulator.voice_features): what diarization clusters.
    features: tuple[float, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Transcription:
    """The whole result of a pre-recorded transcription.

    `words` are those of the audio mixed down to mono; with `multichannel`, `channel_words`
    holds each channel's own words (one tuple per channel, recognised separately)."""

    words: tuple[Word, ...]
    duration: float  # seconds of audio
    channels: int  # channels in the source audio (reported in metadata)
    sha256: str  # hex digest of the submitted bytes
    channel_words: tuple[tuple[Word, ...], ...] = ()

    @property
    def per_channel(self) -> tuple[tuple[Word, ...], ...]:
        """The words of each `results.channels[]` entry: one per channel when recognised
        separately, else the mono mix alone."""
        return self.channel_words or (self.words,)


class StreamUpdateKind(Enum):
    SPEECH_STARTED = "speech_started"
    INTERIM = "interim"
    FINAL = "final"


@dataclass(frozen=True)
class StreamUpdate:
    """One thing a live recogniser has to say while audio streams in.

    `INTERIM`: the current hypothesis of the open segment (Deepgram `is_final=false`).
    `FINAL`: the segment [start, end) is settled (`is_final=true`); `speech_final` when it
    ended at an endpoint (silence), not because the client asked (`Finalize`/`CloseStream`).
    `SPEECH_STARTED`: voice activity began at `start`.
    """

    kind: StreamUpdateKind
    start: float
    end: float
    words: tuple[Word, ...] = ()
    speech_final: bool = False
    from_finalize: bool = False
    channel: int = 0  # with multichannel, the channel this update is about
