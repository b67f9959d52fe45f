"""Offline speech recognition behind the Deepgram emulator, using PocketSphinx.

The emulator must return real transcripts without a network or an API key, so the
default recogniser is PocketSphinx with the en-us model its wheel ships. Everything here
is blocking and thread-agnostic (no asyncio): the server runs it in worker processes.

Both paths segment the audio the same way: a voice-activity detector (PocketSphinx's
`Vad`, 30 ms frames) opens a segment when speech starts (keeping 300 ms of pre-roll) and
closes it after a pause of `endpointing_ms` (default 300 ms). Each segment is decoded
once, incrementally, fed in the same pieces on both paths (the pre-roll, then one VAD
frame at a time): live, that pass also yields INTERIM hypotheses about every second (and
SPEECH_STARTED), and its end is the FINAL. The same audio therefore gets the same words
whether it is posted as a file or streamed. Segments are force-closed after 10 s of
continuous speech live (30 s pre-recorded). FINALs tile the stream: each starts where the
previous one ended.

PocketSphinx normalises the cepstrum with a running mean that carries from one segment to
the next (it adapts to the speaker: decoding each segment from the initial mean instead
scored 88 % vs 97 % word overlap on the samples). That mean depends only on the audio fed
before, not on the search, so a pre-recorded file can be cut into parts decoded by
separate processes (`transcribe_part`): a part's decoder first runs the preceding
segments through a one-word grammar (about 2 % of a real decode) and then decodes
exactly as if it had decoded them all, giving the same words as one sequential pass.

A PocketSphinx `Decoder` is not thread-safe and takes ~0.35 s to build, so decoders are
kept in a small pool: each transcription or stream borrows one exclusively.

Why this module is long: the file path and the live path must segment and decode audio in
exactly the same way (the same audio gives the same words either way), so the segmenter, the
decoder pool and both recognisers are kept in one place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import re
import threading
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pocketsphinx

from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word
from inspector.engine.emulator.audio import (
    TARGET_SAMPLE_RATE,
    AudioDecodeError,
    ContainerStreamDecoder,
    Pcm,
    RawStreamDecoder,
    decode_audio,
    open_stream_decoder,
)
from inspector.engine.emulator.voice_features import with_features

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINTING_MS = 300
"""Pause that ends a live segment when the client does not say otherwise."""

_FRAMES_PER_SECOND = 100  # PocketSphinx feature frames per second (its `frate`)
_VAD_FRAME_SECONDS = 0.03
_VAD_FRAME_SAMPLES = int(TARGET_SAMPLE_RATE * _VAD_FRAME_SECONDS)
_START_WINDOW = 5  # speech starts when this many recent VAD frames ...
_START_VOICED = 3  # ... contain at least this many voiced ones
_MIN_ENDPOINT_FRAMES = 3  # shortest pause (90 ms) that may close a segment
_PREROLL_FRAMES = 10  # 300 ms of audio before the detected start, so onsets are kept
_INTERIM_SAMPLES = TARGET_SAMPLE_RATE  # an interim hypothesis per second of speech
_MAX_SEGMENT_SAMPLES = 10 * TARGET_SAMPLE_RATE  # force a FINAL during long monologues
_MAX_UTTERANCE_SAMPLES = 30 * TARGET_SAMPLE_RATE  # pre-recorded chunk limit
_MIN_UTTERANCE_SAMPLES = TARGET_SAMPLE_RATE // 10  # shorter audio holds no words
_ALTERNATE_SUFFIX = re.compile(r"\(\d+\)$")
_PRIME_SEARCH = "prime"  # a search that costs next to nothing (see `_decode_recorded`)
_PRIME_GRAMMAR = "#JSGF V1.0; grammar prime; public <prime> = one;"


class StreamRecognizer(Protocol):
    """Live recognition of one client stream; not thread-safe across concurrent calls."""

    def feed(self, data: bytes) -> list[StreamUpdate]:
        """Take raw client bytes; return SPEECH_STARTED / INTERIM / FINAL updates.

        Raises AudioDecodeError when the bytes cannot be decoded.
        """
        ...

    def finalize(self) -> list[StreamUpdate]:
        """Flush the open segment as one FINAL (`from_finalize=True`); the stream stays open."""
        ...

    def close(self) -> list[StreamUpdate]:
        """End of stream: drain the decoder, flush as FINAL and release resources."""
        ...

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio received so far (word times are on the same clock)."""
        ...


