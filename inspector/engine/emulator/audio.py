"""Turn whatever audio a client sends the Deepgram emulator into 16 kHz mono int16 PCM.

PocketSphinx's bundled en-us model only understands 16 kHz, mono, signed 16-bit samples,
while Deepgram clients send anything from a WAV file to a live WebM/Opus stream from a
browser. This module is the single place that bridges the two, so the recogniser never
has to care about containers, codecs, sample rates or channel layouts.

Three entry points:

* `decode_audio` -- a whole pre-recorded file (any container/codec FFmpeg, via PyAV,
  recognises), or headerless samples when Deepgram's `encoding` is given.
* `RawStreamDecoder` -- live headerless audio described by Deepgram's `encoding`,
  `sample_rate` and `channels` query parameters (linear16, linear32, mulaw, alaw).
* `ContainerStreamDecoder` -- live audio with no `encoding`: the container is sniffed from
  the first bytes. WAV is parsed here (RIFF header, then the rest is plain PCM, decoded
  incrementally); Ogg, WebM/Matroska, FLAC, MP3, AIFF, AU and AMR are decoded
  incrementally by PyAV on a helper thread that reads from a blocking in-memory pipe.
  Containers that need seeking (MP4/M4A with the index at the end) may fail there.

Anything undecodable raises `AudioDecodeError`, whose message is fit to show a user.

Why this module is long: it is the one bridge from every audio shape a Deepgram client sends
(containers, raw encodings, live streams) to the recogniser's PCM; the decoders share the
resampler and the PCM converter, and callers see only the three entry points above.
"""

from __future__ import annotations

import io
import logging
import struct
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import av
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

TARGET_SAMPLE_RATE = 16000
"""The only rate PocketSphinx's en-us acoustic model accepts."""

RAW_ENCODINGS = frozenset({"linear16", "linear32", "mulaw", "alaw"})
"""Deepgram `encoding` values decoded here as headerless samples."""

CONTAINER_ENCODINGS = frozenset({"flac", "opus", "ogg-opus"})
"""Deepgram `encoding` values whose bytes are a self-describing stream (FLAC / Ogg Opus)."""

_WAV_HEADER_LIMIT = 1 << 20  # give up looking for the `data` chunk after 1 MiB
_SNIFF_BYTES = 12
_PIPE_STALL_SECONDS = 30.0

Pcm = npt.NDArray[np.int16]


class AudioDecodeError(ValueError):
    """The submitted bytes are not audio we can decode; the message is user-facing."""


@dataclass(frozen=True)
class DecodedAudio:
    """A decoded pre-recorded file: recogniser-ready samples plus facts about the source."""

    pcm: Pcm  # 16 kHz mono int16
    duration: float  # seconds of audio in the source
    channels: int  # channel count of the source
    sample_rate: int  # sample rate of the source
    channel_pcm: tuple[Pcm, ...] = ()  # with keep_channels: each channel alone, 16 kHz int16


def _empty() -> Pcm:
    return np.zeros(0, dtype=np.int16)


# --------------------------------------------------------------------------------------
# Sample conversion shared by the raw and WAV paths
# --------------------------------------------------------------------------------------


def _mulaw_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32)
    u = ~codes & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(codes & 0x80, magnitude, -magnitude).astype(np.int16)


_MULAW = _mulaw_table()
_ALAW = _alaw_table()

# sample format -> bytes per sample
_SAMPLE_WIDTH = {"u8": 1, "s16": 2, "s24": 3, "s32": 4, "f32": 4, "f64": 8, "mulaw": 1, "alaw": 1}


def _to_float(raw: bytes, sample_format: str) -> npt.NDArray[np.float64]:
    """Interpret little-endian interleaved samples as floats scaled to int16 range."""
    if sample_format == "s16":
        return np.frombuffer(raw, dtype="<i2").astype(np.float64)
    if sample_format == "s32":
        return np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    if sample_format == "s24":
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value & 0x800000, value - (1 << 24), value)
        return value.astype(np.float64) / 256.0
    if sample_format == "u8":
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    if sample_format == "f32":
        return np.frombuffer(raw, dtype="<f4").astype(np.float64) * 32767.0
    if sample_format == "f64":
        return np.frombuffer(raw, dtype="<f8") * 32767.0
    if sample_format == "mulaw":
        return _MULAW[np.frombuffer(raw, dtype=np.uint8)].astype(np.float64)
    if sample_format == "alaw":
        return _ALAW[np.frombuffer(raw, dtype=np.uint8)].astype(np.float64)
    raise AudioDecodeError(f"unsupported sample format {sample_format!r}")


