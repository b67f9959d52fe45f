"""Acceptance 1 of issue 20: every `/v1/listen` parameter of both specs is in the table, and
a request with it gives a spec-valid reply that shows its fields or a warning naming it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from deepgram import ListenV1Response
from deepgram.listen.v1 import ListenV1Metadata, ListenV1Results

from inspector.core.listen_options import parse_listen_options
from inspector.core.listen_parameters import PARAMETERS, Handling, ListenWarning, Mode
from inspector.core.listen_response import (
    build_listen_response,
    build_results_message,
    build_stream_metadata,
)
from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word
from tests.deepgram_schemas import SPEC_DIR, validate_rest, validate_stream

REQUEST_ID = "0b9c6a0e-3c5f-4a55-9d3e-7f1a2b3c4d5e"
CREATED = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
README = Path(__file__).parents[2] / "README.md"


def _words(text: str, start: float) -> list[Word]:
    return [
        Word(w, round(start + 0.4 * i, 3), round(start + 0.4 * i + 0.3, 3), 0.9)
        for i, w in enumerate(text.split())
    ]


# Three sentences a second apart: a request, numbers, an opinion with a name and profanity.
WORDS = tuple(
    _words("please call me back at nine o'clock tomorrow morning", 0.0)
    + _words("one two three four five six seven eight nine ten", 5.0)
    + _words("john said the damn weather is great um today it weighs five kilograms", 10.0)
)
TRANSCRIPTION = Transcription(WORDS, duration=16.0, channels=1, sha256="ab" * 32)
FINAL = StreamUpdate(StreamUpdateKind.FINAL, 0.0, 16.0, WORDS, speech_final=True)


def _spec_parameters() -> tuple[list[str], list[str]]:
    openapi = yaml.safe_load((SPEC_DIR / "openapi.yml").read_text())
    asyncapi = yaml.safe_load((SPEC_DIR / "asyncapi.yml").read_text())
    post = openapi["paths"]["/v1/listen"]["post"]["parameters"]
    live = asyncapi["channels"]["/v1/listen"]["bindings"]["ws"]["query"]["properties"]
    return [p["name"] for p in post if p["in"] == "query"], list(live)


PRERECORDED, LIVE = _spec_parameters()


def _at(body: Any, path: str) -> list[Any]:
    """Every value at `path` ("results.channels[].search"); [] when absent."""
    values = [body]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        values = [v[key] for v in values if isinstance(v, dict) and key in v]
        if many:
            values = [item for v in values for item in v]
    return values


def _prerecorded(query: list[tuple[str, str]]) -> dict[str, Any]:
    options = parse_listen_options(query, streaming=False)
    return build_listen_response(TRANSCRIPTION, options, request_id=REQUEST_ID, created=CREATED)


def _warned(body: dict[str, Any], name: str) -> list[dict[str, str]]:
    return [w for w in body["metadata"].get("warnings", []) if w["parameter"] == name]


def test_the_specs_list_the_parameters_the_table_was_built_from() -> None:
    assert len(PRERECORDED) == 37 and len(LIVE) == 29  # + Authorization: 38 in openapi


@pytest.mark.parametrize("name", sorted(set(PRERECORDED) | set(LIVE)))
def test_every_spec_parameter_has_its_handling_in_the_table(name: str) -> None:
    parameter = PARAMETERS[name]
    expected = (
        Mode.BOTH
        if name in PRERECORDED and name in LIVE
        else Mode.PRERECORDED
        if name in PRERECORDED
        else Mode.LIVE
    )
    assert parameter.mode is expected
    assert parameter.how


@pytest.mark.parametrize("name", PRERECORDED)
def test_a_prerecorded_request_with_each_parameter_is_valid_and_shows_it(name: str) -> None:
    parameter = PARAMETERS[name]
    body = _prerecorded([*parameter.needs, (name, parameter.example)])
    validate_rest("ListenV1Response", body)
    ListenV1Response.model_validate(body)  # the official SDK's model, strictly
    if parameter.handling is Handling.WARNED:
        (warning,) = _warned(body, name)
        assert warning["type"] == "not_emulated" and warning["message"]
        return
    assert not _warned(body, name), body["metadata"].get("warnings")
    for path in parameter.fields:
        assert _at(body, path), f"{name}={parameter.example}: nothing at {path}"
    if parameter.fields and not all(f.startswith("metadata.model_info") for f in parameter.fields):
        baseline = _prerecorded(list(parameter.needs))
        assert body != baseline, f"{name}={parameter.example} changed nothing"


@pytest.mark.parametrize("name", LIVE)
def test_a_live_stream_with_each_parameter_is_valid_and_warns_what_it_does_not_apply(
    name: str,
) -> None:
    parameter = PARAMETERS[name]
    options = parse_listen_options([(name, parameter.example)], streaming=True)
    message = build_results_message(FINAL, options, request_id=REQUEST_ID)
    validate_stream("Results", message)
    ListenV1Results.model_validate(message)
    metadata = build_stream_metadata(
        request_id=REQUEST_ID,
        created=CREATED,
        duration=14.0,
        channels=1,
        sha256="ab" * 32,
        warnings=options.warnings,
    )
    validate_stream("Metadata", metadata)
    ListenV1Metadata.model_validate(metadata)
    warned = [w for w in metadata.get("warnings", []) if w["parameter"] == name]
    assert bool(warned) == (parameter.handling is Handling.WARNED), warned


def test_parameters_outside_the_specs_or_their_mode_are_warned_not_ignored() -> None:
    body = _prerecorded([("frobnicate", "1"), ("interim_results", "true")])
    validate_rest("ListenV1Response", body)
    assert [w["type"] for w in _warned(body, "frobnicate")] == ["unknown_parameter"]
    assert [w["type"] for w in _warned(body, "interim_results")] == ["unsupported_mode"]
    live = parse_listen_options([("sentiment", "true")], streaming=True)
    assert [w.type for w in live.warnings] == ["unsupported_mode"] and not live.sentiment


@pytest.mark.parametrize(
    ("query", "warned"),
    [
        ([("language", "fr")], "language"),
        ([("language", "en-GB")], None),
        ([("version", "2024-01-09.29447")], "version"),
        ([("redact", "email_address")], "redact"),
        ([("redact", "numbers")], None),
        ([("detect_language", "fr"), ("detect_language", "de")], "detect_language"),
        ([("mip_opt_out", "false")], None),  # the default: nothing was asked
        ([("keywords", "deepgram:2")], "keywords"),
    ],
)
def test_values_the_emulator_cannot_honour_are_warned(
    query: list[tuple[str, str]], warned: str | None
) -> None:
    body = _prerecorded(query)
    validate_rest("ListenV1Response", body)
    names = [w["parameter"] for w in body["metadata"].get("warnings", [])]
    assert names == ([warned] if warned else [])


def test_warnings_have_deepgrams_shape() -> None:
    warning = ListenWarning("language", "unsupported_language", "why")
    assert warning.to_json() == {
        "parameter": "language",
        "type": "unsupported_language",
        "message": "why",
    }


def test_readme_lists_every_parameter_with_its_handling() -> None:
    """Acceptance 5: one README row per parameter, saying "emulated (how)" or "warned"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Every `/v1/listen` option") :]
    section = section[: section.index("\n## ", 3)]
    for name, parameter in PARAMETERS.items():
        row = re.search(rf"^\| `{name}` \| ([a-z]+)", section, re.MULTILINE)
        assert row, f"README has no row for {name}"
        assert row.group(1) == parameter.handling.value, name
