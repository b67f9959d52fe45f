"""Fuzz HAR import (`store.har`): any file is a session or a `HarError`, and what is
accepted can be stored (SQLite's 64-bit integers, UTF-8 text) and exported again.

The inputs go from random bytes to HARs that are right everywhere but one field: wrong
types, numbers too large for a float or for SQLite, NaN/Infinity literals, times outside
what a date can say, bad base64, lone surrogates, URLs that do not parse.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from inspector.core.records import Exchange, WsMessage
from inspector.store.har import HarError, har_to_records, import_har, to_har
from inspector.store.library import SessionLibrary
from tests.fuzz.strategies import FUZZ, dumps, hostile_text, nested_json

_wrong = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), hostile_text, st.just([]), st.just({})
)


def _either(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right type, now and then any other JSON value: an entry has a dozen
    fields, and one wrong one is enough to refuse it, so wrong ones must stay rare for the
    accepted path (storing, exporting) to be reached."""
    return st.integers(0, 11).flatmap(lambda i: _wrong if i == 0 else right)


_numbers = st.one_of(
    st.floats(min_value=0, max_value=4e9),
    st.integers(0, 4_000_000_000),
    st.floats(),  # NaN, infinities, 1e300
    st.integers(min_value=-(10**400), max_value=10**400),  # beyond float and int64
    st.sampled_from([2**63, -(2**63) - 1, 10**309, 253402300800, -62135596801]),
)
_ints = st.one_of(
    st.integers(-5, 1000), st.integers(), st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1])
)
_times = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.sampled_from(
        ["0001-01-01T00:00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999999-12:00",
         "2026-05-09T07:35:25.123Z", "", "yesterday", "2026-13-01"]
    ),
)  # fmt: skip
_urls = st.one_of(
    st.sampled_from(
        ["http://127.0.0.1:8080/cb?x=1", "ws://h/stream", "/cb", "*", "http://[::1/x",
         "http://[v1.x]/", "http://h\uff03x/", "http://u:p@h:99999/", "mailto:x", ""]
    ),
    st.builds(lambda s, h, p: f"{s}://{h}{p}", st.sampled_from(["http", "wss"]), hostile_text,
              hostile_text),
    hostile_text.map(lambda p: "/" + p),
    hostile_text,
)  # fmt: skip
_b64 = st.binary(max_size=20).map(lambda b: base64.b64encode(b).decode())
_content = st.fixed_dictionaries(
    {},
    optional={
        "text": _either(st.one_of(_b64, hostile_text)),
        "encoding": st.sampled_from(["base64", "", "gzip", None]),
        "_encoding": st.just("base64"),
        "mimeType": hostile_text,
        "size": _either(_ints),
    },
)
_header = st.fixed_dictionaries(
    {"name": _either(hostile_text)}, optional={"value": _either(hostile_text)}
)
_headers = _either(st.lists(_either(_header), max_size=3))
_request = st.fixed_dictionaries(
    {"method": _either(st.sampled_from(["GET", "POST", "PUT"])), "url": _either(_urls)},
    optional={
        "httpVersion": _either(hostile_text),
        "headers": _headers,
        "postData": _either(_content),
    },
)
_response = st.fixed_dictionaries(
    {},
    optional={"status": _either(_ints), "headers": _headers, "content": _either(_content)},
)
_ws_end = st.fixed_dictionaries(
    {"by": _either(st.sampled_from(["client", "server", "abort", "nobody"]))},
    optional={"code": _either(_ints), "reason": _either(hostile_text)},
)
_inspector = st.fixed_dictionaries(
    {},
    optional={
        "id": _either(_ints),
        "kind": _either(st.sampled_from(["http", "websocket", "tcp"])),
        "started": _either(_numbers),
        "finished": _either(_numbers),
        "client": _either(hostile_text),
        "target": _either(st.one_of(_urls, hostile_text)),
        "status": _either(_ints),
        "body_size": _either(_ints),
        "attempt": _either(_ints),
        "ws_messages": _either(_ints),
        "ws_end": _either(_ws_end),
        "note": _either(hostile_text),
    },
)
_message = st.fixed_dictionaries(
    {"type": _either(st.sampled_from(["send", "receive", "other"]))},
    optional={
        "opcode": _either(st.sampled_from([1, 2, 8, 9, 10, 0, 3])),
        "data": _either(st.one_of(_b64, hostile_text)),
        "time": _either(_numbers),
        "encoding": st.sampled_from(["base64", "utf8"]),
    },
)
_entry = st.fixed_dictionaries(
    {"request": _either(_request)},
    optional={
        "response": _either(_response),
        "_inspector": _either(_inspector),
        "startedDateTime": _either(_times),
        "time": _either(_numbers),
        "_webSocketMessages": _either(st.lists(_either(_message), max_size=3)),
        "_resourceType": st.sampled_from(["websocket", "xhr"]),
    },
)
_har = st.builds(
    lambda entries, version: {"log": {"version": version, "entries": entries}},
    _either(st.lists(_either(_entry), max_size=3)),
    _either(st.just("1.2")),
)