class Transcriber(Protocol):
    """A speech recogniser the emulator can put behind Deepgram's API."""

    def transcribe(self, audio: bytes, *, multichannel: bool = False) -> Transcription:
        """Recognise a whole pre-recorded file (blocking); with `multichannel`, each
        channel on its own."""
        ...

    def transcribe_part(
        self, audio: bytes, index: int, count: int, **options: Any
    ) -> Transcription:
        """Part `index` of `count` of `transcribe(audio)`: one process's share of a file
        decoded in parallel (the parts' words joined in order are the whole file's)."""
        ...

    def open_stream(
        self,
        *,
        encoding: str | None,
        sample_rate: int | None,
        channels: int | None,
        endpointing_ms: int | None = DEFAULT_ENDPOINTING_MS,
    ) -> StreamRecognizer:
        """Start recognising a live stream described by Deepgram's query parameters."""
        ...


# --------------------------------------------------------------------------------------
# Decoders
# --------------------------------------------------------------------------------------


class _DecoderPool:
    """Reuses PocketSphinx decoders, which are costly to build and not thread-safe."""

    def __init__(self, max_idle: int) -> None:
        self._max_idle = max_idle
        self._idle: list[pocketsphinx.Decoder] = []
        self._lock = threading.Lock()

    def acquire(self) -> pocketsphinx.Decoder:
        with self._lock:
            decoder = self._idle.pop() if self._idle else None
        if decoder is None:
            decoder = pocketsphinx.Decoder(loglevel="FATAL")
            decoder.add_jsgf_string(_PRIME_SEARCH, _PRIME_GRAMMAR)
        else:
            # Forget the previous user's channel normalisation and noise estimate (both
            # carry across utterances; ~1 ms), so results don't depend on which decoder a
            # request happened to borrow.
            decoder.reinit_feat()
        return decoder

    def release(self, decoder: pocketsphinx.Decoder) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(decoder)

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[pocketsphinx.Decoder]:
        """Lend a decoder; one that saw an error may be mid-utterance, so it is dropped."""
        decoder = self.acquire()
        yield decoder
        self.release(decoder)


def _words_from_segments(segments: Iterable[Any], offset: float) -> list[Word]:
    """Keep real words from `decoder.seg()`: no silence/filler tokens, no `(2)` suffixes."""
    words: list[Word] = []
    for seg in segments:
        token: str = seg.word
        if not token or token[0] in "<[+":
            continue
        start = offset + seg.start_frame / _FRAMES_PER_SECOND
        end = offset + (seg.end_frame + 1) / _FRAMES_PER_SECOND
        # The Python binding already turns the log posterior into a probability.
        confidence = min(1.0, max(0.0, float(seg.prob)))
        words.append(
            Word(
                word=_ALTERNATE_SUFFIX.sub("", token).lower(),
                start=round(start, 3),
                end=round(end, 3),
                confidence=round(confidence, 4),
            )
        )
    return words


# --------------------------------------------------------------------------------------
# Segments: decoded as they arrive (live) or recorded, then decoded (pre-recorded)
# --------------------------------------------------------------------------------------


class _SegmentSink(Protocol):
    """Where `_Segmenter` sends each segment's audio, in the pieces the decoder must see."""

    def begin(self, start: float, preroll: bytes) -> None: ...

    def feed(self, chunk: bytes) -> None: ...

    def partial(self) -> list[Word]: ...

    def end(self, *, enough_audio: bool) -> list[Word]: ...

    def abandon(self) -> None: ...


class _LiveDecoding:
    """Decodes a segment while it is open: INTERIM hypotheses, then its FINAL words, each
    with its voice features (`voice_features`: what diarization clusters)."""

    def __init__(self, decoder: pocketsphinx.Decoder) -> None:
        self._decoder = decoder
        self._start = 0.0
        self._audio: list[bytes] = []  # the open segment's samples, for the voice features

    def begin(self, start: float, preroll: bytes) -> None:
        self._start = start
        self._audio = [preroll] if preroll else []
        self._decoder.start_utt()
        if preroll:
            self._decoder.process_raw(preroll)

    def feed(self, chunk: bytes) -> None:
        self._audio.append(chunk)
        self._decoder.process_raw(chunk)

    def partial(self) -> list[Word]:
        return _words_from_segments(self._decoder.seg(), self._start)

    def end(self, *, enough_audio: bool) -> list[Word]:
        self._decoder.end_utt()
        audio, self._audio = self._audio, []
        if not enough_audio:
            return []
        words = _words_from_segments(self._decoder.seg(), self._start)
        pcm = np.frombuffer(b"".join(audio), dtype=np.int16)
        return list(with_features(words, pcm, self._start))

    def abandon(self) -> None:
        self._audio = []
        self._decoder.end_utt()