class _Resampler:
    """Stateful mono int16 resampler to 16 kHz (a pass-through when already 16 kHz)."""

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._pts = 0
        self._inner = (
            None
            if rate == TARGET_SAMPLE_RATE
            else av.AudioResampler(format="s16", layout="mono", rate=TARGET_SAMPLE_RATE)
        )

    def push(self, pcm: Pcm) -> Pcm:
        if self._inner is None or pcm.size == 0:
            return pcm if self._inner is None else _empty()
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self._rate
        frame.pts = self._pts
        self._pts += pcm.size
        return _frames_to_pcm(self._inner.resample(frame))

    def flush(self) -> Pcm:
        if self._inner is None:
            return _empty()
        return _frames_to_pcm(self._inner.resample(None))


def _frames_to_pcm(frames: list[av.AudioFrame]) -> Pcm:
    if not frames:
        return _empty()
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.int16)


class _PcmConverter:
    """Incrementally converts interleaved samples of one format to 16 kHz mono int16.

    Keeps the bytes of a partial frame between calls, because clients chunk audio on
    arbitrary byte boundaries.
    """

    def __init__(
        self, sample_format: str, sample_rate: int, channels: int, *, keep_channels: bool = False
    ) -> None:
        if sample_format not in _SAMPLE_WIDTH:
            raise AudioDecodeError(f"unsupported sample format {sample_format!r}")
        if not 1 <= channels <= 64:
            raise AudioDecodeError(f"unsupported channel count {channels}")
        if not 1000 <= sample_rate <= 384000:
            raise AudioDecodeError(f"unsupported sample rate {sample_rate}")
        self.sample_format = sample_format
        self.sample_rate = sample_rate
        self.channels = channels
        self._frame_bytes = _SAMPLE_WIDTH[sample_format] * channels
        self._pending = b""
        self._resampler = _Resampler(sample_rate)
        # Multichannel: one resampler per channel, and what each channel produced so far.
        self._channel_resamplers = (
            [_Resampler(sample_rate) for _ in range(channels)] if keep_channels else []
        )
        self.channel_chunks: list[list[Pcm]] = [[] for _ in self._channel_resamplers]
        self.source_frames = 0  # sample frames (per channel) received so far

    def push(self, data: bytes) -> Pcm:
        data = self._pending + data
        usable = len(data) - len(data) % self._frame_bytes
        self._pending = data[usable:]
        if usable == 0:
            return _empty()
        samples = _to_float(data[:usable], self.sample_format)
        frames = samples.reshape(-1, self.channels)
        for index, resampler in enumerate(self._channel_resamplers):
            self.channel_chunks[index].append(resampler.push(_to_int16(frames[:, index])))
        if self.channels > 1:
            samples = frames.mean(axis=1)
        self.source_frames += samples.size
        return self._resampler.push(_to_int16(samples))

    def flush(self) -> Pcm:
        self._pending = b""
        for index, resampler in enumerate(self._channel_resamplers):
            self.channel_chunks[index].append(resampler.flush())
        return self._resampler.flush()


def _to_int16(samples: npt.NDArray[np.float64]) -> Pcm:
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


# --------------------------------------------------------------------------------------
# Streaming decoders
# --------------------------------------------------------------------------------------


class RawStreamDecoder:
    """Live headerless audio as Deepgram's `encoding`/`sample_rate`/`channels` describe it."""

    _FORMATS: ClassVar[dict[str, str]] = {
        "linear16": "s16",
        "linear32": "s32",
        "mulaw": "mulaw",
        "alaw": "alaw",
    }

    def __init__(
        self,
        encoding: str,
        sample_rate: int | None,
        channels: int | None,
        *,
        keep_channels: bool = False,
    ) -> None:
        """Validate the query parameters up front, so a bad request fails before any audio.

        `keep_channels`: also convert each channel on its own (`take_channels`)."""
        if encoding not in self._FORMATS:
            raise AudioDecodeError(f"unsupported encoding {encoding!r}")
        if sample_rate is None:
            raise AudioDecodeError("sample_rate is required when encoding is set")
        self._converter = _PcmConverter(
            self._FORMATS[encoding], sample_rate, channels or 1, keep_channels=keep_channels
        )

    @property
    def source_channels(self) -> int | None:
        """Channels in the source (as declared by the client)."""
        return self._converter.channels

    def push(self, data: bytes) -> Pcm:
        """Convert a chunk; a trailing partial sample is kept for the next chunk."""
        return self._converter.push(data)

    def finish(self) -> Pcm:
        """Flush the resampler; a dangling partial sample is dropped."""
        return self._converter.flush()

    def take_channels(self) -> list[Pcm]:
        """With `keep_channels`: each channel's samples converted since the last call."""
        chunks = self._converter.channel_chunks
        taken = [np.concatenate(c) if c else _empty() for c in chunks]
        for c in chunks:
            c.clear()
        return taken


