"""Fuzz `core.body_view`: any body is viewed, never raised on; what it extracts is storable.

A body arrives from the network as bytes: random, invalid UTF-8, JSON of any shape, JSON
nested deep enough to blow the parser's stack, numbers too long to convert, NaN/Infinity
literals, lone surrogates in `\\uXXXX` escapes, and Deepgram results with wrong types.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from inspector.core.body_view import TRANSCRIPT_PREVIEW_CHARS, BodyView, view_body
from tests.fuzz.strategies import FUZZ, JSON_SCALARS, dumps, hostile_text, json_values, nested_json

# Keys and values of Deepgram's shapes (ListenV1Response, streaming Results/Metadata, error
# bodies), so the random objects reach the transcript and request_id branches.
_DG_KEYS = st.sampled_from(
    ["metadata", "request_id", "results", "channels", "alternatives", "transcript", "channel",
     "type", "is_final", "err_code", "err_msg", "words", "confidence", "utterances"]
)  # fmt: skip
_dg_json = json_values(
    st.one_of(JSON_SCALARS, st.sampled_from(["Results", "Metadata", "\ud800", "\x1b[31m"])),
    keys=st.one_of(_DG_KEYS, hostile_text),
)


def _alternatives(transcript: Any) -> dict[str, Any]:
    return {"alternatives": [{"transcript": transcript}]}


# Near-valid results: the right skeleton with any value at the leaves, text most often.
_leaf = st.one_of(hostile_text, hostile_text, _dg_json)
_prerecorded = st.builds(
    lambda rid, t, extra: {
        "metadata": {"request_id": rid},
        "results": {"channels": [_alternatives(t), *extra]},
    },
    _leaf,
    _leaf,
    st.lists(_dg_json, max_size=2),
)
_streaming = st.builds(
    lambda rid, t, final, kind: {
        "type": kind,
        "is_final": final,
        "channel": _alternatives(t),
        "metadata": {"request_id": rid},
    },
    _leaf,
    _leaf,
    _dg_json,
    _leaf,
)
_error = st.builds(
    lambda code, msg, rid: {"err_code": code, "err_msg": msg, "request_id": rid},
    _leaf,
    _leaf,
    _leaf,
)

_bodies = st.one_of(
    st.binary(max_size=200),
    st.one_of(_dg_json, _prerecorded, _streaming, _error).map(dumps),
    # Valid JSON made invalid UTF-8 by one byte, or cut short.
    st.builds(lambda v, b: dumps(v) + b, _prerecorded, st.sampled_from([b"\xff", b"\xc3", b"\0"])),
    st.builds(lambda v, n: dumps(v)[:n], _prerecorded, st.integers(0, 60)),
    st.integers(1, 50_000).map(nested_json),
    st.integers(1, 20_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(4000, 6000).map(lambda n: b"1" * n),
    st.sampled_from([b"NaN", b"-Infinity", b"[Infinity]", b'{"is_final":NaN}', b"1e999"]),
)


def _assert_storable(view: BodyView) -> None:
    """Every text the view hands on goes to SQLite and the window: UTF-8 encodable."""
    for text in (view.request_id, view.transcript, view.message_type):
        assert text is None or isinstance(text, str)
        if text is not None:
            text.encode("utf-8")


@FUZZ
@given(_bodies)
# Found: a lone surrogate escape reached the view, and SQLite refused to store the capture.
@example(b'{"request_id":"\\ud800"}')
@example(b'{"metadata":{"request_id":"\\ud800"}}')
@example(b'{"type":"Results","channel":{"alternatives":[{"transcript":"\\udfff"}]}}')
@example(b'{"type":"\\ud83d"}')
@example(nested_json(100_000))
def test_any_body_is_viewed_never_raised(body: bytes) -> None:
    view = view_body(body)
    _assert_storable(view)
    assert view.is_final in (None, True, False)
    if view.transcript is not None:
        assert len(view.transcript) <= TRANSCRIPT_PREVIEW_CHARS
    if not view.utf8_valid:
        assert not view.json_valid


_transcripts = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
_ids = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@FUZZ
@given(request_id=_ids, transcript=_transcripts)
def test_a_well_formed_result_gives_its_request_id_and_transcript(
    request_id: str, transcript: str
) -> None:
    body = json.dumps(
        {
            "metadata": {"request_id": request_id},
            "results": {"channels": [_alternatives(transcript)]},
        }
    ).encode()
    view = view_body(body)
    assert (view.utf8_valid, view.json_valid) == (True, True)
    assert view.request_id == request_id
    assert view.transcript == transcript[:TRANSCRIPT_PREVIEW_CHARS]
