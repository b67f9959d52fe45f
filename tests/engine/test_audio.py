"""Audio decoding for the Deepgram emulator: files, raw streams and container streams."""

from __future__ import annotations

import io
import json
import os
import struct
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from av.audio.codeccontext import AudioCodecContext

from inspector.engine.emulator.audio import (
    AudioDecodeError,
    ContainerStreamDecoder,
    RawStreamDecoder,
    decode_audio,
    open_stream_decoder,
)
from tests.samples import shortest_sample

RATE = 16000


@pytest.fixture(scope="module")
def sample() -> Path:
    return shortest_sample()


@pytest.fixture(scope="module")
def sample_pcm(sample: Path) -> np.ndarray:
    with wave.open(str(sample)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def encode(pcm: np.ndarray, fmt: str, codec: str, rate: int, layout: str = "mono") -> bytes:
    """Encode 16 kHz mono int16 samples into a container with PyAV."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        assert isinstance(stream, av.AudioStream)
        resampler = av.AudioResampler(format=stream.codec_context.format, layout=layout, rate=rate)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = 0
        for converted in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def wav_bytes(samples: np.ndarray, rate: int, channels: int, width: int = 2) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def sine(freq: float, seconds: float, rate: int, amplitude: float = 12000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def dominant_frequency(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.fft.rfftfreq(pcm.size, 1 / rate)[int(np.argmax(spectrum))])


# -- whole files -------------------------------------------------------------------------


def test_wav_sample_decodes_to_identical_16k_mono_samples(sample: Path, sample_pcm) -> None:
    decoded = decode_audio(sample.read_bytes())
    assert decoded.pcm.dtype == np.int16
    assert np.array_equal(decoded.pcm, sample_pcm)
    assert decoded.duration == pytest.approx(sample_pcm.size / RATE)
    assert (decoded.channels, decoded.sample_rate) == (1, RATE)


def test_stereo_44k_wav_is_downmixed_and_resampled_but_reports_source_shape() -> None:
    left = sine(440, 1.0, 44100)
    stereo = np.stack([left, left], axis=1).reshape(-1)
    decoded = decode_audio(wav_bytes(stereo, 44100, 2))
    assert decoded.channels == 2
    assert decoded.sample_rate == 44100
    assert decoded.duration == pytest.approx(1.0)
    assert abs(decoded.pcm.size - RATE) <= 32
    assert dominant_frequency(decoded.pcm, RATE) == pytest.approx(440, abs=2)
    assert rms(decoded.pcm) == pytest.approx(rms(left), rel=0.05)


@pytest.mark.parametrize(
    ("fmt", "codec", "rate"),
    [
        ("ogg", "libopus", 48000),
        ("webm", "libopus", 48000),
        ("mp3", "libmp3lame", 44100),
        ("flac", "flac", 16000),
    ],
)
def test_compressed_containers_decode_to_the_same_length_and_loudness(
    sample_pcm, fmt: str, codec: str, rate: int
) -> None:
    decoded = decode_audio(encode(sample_pcm, fmt, codec, rate))
    source_seconds = sample_pcm.size / RATE
    assert decoded.duration == pytest.approx(source_seconds, abs=0.06)
    assert decoded.pcm.size == pytest.approx(sample_pcm.size, abs=0.06 * RATE)
    assert rms(decoded.pcm) == pytest.approx(rms(sample_pcm), rel=0.2)
    if codec == "flac":  # lossless: every sample survives
        assert np.array_equal(decoded.pcm, sample_pcm)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        os.urandom(4096),
        json.dumps({"url": "https://example.com/a.wav"}).encode(),
        b"hello world " * 200,
        b"RIFF\x00\x00\x00\x00WAVEjunk",
    ],
    ids=["empty", "random", "json", "text", "truncated-riff"],
)
def test_undecodable_bytes_raise_audio_decode_error(payload: bytes) -> None:
    with pytest.raises(AudioDecodeError) as info:
        decode_audio(payload)
    assert isinstance(info.value, ValueError)
    assert str(info.value)


def test_headerless_linear16_decodes_with_encoding_and_sample_rate() -> None:
    tone = sine(300, 0.5, 8000)
    decoded = decode_audio(tone.tobytes(), encoding="linear16", sample_rate=8000, channels=1)
    assert decoded.duration == pytest.approx(0.5)
    assert decoded.sample_rate == 8000
    assert abs(decoded.pcm.size - RATE // 2) <= 32
    assert dominant_frequency(decoded.pcm, RATE) == pytest.approx(300, abs=3)


# -- raw streams -------------------------------------------------------------------------


def g711(codec: str, pcm: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Encode with FFmpeg's G.711 encoder; return the bytes and FFmpeg's own decoding."""
    encoder = av.CodecContext.create(codec, "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate = RATE
    encoder.layout = "mono"
    encoder.format = "s16"
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = RATE
    encoded = b"".join(bytes(p) for p in encoder.encode(frame) + encoder.encode(None))
    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, AudioCodecContext)
    decoder.sample_rate = RATE
    decoder.layout = "mono"
    frames = decoder.decode(av.Packet(encoded))
    return encoded, np.concatenate([f.to_ndarray().reshape(-1) for f in frames])


@pytest.mark.parametrize(("encoding", "codec"), [("mulaw", "pcm_mulaw"), ("alaw", "pcm_alaw")])
def test_g711_stream_matches_ffmpeg_decoding(encoding: str, codec: str) -> None:
    ramp = np.linspace(-32000, 32000, 4000).astype(np.int16)
    encoded, expected = g711(codec, ramp)
    decoder = RawStreamDecoder(encoding, RATE, 1)
    got = np.concatenate([decoder.push(encoded[:1001]), decoder.push(encoded[1001:])])
    assert np.array_equal(got, expected)


def test_linear32_stream_scales_to_16_bit() -> None:
    tone = sine(500, 0.2, RATE)
    as32 = (tone.astype(np.int32) << 16).astype("<i4").tobytes()
    decoder = RawStreamDecoder("linear32", RATE, 1)
    assert np.array_equal(decoder.push(as32), tone)


def test_linear16_stream_is_independent_of_chunk_boundaries_and_downmixes() -> None:
    left, right = sine(400, 0.5, 8000), np.zeros(4000, dtype=np.int16)
    data = np.stack([left, right], axis=1).reshape(-1).tobytes()
    whole = open_stream_decoder("linear16", 8000, 2)
    expected = np.concatenate([whole.push(data), whole.finish()])
    chunked = open_stream_decoder("linear16", 8000, 2)
    parts = [chunked.push(data[i : i + 7]) for i in range(0, len(data), 7)]
    got = np.concatenate([*parts, chunked.finish()])
    assert np.array_equal(got, expected)
    assert abs(got.size - 8000) <= 32  # 0.5 s at 16 kHz
    assert rms(got) == pytest.approx(rms(left) / 2, rel=0.05)


@pytest.mark.parametrize(
    ("encoding", "sample_rate"), [("linear16", None), ("speex", 16000), ("g729", 8000)]
)
def test_raw_stream_rejects_missing_rate_or_unsupported_encoding(
    encoding: str, sample_rate: int | None
) -> None:
    with pytest.raises(AudioDecodeError):
        open_stream_decoder(encoding, sample_rate, 1)


# -- container streams -------------------------------------------------------------------


def test_wav_stream_parses_header_across_chunks(sample: Path, sample_pcm) -> None:
    data = sample.read_bytes()
    decoder = open_stream_decoder(None, None, None)
    parts = [decoder.push(data[i : i + 37]) for i in range(0, len(data), 37)]
    assert np.array_equal(np.concatenate([*parts, decoder.finish()]), sample_pcm)
    assert decoder.source_channels == 1


def test_wav_stream_ignores_chunks_after_the_declared_data() -> None:
    tone = sine(300, 0.25, RATE)
    data = wav_bytes(tone, RATE, 1) + b"LIST" + struct.pack("<I", 4) + b"INFO"
    decoder = ContainerStreamDecoder()
    got = np.concatenate([decoder.push(data), decoder.finish()])
    assert np.array_equal(got, tone)


def test_wav_stream_with_unbounded_size_decodes_24_bit_stereo_at_48k() -> None:
    tone = sine(1000, 0.3, 48000)
    samples24 = np.stack([tone, tone], axis=1).reshape(-1).astype(np.int32) << 8
    body = b"".join(int(s).to_bytes(3, "little", signed=True) for s in samples24)
    header = wav_bytes(np.zeros(0, dtype=np.int16), 48000, 2, width=3)
    streamed = header[:-4] + struct.pack("<I", 0xFFFFFFFF)  # live writers don't know the size
    decoder = ContainerStreamDecoder()
    got = np.concatenate([decoder.push(streamed), decoder.push(body), decoder.finish()])
    assert abs(got.size - int(0.3 * RATE)) <= 32
    assert dominant_frequency(got, RATE) == pytest.approx(1000, abs=5)
    assert decoder.source_channels == 2


def test_ogg_opus_stream_yields_audio_before_the_stream_ends(sample_pcm) -> None:
    data = encode(sample_pcm, "ogg", "libopus", 48000)
    chunks = [data[i : i + 2000] for i in range(0, len(data), 2000)]
    decoder = ContainerStreamDecoder()
    produced_early = sum(decoder.push(chunk).size for chunk in chunks[:-1])
    total = produced_early + decoder.push(chunks[-1]).size + decoder.finish().size
    assert produced_early > sample_pcm.size // 2
    assert total == pytest.approx(sample_pcm.size, abs=0.06 * RATE)


def test_webm_opus_stream_decodes_the_whole_stream(sample_pcm) -> None:
    data = encode(sample_pcm, "webm", "libopus", 48000)
    decoder = open_stream_decoder(None, None, None)
    parts = [decoder.push(data[i : i + 1500]) for i in range(0, len(data), 1500)]
    got = np.concatenate([*parts, decoder.finish()])
    assert got.size == pytest.approx(sample_pcm.size, abs=0.06 * RATE)
    assert rms(got) == pytest.approx(rms(sample_pcm), rel=0.2)


def test_container_stream_rejects_garbage_on_first_push() -> None:
    decoder = open_stream_decoder(None, None, None)
    with pytest.raises(AudioDecodeError):
        decoder.push(os.urandom(64))


def test_container_stream_too_short_to_identify_fails_at_finish() -> None:
    decoder = ContainerStreamDecoder()
    assert decoder.push(b"RIF").size == 0
    with pytest.raises(AudioDecodeError):
        decoder.finish()