@dataclass
class _RecordedSegment:
    start: float  # seconds from the start of the audio
    chunks: list[bytes] = field(default_factory=list)  # as `_LiveDecoding` would be fed
    enough_audio: bool = False
    samples: int = 0


class _Recording:
    """Records segments for decoding later, in exactly the pieces a live decode sees."""

    def __init__(self) -> None:
        self.segments: list[_RecordedSegment] = []

    def begin(self, start: float, preroll: bytes) -> None:
        self.segments.append(_RecordedSegment(start, [preroll] if preroll else []))
        self.segments[-1].samples = len(preroll) // 2

    def feed(self, chunk: bytes) -> None:
        self.segments[-1].chunks.append(chunk)
        self.segments[-1].samples += len(chunk) // 2

    def partial(self) -> list[Word]:
        return []

    def end(self, *, enough_audio: bool) -> list[Word]:
        self.segments[-1].enough_audio = enough_audio
        return []

    def abandon(self) -> None:
        self.segments.pop()


def _part_bounds(segments: list[_RecordedSegment], index: int, count: int) -> tuple[int, int]:
    """Segments [first, last) of part `index` of `count`, cut to balance the audio per part."""
    total = sum(s.samples for s in segments)
    bounds = [0]
    done = 0
    for i, segment in enumerate(segments):
        while len(bounds) < count and done >= total * len(bounds) / count:
            bounds.append(i)
        done += segment.samples
    bounds += [len(segments)] * (count + 1 - len(bounds))
    return bounds[index], bounds[index + 1]


def _decode_recorded(
    decoder: pocketsphinx.Decoder, segments: list[_RecordedSegment], first: int, last: int
) -> list[Word]:
    """Words of `segments[first:last]`, the same as decoding them all in order would give.

    The segments before `first` only bring the channel normalisation to where a sequential
    decode would have it: they go through the same front end, in the same pieces, under a
    one-word grammar whose search costs next to nothing.
    """
    default_search = decoder.current_search()
    if first:
        decoder.activate_search(_PRIME_SEARCH)
        try:
            for segment in segments[:first]:
                decoder.start_utt()
                for chunk in segment.chunks:
                    decoder.process_raw(chunk)
                decoder.end_utt()
        finally:
            decoder.activate_search(default_search)
    words: list[Word] = []
    live = _LiveDecoding(decoder)
    for segment in segments[first:last]:
        live.begin(segment.start, b"")
        for chunk in segment.chunks:
            live.feed(chunk)
        words += live.end(enough_audio=segment.enough_audio)
    return words


# --------------------------------------------------------------------------------------
# PocketSphinx transcriber
# --------------------------------------------------------------------------------------