def _parse_wav_header(buf: bytes) -> tuple[_PcmConverter, int, int | None] | None:
    """Parse a RIFF/WAVE header.

    Returns (converter, offset of the first sample, data size or None if unbounded), or
    None when more bytes are needed.
    """
    if len(buf) < 12:
        return None
    if buf[:4] != b"RIFF" or buf[8:12] != b"WAVE":
        raise AudioDecodeError("corrupt or unsupported data: not a WAV file")
    pos = 12
    fmt: bytes | None = None
    while True:
        if len(buf) < pos + 8:
            return None
        chunk_id = buf[pos : pos + 4]
        (size,) = struct.unpack_from("<I", buf, pos + 4)
        body = pos + 8
        if chunk_id == b"data":
            if fmt is None:
                raise AudioDecodeError("corrupt or unsupported data: WAV has no fmt chunk")
            converter = _wav_converter(fmt)
            bounded = size not in (0, 0xFFFFFFFF) and size < 0x7FFFFFF0
            return converter, body, (size if bounded else None)
        if len(buf) < body + size:
            if body + size > _WAV_HEADER_LIMIT:
                raise AudioDecodeError("corrupt or unsupported data: WAV header too large")
            return None
        if chunk_id == b"fmt ":
            fmt = buf[body : body + size]
        pos = body + size + (size & 1)


def _wav_converter(fmt: bytes) -> _PcmConverter:
    if len(fmt) < 16:
        raise AudioDecodeError("corrupt or unsupported data: WAV fmt chunk too short")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == 0xFFFE and len(fmt) >= 26:
        (tag,) = struct.unpack_from("<H", fmt, 24)  # first two bytes of the subformat GUID
    formats = {
        (1, 8): "u8",
        (1, 16): "s16",
        (1, 24): "s24",
        (1, 32): "s32",
        (3, 32): "f32",
        (3, 64): "f64",
        (6, 8): "alaw",
        (7, 8): "mulaw",
    }
    sample_format = formats.get((tag, bits))
    if sample_format is None:
        raise AudioDecodeError(f"unsupported WAV sample format (tag {tag}, {bits} bits)")
    return _PcmConverter(sample_format, rate, channels)


class _WavStreamDecoder:
    """WAV streamed as bytes: header parsed once, the rest converted as plain PCM."""

    def __init__(self) -> None:
        self._header = b""
        self._converter: _PcmConverter | None = None
        self._remaining: int | None = None

    @property
    def source_channels(self) -> int | None:
        return None if self._converter is None else self._converter.channels

    def push(self, data: bytes) -> Pcm:
        if self._converter is None:
            self._header += data
            parsed = _parse_wav_header(self._header)
            if parsed is None:
                return _empty()
            self._converter, offset, self._remaining = parsed
            data = self._header[offset:]
            self._header = b""
        if self._remaining is not None:
            data = data[: self._remaining]
            self._remaining -= len(data)
        return self._converter.push(data)

    def finish(self) -> Pcm:
        if self._converter is None:
            raise AudioDecodeError("corrupt or unsupported data: incomplete WAV header")
        return self._converter.flush()


