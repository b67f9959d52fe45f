"""Real PocketSphinx recognition of the bundled samples, pre-recorded and streamed."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import wave
from pathlib import Path

import numpy as np
import pytest

from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription
from inspector.engine.emulator.asr_worker import AsrWorker
from inspector.engine.emulator.audio import AudioDecodeError
from inspector.engine.emulator.transcriber import PocketSphinxTranscriber
from tests.samples import sample_wavs, shortest_sample, wav_file, word_overlap

CHUNK = 3200  # 100 ms of 16 kHz linear16
STREAMED = "callback.wav"  # longest sample, two phrases: exercises an endpoint mid-stream


@pytest.fixture(scope="module")
def transcriber() -> PocketSphinxTranscriber:
    return PocketSphinxTranscriber()


@pytest.fixture(scope="module")
def transcriptions(transcriber: PocketSphinxTranscriber) -> dict[str, Transcription]:
    return {wav.name: transcriber.transcribe(wav.read_bytes()) for wav in sample_wavs()}


def pcm_of(wav: Path) -> bytes:
    with wave.open(str(wav)) as w:
        return w.readframes(w.getnframes())


def text(words) -> str:
    return " ".join(w.word for w in words)


def final_words(updates: list[StreamUpdate]) -> list:
    return [w for u in updates if u.kind is StreamUpdateKind.FINAL for w in u.words]


@pytest.fixture(scope="module")
def streamed(transcriber: PocketSphinxTranscriber) -> tuple[list[StreamUpdate], float, Path]:
    """The longest sample fed as 100 ms linear16 chunks, then Finalize."""
    wav = next(w for w in sample_wavs() if w.name == STREAMED)
    pcm = pcm_of(wav)
    stream = transcriber.open_stream(encoding="linear16", sample_rate=16000, channels=1)
    updates: list[StreamUpdate] = []
    for i in range(0, len(pcm), CHUNK):
        updates += stream.feed(pcm[i : i + CHUNK])
    updates += stream.finalize()
    seconds = stream.audio_seconds
    stream.close()
    return updates, seconds, wav


# -- pre-recorded ------------------------------------------------------------------------


@pytest.mark.parametrize("wav", sample_wavs(), ids=lambda p: p.stem)
def test_transcript_shares_most_words_with_the_sample_text(transcriptions, wav: Path) -> None:
    words = transcriptions[wav.name].words
    assert word_overlap(text(words), wav) >= 0.6, text(words)


@pytest.mark.parametrize("wav", sample_wavs(), ids=lambda p: p.stem)
def test_transcript_metadata_describes_the_submitted_file(transcriptions, wav: Path) -> None:
    result = transcriptions[wav.name]
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert result.duration == pytest.approx(seconds, abs=0.01)
    assert result.channels == 1
    assert result.sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()


def test_words_are_ordered_within_the_audio_with_unit_confidence(transcriptions) -> None:
    for result in transcriptions.values():
        assert result.words
        previous_end = 0.0
        for word in result.words:
            assert previous_end <= word.start <= word.end <= result.duration
            assert 0.0 <= word.confidence <= 1.0
            previous_end = word.end


def test_words_are_plain_lower_case_without_filler_or_variant_markers(transcriptions) -> None:
    for result in transcriptions.values():
        for word in result.words:
            assert word.word == word.word.lower()
            assert not set(word.word) & set("<>[]()+"), word.word


def test_confidence_reflects_the_recogniser_posterior_not_a_constant(transcriptions) -> None:
    confidences = {w.confidence for r in transcriptions.values() for w in r.words}
    assert len(confidences) > 3


def test_silence_transcribes_to_no_words(transcriber: PocketSphinxTranscriber) -> None:
    silence = np.zeros(32000, dtype=np.int16).tobytes()
    result = transcriber.transcribe(silence, encoding="linear16", sample_rate=16000)
    assert result.words == ()
    assert result.duration == pytest.approx(2.0)


@pytest.mark.parametrize("payload", [b"", os.urandom(3000), b'{"url": "https://x.test/a.wav"}'])
def test_undecodable_upload_raises_audio_decode_error(
    transcriber: PocketSphinxTranscriber, payload: bytes
) -> None:
    with pytest.raises(AudioDecodeError):
        transcriber.transcribe(payload)


def wav_bytes(pcm: bytes) -> bytes:
    return wav_file(pcm)


@pytest.fixture(scope="module")
def two_samples() -> bytes:
    """Two samples back to back: four segments, enough to cut into parts."""
    first, second = sample_wavs()[:2]
    return wav_bytes(pcm_of(first) + bytes(16000) + pcm_of(second))


def test_a_reused_decoder_gives_the_same_words(transcriber, transcriptions) -> None:
    wav = shortest_sample()
    transcriber.transcribe(sample_wavs()[0].read_bytes())  # leaves its state in a decoder
    assert transcriber.transcribe(wav.read_bytes()) == transcriptions[wav.name]


def test_parts_of_a_file_joined_are_the_whole_transcript(transcriber, two_samples) -> None:
    whole = transcriber.transcribe(two_samples)
    first = transcriber.transcribe_part(two_samples, 0, 2)
    second = transcriber.transcribe_part(two_samples, 1, 2)
    assert first.words and second.words  # really cut in two
    assert first.words + second.words == whole.words
    for part in (first, second):
        assert (part.duration, part.channels, part.sha256) == (
            whole.duration,
            whole.channels,
            whole.sha256,
        )


def test_a_part_beyond_the_segments_is_empty_but_described(transcriber) -> None:
    wav = shortest_sample()
    parts = [transcriber.transcribe_part(wav.read_bytes(), i, 5) for i in range(5)]
    assert [w for p in parts for w in p.words] == [
        w for w in transcriber.transcribe(wav.read_bytes()).words
    ]
    assert any(not p.words for p in parts)
    assert all(p.duration == parts[0].duration for p in parts)


def test_worker_splits_files_across_processes_with_the_same_words(transcriber, two_samples) -> None:
    expected = transcriber.transcribe(two_samples)

    async def run() -> tuple[list, list[int]]:
        worker = AsrWorker("test", parallel=2)
        worker.start()
        try:
            results, used = [], []
            for _ in range(2):  # the first file starts the helper process
                used.append(worker.processes)
                results.append(await worker.transcribe(two_samples))
                await worker.wait_ready()
            with pytest.raises(AudioDecodeError):  # both parts fail alike
                await worker.transcribe(os.urandom(3000))
            return results, used
        finally:
            await worker.stop()

    results, used = asyncio.run(run())
    assert used == [1, 2]
    assert results == [expected, expected]


# -- streaming ---------------------------------------------------------------------------


def test_stream_final_words_share_most_words_with_the_sample_text(streamed) -> None:
    updates, _, wav = streamed
    assert word_overlap(text(final_words(updates)), wav) >= 0.6


def test_stream_finals_equal_the_pre_recorded_transcript(streamed, transcriptions) -> None:
    updates, _, wav = streamed
    assert text(final_words(updates)) == text(transcriptions[wav.name].words)


def test_stream_reports_speech_start_then_interims_then_an_endpoint_final(streamed) -> None:
    updates, _, _ = streamed
    kinds = [u.kind for u in updates]
    assert kinds[0] is StreamUpdateKind.SPEECH_STARTED
    first_final = kinds.index(StreamUpdateKind.FINAL)
    assert StreamUpdateKind.INTERIM in kinds[:first_final]
    endpoint_finals = [u for u in updates if u.kind is StreamUpdateKind.FINAL and u.speech_final]
    assert len(endpoint_finals) >= 2  # one per phrase: the 700 ms pause is an endpoint
    assert all(u.words and not u.from_finalize for u in endpoint_finals)


def test_stream_interims_are_never_final_and_grow_within_a_segment(streamed) -> None:
    updates, _, _ = streamed
    interims = [u for u in updates if u.kind is StreamUpdateKind.INTERIM]
    assert interims
    assert not any(u.speech_final or u.from_finalize for u in interims)
    for earlier, later in itertools.pairwise(interims):
        if earlier.start == later.start:  # same open segment
            assert later.end > earlier.end


def test_stream_finals_tile_the_audio_and_finalize_closes_it(streamed) -> None:
    updates, seconds, wav = streamed
    finals = [u for u in updates if u.kind is StreamUpdateKind.FINAL]
    assert finals[0].start == 0.0
    for earlier, later in itertools.pairwise(finals):
        assert later.start == earlier.end
    assert finals[-1].from_finalize and not finals[-1].speech_final
    assert finals[-1].end == pytest.approx(seconds, abs=0.001)
    with wave.open(str(wav)) as w:
        assert seconds == pytest.approx(w.getnframes() / w.getframerate(), abs=0.001)


def test_stream_word_times_are_absolute_and_inside_their_final(streamed) -> None:
    updates, _, _ = streamed
    finals = [u for u in updates if u.kind is StreamUpdateKind.FINAL and u.words]
    assert finals[-1].words[0].start > 2.0  # second phrase: not reset per segment
    for final in finals:
        for word in final.words:
            assert final.start - 0.3 <= word.start <= word.end <= final.end


def test_wav_stream_without_encoding_is_recognised(
    transcriber: PocketSphinxTranscriber,
) -> None:
    wav = shortest_sample()
    data = wav.read_bytes()
    stream = transcriber.open_stream(encoding=None, sample_rate=None, channels=None)
    updates: list[StreamUpdate] = []
    for i in range(0, len(data), 4000):
        updates += stream.feed(data[i : i + 4000])
    updates += stream.close()
    assert word_overlap(text(final_words(updates)), wav) >= 0.6
    assert stream.source_channels == 1
    last = updates[-1]
    assert last.kind is StreamUpdateKind.FINAL and not last.from_finalize


def test_endpointing_disabled_still_finalises_but_never_speech_final(
    transcriber: PocketSphinxTranscriber,
) -> None:
    pcm = pcm_of(shortest_sample())[: 16000 * 2 * 3]  # first phrase and the pause after it
    stream = transcriber.open_stream(
        encoding="linear16", sample_rate=16000, channels=1, endpointing_ms=None
    )
    updates = stream.feed(pcm) + stream.close()
    finals = [u for u in updates if u.kind is StreamUpdateKind.FINAL]
    assert any(u.words for u in finals)
    assert not any(u.speech_final for u in finals)


def test_garbage_stream_without_encoding_raises(transcriber: PocketSphinxTranscriber) -> None:
    stream = transcriber.open_stream(encoding=None, sample_rate=None, channels=None)
    with pytest.raises(AudioDecodeError):
        stream.feed(os.urandom(2048))
    stream.close()


def test_finalize_without_speech_gives_one_empty_final_and_closed_stream_rejects_audio(
    transcriber: PocketSphinxTranscriber,
) -> None:
    stream = transcriber.open_stream(encoding="linear16", sample_rate=16000, channels=1)
    assert stream.feed(bytes(16000)) == []  # 0.5 s of silence
    (final,) = stream.finalize()
    assert (final.kind, final.words, final.from_finalize) == (StreamUpdateKind.FINAL, (), True)
    assert final.end == pytest.approx(0.5)
    stream.close()
    assert stream.close() == []
    with pytest.raises(RuntimeError):
        stream.feed(bytes(3200))