class PocketSphinxTranscriber:
    """The emulator's default recogniser: PocketSphinx, fully offline."""

    def __init__(self, *, max_idle_decoders: int = 2) -> None:
        """Decoders are built lazily; call `warm_up` to pay the first one's cost early.

        Each decoder holds its own copy of the model (~90 MB), hence a small idle pool.
        """
        self._pool = _DecoderPool(max_idle_decoders)

    def warm_up(self) -> None:
        """Build one decoder now (~0.35 s, loads the model) so the first request is fast."""
        self._pool.release(self._pool.acquire())

    def transcribe(
        self,
        audio: bytes,
        *,
        encoding: str | None = None,
        sample_rate: int | None = None,
        channels: int | None = None,
        multichannel: bool = False,
    ) -> Transcription:
        """Recognise a whole file; blocking, safe to call from several threads at once.

        `encoding`/`sample_rate`/`channels` describe headerless audio, as Deepgram's
        query parameters do; leave them None for files with a container. `multichannel`
        recognises each channel on its own (`Transcription.channel_words`).
        Raises AudioDecodeError for undecodable bytes.
        """
        return self.transcribe_part(
            audio,
            0,
            1,
            encoding=encoding,
            sample_rate=sample_rate,
            channels=channels,
            multichannel=multichannel,
        )

    def transcribe_part(
        self,
        audio: bytes,
        index: int,
        count: int,
        *,
        encoding: str | None = None,
        sample_rate: int | None = None,
        channels: int | None = None,
        multichannel: bool = False,
    ) -> Transcription:
        """Part `index` of `count` of `transcribe(audio)`, for decoding a file in parallel.

        The file is cut between segments into `count` parts of about equal audio; this
        returns the full metadata but only the words of part `index`. The words of parts
        0..count-1 joined in order are exactly `transcribe(audio).words`. With
        `multichannel` the parts are channels instead: part `index` recognises channels
        `index`, `index + count`, ... whole and leaves the others' words empty.
        """
        if not 0 <= index < count:
            raise ValueError(f"part {index} of {count}")
        digest = hashlib.sha256(audio).hexdigest()
        decoded = decode_audio(
            audio,
            encoding=encoding,
            sample_rate=sample_rate,
            channels=channels,
            keep_channels=multichannel,
        )
        duration = decoded.duration
        channel_words: tuple[tuple[Word, ...], ...] = ()
        if multichannel:
            channel_words = tuple(
                self._recognise(pcm, 0, 1, duration) if c % count == index else ()
                for c, pcm in enumerate(decoded.channel_pcm)
            )
            words = channel_words[0] if channel_words else ()
        else:
            words = self._recognise(decoded.pcm, index, count, duration)
        logger.debug(
            "transcribed part %d/%d of %.2f s of audio into %d words",
            index + 1,
            count,
            duration,
            len(words),
        )
        return Transcription(
            words=words,
            duration=duration,
            channels=decoded.channels,
            sha256=digest,
            channel_words=channel_words,
        )

    def _recognise(self, pcm: Pcm, index: int, count: int, duration: float) -> tuple[Word, ...]:
        """The words of part `index` of `count` of 16 kHz mono `pcm`."""
        recording = _Recording()
        segmenter = _Segmenter(
            recording,
            endpointing_ms=DEFAULT_ENDPOINTING_MS,
            live=False,
            max_segment_samples=_MAX_UTTERANCE_SAMPLES,
        )
        segmenter.consume(pcm)
        segmenter.flush(from_finalize=False)
        first, last = _part_bounds(recording.segments, index, count)
        words: list[Word] = []
        if first < last:
            with self._pool.borrowed() as decoder:
                words = _decode_recorded(decoder, recording.segments, first, last)
        return tuple(_clamp(w, duration) for w in words)

    def open_stream(
        self,
        *,
        encoding: str | None,
        sample_rate: int | None,
        channels: int | None,
        endpointing_ms: int | None = DEFAULT_ENDPOINTING_MS,
        multichannel: bool = False,
    ) -> PocketSphinxStream:
        """Start a live stream.

        `encoding=None` means the audio carries its own container (WAV, WebM, Ogg, ...).
        `endpointing_ms=None` (Deepgram's `endpointing=false`) still closes segments at
        pauses of the default length but never marks them `speech_final`.
        `multichannel` recognises each channel of raw audio on its own (a container
        stream is mixed down: its channel count is known only once its header arrives).
        Raises AudioDecodeError for an unsupported encoding or missing sample_rate.
        """
        audio = open_stream_decoder(encoding, sample_rate, channels, keep_channels=multichannel)
        split = multichannel and isinstance(audio, RawStreamDecoder) and (channels or 1) > 1
        return PocketSphinxStream(
            self._pool, audio, endpointing_ms, channels=(channels or 1) if split else 1
        )


def _clamp(word: Word, duration: float) -> Word:
    if word.end <= duration:
        return word
    end = round(duration, 3)
    return Word(word.word, min(word.start, end), end, word.confidence)


