from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl

import pytest

from inspector.core.listen_options import (
    DEFAULT_ENDPOINTING_MS,
    AudioEncoding,
    CallbackMethod,
    DiarizeModel,
    ListenOptionError,
    ListenOptions,
    parse_listen_options,
)


def parse(query: str, *, streaming: bool = False) -> ListenOptions:
    return parse_listen_options(parse_qsl(query, keep_blank_values=True), streaming=streaming)


def test_defaults() -> None:
    options = parse("")
    assert options == ListenOptions()
    assert options.model == "nova-3"
    assert options.language == "en"
    assert options.utt_split == 0.8
    assert options.callback is None
    assert options.callback_method is CallbackMethod.POST
    assert options.endpointing == DEFAULT_ENDPOINTING_MS == 10
    assert not options.punctuate and not options.paragraphs and not options.diarize


def test_booleans_any_case() -> None:
    options = parse("punctuate=TRUE&diarize=True&utterances=true&paragraphs=false")
    assert options.punctuate and options.diarize and options.utterances
    assert not options.paragraphs


def test_smart_format_implies_punctuation_and_paragraphs() -> None:
    options = parse("smart_format=true&punctuate=false")
    assert options.smart_format
    assert options.punctuate and options.paragraphs


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ("punctuate=maybe", "punctuate", "maybe"),
        ("diarize=", "diarize", ""),
        ("utt_split=soon", "utt_split", "soon"),
        ("utt_split=-1", "utt_split", "-1"),
        ("callback_method=get", "callback_method", "get"),
        ("extra=novalue", "extra", "novalue"),
        ("extra=:v", "extra", ":v"),
        ("encoding=mp3000", "encoding", "mp3000"),
        ("diarize_model=v9", "diarize_model", "v9"),
    ],
)
def test_malformed_values_are_refused_with_the_value(query: str, param: str, value: str) -> None:
    with pytest.raises(ListenOptionError) as caught:
        parse(query)
    assert caught.value.param == param
    assert caught.value.value == value
    assert isinstance(caught.value, ValueError)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("sample_rate=abc", "sample_rate"),
        ("sample_rate=0", "sample_rate"),
        ("channels=two", "channels"),
        ("interim_results=yes", "interim_results"),
        ("endpointing=soon", "endpointing"),
        ("endpointing=-5", "endpointing"),
        ("utterance_end_ms=1.5", "utterance_end_ms"),
        ("vad_events=1", "vad_events"),
        ("diarize_model=v2", "diarize_model"),  # [OAS]: v2 is a validation error on streaming
    ],
)
def test_malformed_streaming_values(query: str, param: str) -> None:
    with pytest.raises(ListenOptionError) as caught:
        parse(query, streaming=True)
    assert caught.value.param == param


def test_streaming_only_parameters_ignored_for_pre_recorded() -> None:
    options = parse("sample_rate=abc&interim_results=maybe", streaming=False)
    assert options.sample_rate is None
    assert not options.interim_results
    assert {w.parameter: w.type for w in options.warnings} == {
        "sample_rate": "unsupported_mode",
        "interim_results": "unsupported_mode",
    }


def test_callback_method_any_case() -> None:
    assert parse("callback_method=put").callback_method is CallbackMethod.PUT
    assert parse("callback_method=Post").callback_method is CallbackMethod.POST


def test_extra_repeated_last_wins_and_value_may_hold_colons() -> None:
    options = parse("extra=a:1&extra=b:http://x:8080&extra=a:2")
    assert dict(options.extra) == {"a": "2", "b": "http://x:8080"}


def test_tags_repeated_in_order() -> None:
    assert parse("tag=one&tag=two&tag=one").tags == ("one", "two", "one")


def test_unknown_and_not_emulated_parameters_change_nothing_but_are_warned() -> None:
    options = parse("frobnicate=yes&keyterm=a&keyterm=b")
    assert dataclasses.replace(options, warnings=()) == ListenOptions()
    assert [(w.parameter, w.type) for w in options.warnings] == [
        ("frobnicate", "unknown_parameter"),
        ("keyterm", "not_emulated"),
    ]


def test_repeated_single_value_last_wins() -> None:
    assert parse("model=nova-2&model=base").model == "base"


def test_callback_kept_verbatim() -> None:
    options = parse("callback=https%3A%2F%2Fu%3Ap%40example.com%2Fhook%3Fa%3D1")
    assert options.callback == "https://u:p@example.com/hook?a=1"


def test_streaming_options() -> None:
    options = parse(
        "encoding=LINEAR16&sample_rate=16000&channels=2&interim_results=true"
        "&endpointing=300&utterance_end_ms=1000&vad_events=true&diarize_model=latest",
        streaming=True,
    )
    assert options.streaming
    assert options.encoding is AudioEncoding.LINEAR16
    assert options.sample_rate == 16000
    assert options.channels == 2
    assert options.interim_results and options.vad_events
    assert options.endpointing == 300
    assert options.utterance_end_ms == 1000
    assert options.diarize_model is DiarizeModel.LATEST
    assert options.diarize


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", False), ("FALSE", False), ("0", False), ("true", 10), ("25", 25)],
)
def test_endpointing(value: str, expected: int | bool) -> None:
    result = parse(f"endpointing={value}", streaming=True).endpointing
    assert result == expected
    assert type(result) is type(expected)  # False stays a bool, never the int 0