INT64 = range(-(2**63), 2**63)


def _har_of(**fields: Any) -> dict[str, Any]:
    """A one-entry HAR, valid but for `fields`."""
    entry = {"request": {"method": "GET", "url": "/cb"}, **fields}
    return {"log": {"entries": [entry]}}


def _assert_storable(exchanges: list[Exchange], messages: list[WsMessage]) -> None:
    """What SQLite will be asked to store fits it: 64-bit integers and UTF-8 text."""
    for x in exchanges:
        ints = [x.id, x.status, x.body_size, x.attempt, x.ws_messages]
        ints += [x.ws_end.code] if x.ws_end else []
        assert all(i is None or i in INT64 for i in ints), ints
        texts = [x.client, x.method, x.target, x.http_version, x.note]
        texts += [t for h in (*x.headers, *x.reply_headers) for t in h]
        texts += [x.view.request_id or "", x.view.transcript or "", x.view.message_type or ""]
        texts += [x.ws_end.reason] if x.ws_end else []
        for text in texts:
            text.encode("utf-8")
    for m in messages:
        assert m.exchange_id in INT64 and m.index in INT64


@FUZZ
@given(st.one_of(_har, _entry.map(lambda e: {"log": {"entries": [e]}})))
# Found: urlsplit's ValueError, float() of a huge int, a time no date can say, a status
# beyond SQLite's 64 bits; and a startedDateTime before year 1 in UTC (seeded).
@example(_har_of(request={"method": "GET", "url": "http://[::1/x"}))
@example(_har_of(_inspector={"started": 10**400}))
@example(_har_of(time=10**400))
@example(_har_of(_inspector={"started": 1e300}))
@example(_har_of(_inspector={"status": 2**63}))
@example(_har_of(response={"status": 2**63}))
@example(_har_of(_inspector={"started": 253402300800.0}))  # 10000-01-01
@example(_har_of(_webSocketMessages=[{"type": "send", "time": 1e300}]))
@example(_har_of(startedDateTime="0001-01-01T00:00:00+01:00"))
def test_any_har_gives_storable_exportable_records_or_a_har_error(har: dict[str, Any]) -> None:
    data = json.loads(dumps(har))  # as a file would be read: NaN/Infinity literals and all
    try:
        exchanges, messages = har_to_records(data)
    except HarError as exc:
        assert str(exc)
        return
    _assert_storable(exchanges, messages)
    by_id: dict[int, list[WsMessage]] = {}
    for m in messages:
        by_id.setdefault(m.exchange_id, []).append(m)
    exported = json.dumps(to_har(exchanges, lambda i: by_id.get(i, [])), allow_nan=False)
    again, _ = har_to_records(json.loads(exported))
    assert len(again) == len(exchanges)


_files = st.one_of(
    st.binary(max_size=200),
    _har.map(dumps),
    _har.map(lambda h: dumps(h).decode().encode("utf-16")),
    st.integers(1, 100_000).map(nested_json),
    st.builds(lambda n: b'{"log":{"entries":' + nested_json(n) + b"}}", st.integers(1, 50_000)),
    st.sampled_from([b"", b"\xef\xbb\xbf{}", b'{"log":{"entries":[]}}', b"1" * 5000, b"NaN"]),
)


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 4, 1))  # each one writes an SQLite file
@given(_files)
def test_any_file_imports_as_a_session_or_a_har_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-har-") as tmp:
        path = Path(tmp, "in.har")
        path.write_bytes(content)
        library = SessionLibrary(Path(tmp, "sessions"))
        try:
            session_id, count = import_har(path, library)
        except HarError as exc:
            assert str(exc)
            assert library.list() == []  # a refused file leaves no session behind
            return
        assert [info.id for info in library.list()] == [session_id] and count >= 0