class _Segmenter:
    """Voice-activity segmentation, shared by live and pre-recorded paths.

    Sends each segment's audio to a `_SegmentSink`: live, `_LiveDecoding` decodes it as it
    comes; pre-recorded, `_Recording` keeps it for `_decode_recorded`. Either way the
    decoder sees the same pieces. `live=False` only suppresses SPEECH_STARTED and INTERIM.
    """

    def __init__(
        self,
        sink: _SegmentSink,
        *,
        endpointing_ms: int | None,
        live: bool,
        max_segment_samples: int,
    ) -> None:
        self._sink = sink
        self._live = live
        self._max_segment_samples = max_segment_samples
        self._speech_final = endpointing_ms is not None and endpointing_ms > 0
        pause_ms = endpointing_ms if endpointing_ms else DEFAULT_ENDPOINTING_MS
        self._endpoint_frames = max(
            _MIN_ENDPOINT_FRAMES, round(pause_ms / 1000 / _VAD_FRAME_SECONDS)
        )
        self._vad = pocketsphinx.Vad(pocketsphinx.Vad.LOOSE, TARGET_SAMPLE_RATE, _VAD_FRAME_SECONDS)
        self._pending = np.zeros(0, dtype=np.int16)  # samples short of a whole VAD frame
        self._samples = 0  # samples consumed by the VAD: the stream clock
        self._cursor = 0.0  # end of the last FINAL
        self._recent: deque[tuple[int, bool]] = deque(maxlen=_START_WINDOW)
        self._preroll: deque[tuple[int, bytes]] = deque(maxlen=_PREROLL_FRAMES + _START_WINDOW)
        self.in_speech = False
        self._segment_samples = 0  # samples in the open segment
        self._segment_start = 0
        self._silence_frames = 0
        self._last_interim = 0

    @property
    def received_samples(self) -> int:
        return self._samples + self._pending.size

    def consume(self, pcm: Pcm) -> list[StreamUpdate]:
        """Run 16 kHz mono samples through the VAD; returns the updates they caused."""
        updates: list[StreamUpdate] = []
        if self._pending.size:
            pcm = np.concatenate([self._pending, pcm])
        whole = pcm.size - pcm.size % _VAD_FRAME_SAMPLES
        self._pending = pcm[whole:]
        data = pcm[:whole].tobytes()
        step = 2 * _VAD_FRAME_SAMPLES
        for offset in range(0, len(data), step):
            self._frame(data[offset : offset + step], updates)
        return updates

    def flush(self, *, from_finalize: bool) -> StreamUpdate:
        """Close whatever is open, including samples short of a VAD frame, as one FINAL."""
        tail = self._pending.tobytes()
        self._samples += self._pending.size
        self._pending = np.zeros(0, dtype=np.int16)
        self._recent.clear()
        self._preroll.clear()
        if not self.in_speech:
            return self._final((), speech_final=False, from_finalize=from_finalize)
        if tail:
            self._segment_samples += len(tail) // 2
            self._sink.feed(tail)
        return self._close_segment(speech_final=False, from_finalize=from_finalize)

    def abandon(self) -> None:
        """Drop an open segment without decoding it (the stream is going away)."""
        if self.in_speech:
            self._sink.abandon()
        self.in_speech = False

    def _frame(self, frame: bytes, updates: list[StreamUpdate]) -> None:
        start = self._samples
        self._samples += _VAD_FRAME_SAMPLES
        voiced = bool(self._vad.is_speech(frame))
        if not self.in_speech:
            self._preroll.append((start, frame))
            self._recent.append((start, voiced))
            if sum(v for _, v in self._recent) >= _START_VOICED:
                onset = next(s for s, v in self._recent if v) / TARGET_SAMPLE_RATE
                self._open_segment()
                if self._live:
                    updates.append(_update(StreamUpdateKind.SPEECH_STARTED, onset, onset))
            return
        self._segment_samples += _VAD_FRAME_SAMPLES
        self._sink.feed(frame)
        self._silence_frames = 0 if voiced else self._silence_frames + 1
        if self._silence_frames >= self._endpoint_frames:
            updates.append(self._close_segment(speech_final=self._speech_final))
        elif self._samples - self._segment_start >= self._max_segment_samples:
            updates.append(self._close_segment(speech_final=False))
            self._open_segment()
        elif self._live and self._samples - self._last_interim >= _INTERIM_SAMPLES:
            self._last_interim = self._samples
            words = self._sink.partial()
            updates.append(
                _update(StreamUpdateKind.INTERIM, self._cursor, self._now(), tuple(words))
            )

    def _now(self) -> float:
        return self._samples / TARGET_SAMPLE_RATE

    def _open_segment(self) -> None:
        frames = list(self._preroll)
        self._segment_start = frames[0][0] if frames else self._samples
        preroll = b"".join(f for _, f in frames)
        self._segment_samples = len(preroll) // 2
        self._preroll.clear()
        self._recent.clear()
        self.in_speech = True
        self._silence_frames = 0
        self._last_interim = self._samples
        self._sink.begin(self._segment_start / TARGET_SAMPLE_RATE, preroll)

    def _close_segment(self, *, speech_final: bool, from_finalize: bool = False) -> StreamUpdate:
        words = self._sink.end(enough_audio=self._segment_samples >= _MIN_UTTERANCE_SAMPLES)
        self.in_speech = False
        return self._final(tuple(words), speech_final=speech_final, from_finalize=from_finalize)

    def _final(
        self, words: tuple[Word, ...], *, speech_final: bool, from_finalize: bool
    ) -> StreamUpdate:
        end = self._now()
        update = _update(
            StreamUpdateKind.FINAL,
            self._cursor,
            end,
            tuple(_clamp(w, end) for w in words),
            speech_final=speech_final,
            from_finalize=from_finalize,
        )
        self._cursor = end
        return update