class _BlockingPipe:
    """An in-memory byte pipe FFmpeg reads from on a helper thread.

    `read` blocks until bytes arrive or input ends; `wait_drained` lets the writer wait
    until the reader has consumed everything and is waiting again, which makes the
    decoded output after each `push` deterministic.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._buf = bytearray()
        self._eof = False
        self._starved = False
        self._done = False

    def read(self, size: int = -1) -> bytes:
        with self._cond:
            while not self._buf and not self._eof:
                self._starved = True
                self._cond.notify_all()
                self._cond.wait()
            self._starved = False
            n = len(self._buf) if size < 0 else min(size, len(self._buf))
            chunk = bytes(self._buf[:n])
            del self._buf[:n]
            return chunk

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._starved = False
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def mark_done(self) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def wait_drained(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self._done or (self._starved and not self._buf), timeout
            )


class _PyAVStreamDecoder:
    """Any container FFmpeg can demux without seeking, decoded as the bytes arrive."""

    def __init__(self, format_name: str | None) -> None:
        self._format = format_name
        self._pipe = _BlockingPipe()
        self._lock = threading.Lock()
        self._out: list[Pcm] = []
        self._error: AudioDecodeError | None = None
        self._channels: int | None = None
        self._thread = threading.Thread(target=self._run, name="audio-stream-decoder", daemon=True)
        self._started = False
        self._finished = False

    @property
    def source_channels(self) -> int | None:
        return self._channels

    def _run(self) -> None:
        try:
            with av.open(self._pipe, mode="r", format=self._format) as container:
                if not container.streams.audio:
                    raise AudioDecodeError("corrupt or unsupported data: no audio stream")
                stream = container.streams.audio[0]
                self._channels = stream.codec_context.layout.nb_channels or None
                resampler = av.AudioResampler(format="s16", layout="mono", rate=TARGET_SAMPLE_RATE)
                for frame in container.decode(stream):
                    pcm = _frames_to_pcm(resampler.resample(frame))
                    with self._lock:
                        self._out.append(pcm)
                pcm = _frames_to_pcm(resampler.resample(None))
                with self._lock:
                    self._out.append(pcm)
        except AudioDecodeError as exc:
            self._error = exc
        except Exception as exc:  # FFmpeg errors and anything PyAV raises on bad data
            logger.debug("streaming decode failed: %s", exc)
            self._error = AudioDecodeError(f"corrupt or unsupported data: {exc}")
        finally:
            self._pipe.mark_done()

    def _take(self) -> Pcm:
        with self._lock:
            chunks, self._out = self._out, []
        if self._error is not None:
            raise self._error
        return np.concatenate(chunks) if chunks else _empty()

    def push(self, data: bytes) -> Pcm:
        if not self._started:
            self._started = True
            self._thread.start()
        self._pipe.feed(data)
        if not self._pipe.wait_drained(_PIPE_STALL_SECONDS):
            raise AudioDecodeError("audio decoder stalled")
        return self._take()

    def finish(self) -> Pcm:
        if self._finished:
            return _empty()
        self._finished = True
        self._pipe.end()
        if self._started:
            self._thread.join(_PIPE_STALL_SECONDS)
        return self._take()

    def abort(self) -> None:
        """Let the helper thread exit without waiting for it (connection dropped)."""
        self._pipe.end()


def sniff_container(head: bytes) -> str | None:
    """Name the container from its magic bytes ("wav", or an FFmpeg demuxer name).

    Returns None when the bytes match no audio container we stream; callers treat that
    as undecodable instead of letting FFmpeg wait for a format it will never find.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] in (b"RF64", b"BW64"):
        return "wav_ffmpeg"  # 64-bit WAV variants: FFmpeg's wav demuxer handles them
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3":
        return "mp3"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b".snd":
        return "au"
    if head[:5] == b"#!AMR":
        return "amr"
    if head[4:8] == b"ftyp":
        return "mov"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3"
    return None


class ContainerStreamDecoder:
    """Live audio with no `encoding`: WAV is parsed here, other containers go to PyAV."""

    def __init__(self) -> None:
        self._head = b""
        self._inner: _WavStreamDecoder | _PyAVStreamDecoder | None = None

    @property
    def source_channels(self) -> int | None:
        """Channels in the source, once the header has been seen."""
        return None if self._inner is None else self._inner.source_channels

    def push(self, data: bytes) -> Pcm:
        """Decode a chunk; raises AudioDecodeError as soon as the bytes are not audio."""
        if self._inner is None:
            self._head += data
            if len(self._head) < _SNIFF_BYTES:
                return _empty()
            self._inner = self._open(self._head)
            data, self._head = self._head, b""
        return self._inner.push(data)

    def finish(self) -> Pcm:
        """Flush the remaining samples; a stream too short to identify is an error."""
        if self._inner is None:
            if not self._head:
                return _empty()
            raise AudioDecodeError("corrupt or unsupported data: stream too short")
        return self._inner.finish()

    def abort(self) -> None:
        """Release a helper thread, if any, without flushing."""
        if isinstance(self._inner, _PyAVStreamDecoder):
            self._inner.abort()

    @staticmethod
    def _open(head: bytes) -> _WavStreamDecoder | _PyAVStreamDecoder:
        kind = sniff_container(head)
        if kind is None:
            raise AudioDecodeError("corrupt or unsupported data")
        if kind == "wav":
            return _WavStreamDecoder()
        logger.debug("streaming %s via PyAV", kind)
        return _PyAVStreamDecoder("wav" if kind == "wav_ffmpeg" else kind)