class PocketSphinxStream:
    """Live recognition of one client stream (see the module docstring).

    With `multichannel` (raw audio of several channels), each channel has its own decoder
    and segmenter, and every update names its channel (`StreamUpdate.channel`)."""

    def __init__(
        self,
        pool: _DecoderPool,
        audio: RawStreamDecoder | ContainerStreamDecoder,
        endpointing_ms: int | None,
        *,
        channels: int = 1,
    ) -> None:
        """Borrow a decoder per channel for the stream's lifetime; `close` gives them back."""
        self._pool = pool
        self._decoders: list[pocketsphinx.Decoder] = [pool.acquire() for _ in range(channels)]
        self._audio = audio
        self._segmenters = [
            _Segmenter(
                _LiveDecoding(decoder),
                endpointing_ms=endpointing_ms,
                live=True,
                max_segment_samples=_MAX_SEGMENT_SAMPLES,
            )
            for decoder in self._decoders
        ]
        self._lock = threading.Lock()
        self._closed = False
        self._failed = False  # undecodable audio seen: nothing more to drain
        if isinstance(audio, ContainerStreamDecoder):
            # If the client vanishes without `close`, let the decoder thread end with us.
            weakref.finalize(self, audio.abort)

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio decoded so far."""
        return self._segmenters[0].received_samples / TARGET_SAMPLE_RATE

    @property
    def source_channels(self) -> int | None:
        """Channels in the client's audio, once known (for Deepgram's metadata)."""
        return self._audio.source_channels

    def _consume(self, pcm: Pcm) -> list[StreamUpdate]:
        if len(self._segmenters) == 1:
            return self._segmenters[0].consume(pcm)
        assert isinstance(self._audio, RawStreamDecoder)
        per_channel = [
            [dataclasses.replace(u, channel=c) for u in segmenter.consume(part)]
            for c, (segmenter, part) in enumerate(
                zip(self._segmenters, self._audio.take_channels(), strict=True)
            )
        ]
        return sorted((u for updates in per_channel for u in updates), key=lambda u: u.end)

    def _flush(self, *, from_finalize: bool) -> list[StreamUpdate]:
        return [
            dataclasses.replace(segmenter.flush(from_finalize=from_finalize), channel=c)
            for c, segmenter in enumerate(self._segmenters)
        ]

    def feed(self, data: bytes) -> list[StreamUpdate]:
        """Decode and recognise a chunk of client bytes."""
        with self._lock:
            self._check_open()
            try:
                pcm = self._audio.push(data)
            except AudioDecodeError:
                self._failed = True
                raise
            return self._consume(pcm)

    def finalize(self) -> list[StreamUpdate]:
        """Deepgram `Finalize`: always exactly one FINAL per channel, possibly without words."""
        with self._lock:
            self._check_open()
            return self._flush(from_finalize=True)

    def close(self) -> list[StreamUpdate]:
        """Deepgram `CloseStream`: the remaining audio as updates ending in one FINAL
        (per channel).

        Idempotent; after a failed `feed` it just releases resources. If the remaining
        audio is undecodable AudioDecodeError propagates, and resources are released
        either way.
        """
        with self._lock:
            if self._closed:
                return []
            self._closed = True
            try:
                if self._failed:
                    for segmenter in self._segmenters:
                        segmenter.abandon()
                    return []
                updates = self._consume(self._audio.finish())
                return updates + self._flush(from_finalize=False)
            finally:
                decoders, self._decoders = self._decoders, []
                for decoder, segmenter in zip(decoders, self._segmenters, strict=True):
                    try:
                        segmenter.abandon()
                    except Exception:  # a decoder in an unknown state is not worth reusing
                        logger.debug("dropping a decoder that failed to end its utterance")
                    else:
                        self._pool.release(decoder)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("stream is closed")


def _update(
    kind: StreamUpdateKind,
    start: float,
    end: float,
    words: tuple[Word, ...] = (),
    *,
    speech_final: bool = False,
    from_finalize: bool = False,
) -> StreamUpdate:
    return StreamUpdate(
        kind=kind,
        start=round(start, 3),
        end=round(end, 3),
        words=words,
        speech_final=speech_final,
        from_finalize=from_finalize,
    )