def open_stream_decoder(
    encoding: str | None,
    sample_rate: int | None,
    channels: int | None,
    *,
    keep_channels: bool = False,
) -> RawStreamDecoder | ContainerStreamDecoder:
    """Pick the decoder for a live stream from Deepgram's query parameters.

    Raises AudioDecodeError for an unsupported `encoding` or a missing `sample_rate`,
    so the caller can reject the request before audio flows.
    """
    if encoding is None:
        return ContainerStreamDecoder()
    encoding = encoding.lower()
    if encoding in CONTAINER_ENCODINGS:
        return ContainerStreamDecoder()
    return RawStreamDecoder(encoding, sample_rate, channels, keep_channels=keep_channels)


# --------------------------------------------------------------------------------------
# Whole files
# --------------------------------------------------------------------------------------


def decode_audio(
    data: bytes,
    *,
    encoding: str | None = None,
    sample_rate: int | None = None,
    channels: int | None = None,
    keep_channels: bool = False,
) -> DecodedAudio:
    """Decode a whole pre-recorded upload to 16 kHz mono int16.

    Without `encoding` the container is detected by FFmpeg (WAV, FLAC, MP3, Ogg/Opus,
    WebM, AIFF, ...). With a raw `encoding` (linear16, linear32, mulaw, alaw) the bytes are
    headerless samples described by `sample_rate` and `channels`, as in Deepgram's API.
    Duration and channel count describe the source, for Deepgram's response metadata.
    `keep_channels` (Deepgram's `multichannel`) also gives each channel on its own.
    """
    if not data:
        raise AudioDecodeError("no audio data received")
    if encoding is not None and encoding.lower() in RAW_ENCODINGS:
        return _decode_raw(data, encoding.lower(), sample_rate, channels, keep_channels)
    return _decode_container(data, keep_channels)


def _decode_raw(
    data: bytes,
    encoding: str,
    sample_rate: int | None,
    channels: int | None,
    keep_channels: bool,
) -> DecodedAudio:
    decoder = RawStreamDecoder(encoding, sample_rate, channels, keep_channels=keep_channels)
    pcm = np.concatenate([decoder.push(data), decoder.finish()])
    converter = decoder._converter
    if converter.source_frames == 0:
        raise AudioDecodeError("no audio samples found")
    return DecodedAudio(
        pcm=pcm,
        duration=converter.source_frames / converter.sample_rate,
        channels=converter.channels,
        sample_rate=converter.sample_rate,
        channel_pcm=tuple(decoder.take_channels()),
    )


def _decode_container(data: bytes, keep_channels: bool = False) -> DecodedAudio:
    source_samples = 0
    chunks: list[Pcm] = []
    planar: list[npt.NDArray[Any]] = []  # keep_channels: (channels, samples) blocks
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioDecodeError("corrupt or unsupported data: no audio stream")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate or stream.rate
            channel_count = stream.codec_context.layout.nb_channels
            resampler = av.AudioResampler(format="s16", layout="mono", rate=TARGET_SAMPLE_RATE)
            # Each channel kept apart: planar 16-bit in the source's own layout, at 16 kHz.
            split = (
                av.AudioResampler(
                    format="s16p", layout=stream.codec_context.layout, rate=TARGET_SAMPLE_RATE
                )
                if keep_channels
                else None
            )
            for frame in container.decode(stream):
                source_samples += frame.samples
                rate = frame.sample_rate or rate
                channel_count = frame.layout.nb_channels or channel_count
                chunks.append(_frames_to_pcm(resampler.resample(frame)))
                if split is not None:
                    planar += [f.to_ndarray() for f in split.resample(frame)]
            chunks.append(_frames_to_pcm(resampler.resample(None)))
            if split is not None:
                planar += [f.to_ndarray() for f in split.resample(None)]
    except AudioDecodeError:
        raise
    except Exception as exc:  # av.FFmpegError and friends: the bytes are not audio we know
        logger.debug("decode failed: %s", exc)
        raise AudioDecodeError("corrupt or unsupported data") from exc
    if source_samples == 0 or not rate:
        raise AudioDecodeError("corrupt or unsupported data: no audio samples found")
    channel_pcm: tuple[Pcm, ...] = ()
    if planar:
        joined = np.concatenate(planar, axis=1).astype(np.int16)
        channel_pcm = tuple(np.ascontiguousarray(row) for row in joined)
    return DecodedAudio(
        pcm=np.concatenate(chunks),
        duration=source_samples / rate,
        channels=max(1, channel_count),
        sample_rate=rate,
        channel_pcm=channel_pcm,
    )
