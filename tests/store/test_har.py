"""HAR 1.2: exports validate against the spec's schema, re-import to the same records,
mask secrets everywhere, and HARs made by browsers import too."""

from __future__ import annotations

import base64
import gzip
import json
import math
import urllib.parse
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.basic_auth import encode_basic_auth
from inspector.core.body_view import view_body
from inspector.core.records import ExchangeKind, WsKind
from inspector.store import har
from inspector.store.har import HarError, har_to_records, import_har, to_har, write_har
from inspector.store.library import SessionLibrary
from inspector.store.session import SessionWriter
from inspector.store.session_reader import SessionReader
from tests.factories import BINARY, http_exchange, ws_exchange

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "har-1.2.schema.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def _session(path: Path, *items: Any) -> None:
    with SessionWriter(path) as writer:
        for future in [writer.submit(item) for item in items]:
            future.result(10)


def _records():
    ws, messages = ws_exchange(2)
    exchanges = [
        http_exchange(1, reply_body=b'{"ok":true}'),
        ws,
        http_exchange(3, body=BINARY, reply_body=BINARY[::-1], method="PUT"),
        http_exchange(4, status=None, body=b""),  # still pending when exported
        http_exchange(5, body="línea 1\r\nline 2 ✓\n".encode(), target="/a%2Fb?q=%E2%9C%93"),
    ]
    return exchanges, messages


def _export(tmp_path: Path, **options: Any) -> tuple[Path, str]:
    exchanges, messages = _records()
    session = tmp_path / "s.cisession"
    _session(session, *exchanges, *messages)
    out = tmp_path / "out.har"
    with SessionReader(session) as reader:
        assert write_har(reader, out, **options) == len(exchanges)
    return out, out.read_text(encoding="utf-8")


def test_export_validates_against_the_har_1_2_schema(tmp_path):
    _, text = _export(tmp_path)
    har = json.loads(text)
    VALIDATOR.validate(har)
    entries = har["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["POST", "GET", "PUT", "POST", "POST"]
    ws = entries[1]
    assert ws["_resourceType"] == "websocket" and ws["request"]["url"].startswith("ws://")
    assert [(m["type"], m["opcode"]) for m in ws["_webSocketMessages"]] == [
        ("send", 1),
        ("receive", 1),
        ("send", 2),
    ]
    binary_message = ws["_webSocketMessages"][2]
    assert binary_message["encoding"] == "base64"
    assert base64.b64decode(binary_message["data"]) == BINARY
    put = entries[2]
    assert put["request"]["postData"]["encoding"] == "base64"
    assert base64.b64decode(put["request"]["postData"]["text"]) == BINARY
    assert put["response"]["content"]["encoding"] == "base64"
    assert entries[0]["request"]["headers"][3:5] == [
        {"name": "X-Dup", "value": "one"},
        {"name": "X-Dup", "value": "two"},
    ]
    assert entries[0]["startedDateTime"].endswith("Z")


def test_export_reimports_to_the_same_records(tmp_path):
    exchanges, messages = _records()
    out, _ = _export(tmp_path)
    got_exchanges, got_messages = har_to_records(json.loads(out.read_text()))
    assert got_exchanges == exchanges
    assert got_messages == messages


def test_import_makes_a_read_only_session_with_the_same_records(tmp_path):
    exchanges, messages = _records()
    out, _ = _export(tmp_path)
    library = SessionLibrary(tmp_path / "data")
    session_id, count = import_har(out, library)
    assert count == len(exchanges)
    (info,) = library.list()
    assert (info.id, info.read_only, info.source) == (session_id, True, "har:out.har")
    with library.open(session_id) as reader:
        assert list(reader.exchanges()) == exchanges
        assert reader.messages(2) == messages


def test_mask_secrets_leaves_no_secret_anywhere_in_the_file(tmp_path):
    key = "dg_live_0123456789abcdef0123456789abcdef"
    password = "s3cr3t-Pass"
    token = "eyJhbGciOiJIUzI1NiJ9.payload.sig"
    callback = f"https://user:{password}@example.com/cb"
    body = json.dumps({"callback": callback, "api_key": key}).encode()
    x1 = http_exchange(
        1,
        body=body,
        target="/cb?callback=" + urllib.parse.quote(callback, safe=""),
        headers=(
            ("Host", "127.0.0.1"),
            ("Authorization", encode_basic_auth("user", password)),
            ("X-Api-Key", key),
        ),
    )
    x2 = http_exchange(
        2,
        body=b"\x00\xff" + key.encode() + b"\x01",
        headers=(("Authorization", f"Bearer {token}"),),
    )
    ws, messages = ws_exchange(3)
    ws = replace(ws, headers=(*ws.headers, ("Sec-WebSocket-Protocol", f"token, {key}")))
    messages[2] = replace(messages[2], data=b"\x00" + key.encode())
    messages[0] = replace(messages[0], data=json.dumps({"key": key}).encode())
    session = tmp_path / "s.cisession"
    _session(session, x1, x2, ws, *messages)
    out = tmp_path / "masked.har"
    with SessionReader(session) as reader:
        write_har(reader, out, mask_secrets=True, secrets=[key])
    raw = out.read_bytes()
    text = raw.decode()
    for secret in (key, password, token, encode_basic_auth("user", password).split()[1]):
        assert secret.encode() not in raw, secret
    # Nor hidden in a base64 body or message.
    har = json.loads(text)
    VALIDATOR.validate(har)
    decoded = b""
    for entry in har["log"]["entries"]:
        post = entry["request"].get("postData", {})
        if post.get("encoding") == "base64":
            decoded += base64.b64decode(post["text"])
        for m in entry.get("_webSocketMessages", []):
            if m.get("encoding") == "base64":
                decoded += base64.b64decode(m["data"])
    assert key.encode() not in decoded and b"***" in decoded
    assert "***" in text
    headers = har["log"]["entries"][0]["request"]["headers"]
    assert {"name": "Authorization", "value": "***"} in headers
    # A masked file still imports.
    exchanges, _ = har_to_records(har)
    assert len(exchanges) == 3


def _chrome_har() -> dict[str, Any]:
    """The shape Chrome DevTools saves (trimmed): no `_inspector`, optional fields missing."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": [
                {
                    "startedDateTime": "2026-11-25T14:00:00.250Z",
                    "time": 12.5,
                    "request": {
                        "method": "POST",
                        "url": "https://example.com/v1/cb?a=1",
                        "httpVersion": "http/2.0",
                        "headers": [{"name": "content-type", "value": "application/json"}],
                        "postData": {"mimeType": "application/json", "text": '{"x": 1}'},
                    },
                    "response": {
                        "status": 201,
                        "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                    },
                    "timings": {"send": 0, "wait": 12, "receive": 0.5},
                },
                {
                    "startedDateTime": "2026-11-25T14:00:01+01:00",
                    "request": {"method": "GET", "url": "wss://example.com/socket"},
                    "response": {"status": 101},
                    "_resourceType": "websocket",
                    "_webSocketMessages": [
                        {"type": "send", "time": 1795615201.5, "opcode": 1, "data": "hi"},
                        {"type": "receive", "time": 1795615201.6, "opcode": 2, "data": "AAEC"},
                        {"type": "receive", "time": 1795615201.7, "opcode": 9, "data": ""},
                    ],
                },
                {
                    "request": {"method": "GET", "url": "https://example.com/x"},
                    "response": {"status": 0},
                },
            ],
        }
    }


def test_a_browser_har_imports_with_defaults_for_what_it_lacks(tmp_path):
    exchanges, messages = har_to_records(_chrome_har())
    first, ws, failed = exchanges
    assert [x.id for x in exchanges] == [1, 2, 3]
    assert (first.method, first.target, first.status, first.body) == (
        "POST",
        "/v1/cb?a=1",
        201,
        b'{"x": 1}',
    )
    assert first.started == pytest.approx(1795615200.25)
    assert first.finished == pytest.approx(1795615200.2625)
    assert ws.kind is ExchangeKind.WEBSOCKET and ws.started == 1795615201.0 - 3600
    assert [(m.index, m.kind, m.data) for m in messages] == [
        (0, WsKind.TEXT, b"hi"),
        (1, WsKind.BINARY, b"\x00\x01\x02"),
    ]
    assert failed.status is None and failed.headers == ()
    path = tmp_path / "chrome.har"
    path.write_text(json.dumps(_chrome_har()))
    library = SessionLibrary(tmp_path)
    session_id, count = import_har(path, library)
    assert count == 3
    with library.open(session_id) as reader:
        assert reader.meta().read_only and reader.count() == 3 and len(reader.messages(2)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "top level should be an object"),
        ({}, "HAR.log is missing"),
        ({"log": {}}, "log.entries is missing"),
        ({"log": {"entries": {}}}, "log.entries should be a list"),
        ({"log": {"entries": [1]}}, r"log.entries\[0\] should be an object"),
        ({"log": {"entries": [{}]}}, r"log.entries\[0\].request is missing"),
        ({"log": {"entries": [{"request": {"url": "/"}}]}}, "request.method is missing"),
        ({"log": {"entries": [{"request": {"method": "GET", "url": 5}}]}}, "should be a string"),
        (
            {"log": {"entries": [{"request": {"method": "GET", "url": "not a url"}}]}},
            "is not a URL",
        ),
        (
            {
                "log": {
                    "entries": [
                        {
                            "request": {
                                "method": "POST",
                                "url": "/",
                                "postData": {"text": "!!", "encoding": "base64"},
                            }
                        }
                    ]
                }
            },
            "not valid base64",
        ),
        (
            {
                "log": {
                    "entries": [
                        {"startedDateTime": "yesterday", "request": {"method": "GET", "url": "/"}}
                    ]
                }
            },
            "not an ISO 8601 time",
        ),
    ],
)
def test_an_invalid_har_is_a_har_error_saying_where(data, message):
    with pytest.raises(HarError, match=message):
        har_to_records(data)


def _one_entry(**fields):
    return {"log": {"entries": [{"request": {"method": "GET", "url": "/"}, **fields}]}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_one_entry(request={"method": "GET", "url": "http://[::1/x"}), r"request\.url is not"),
        (_one_entry(_inspector={"started": 10**400}), r"_inspector\.started is too large"),
        (_one_entry(time=10**400), r"entries\[0\]\.time is too large"),
        (_one_entry(_inspector={"started": math.inf}), "should be a finite number, not inf"),
        (_one_entry(_inspector={"started": 1e300}), "not a time between the years 1 and 9999"),
        (_one_entry(_inspector={"finished": 253402300800.0}), r"finished is not a time"),
        (_one_entry(startedDateTime="0001-01-01T00:00:00+01:00"), "startedDateTime is not a time"),
        (_one_entry(_inspector={"status": 2**63}), r"_inspector\.status is out of range"),
        (_one_entry(response={"status": -(2**63) - 1}), r"response\.status is out of range"),
        (
            _one_entry(_webSocketMessages=[{"type": "send", "time": 1e300}]),
            r"_webSocketMessages\[0\]\.time is not a time",
        ),
    ],
)
def test_what_a_session_cannot_store_or_export_is_a_har_error(data, message):
    # Found by tests/fuzz: these raised ValueError/OverflowError, or imported and then
    # failed to be stored (SQLite's 64-bit integers) or exported (no date for the time).
    with pytest.raises(HarError, match=message):
        har_to_records(data)


def test_the_extreme_times_and_integers_a_session_can_hold_import(tmp_path):
    data = _one_entry(
        _inspector={"id": 2**63 - 1, "started": -62135596800.0, "finished": 253402300799.0}
    )
    exchanges, _ = har_to_records(data)
    assert (exchanges[0].id, exchanges[0].started) == (2**63 - 1, -62135596800.0)
    to_har(exchanges)  # every time has a date


def test_a_file_that_is_not_json_is_a_har_error(tmp_path):
    path = tmp_path / "x.har"
    path.write_bytes(b"\x89PNG not json")
    with pytest.raises(HarError, match="not a HAR file"):
        import_har(path, SessionLibrary(tmp_path))
    assert SessionLibrary(tmp_path).list() == []


def _mitmproxy_har() -> dict[str, Any]:
    """The shape mitmproxy's `save.har` (and `--set hardump=`) writes: times with microseconds
    and +00:00, -1 timings, `params` beside `text` (None when it is not text), a flow with no
    reply as status 0 with `_error`, a WebSocket's binary frames base64 without `encoding`."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "mitmproxy exporthar", "version": "0.1", "comment": "11.0.0"},
            "pages": [],
            "entries": [
                {
                    "startedDateTime": "2026-11-25T14:00:00.123456+00:00",
                    "time": 12.5,
                    "request": {
                        "method": "POST",
                        "url": "https://hooks.example.com/dg?job=1",
                        "httpVersion": "HTTP/1.1",
                        "cookies": [],
                        "headers": [
                            {"name": "dg-token", "value": "c0ffee"},
                            {"name": "Content-Type", "value": "application/json"},
                        ],
                        "queryString": [{"name": "job", "value": "1"}],
                        "headersSize": 60,
                        "bodySize": 35,
                        "postData": {
                            "mimeType": "application/json",
                            "text": '{"metadata":{"request_id":"r-1"}}',
                            "params": [],
                        },
                    },
                    "response": {
                        "status": 200,
                        "statusText": "OK",
                        "httpVersion": "HTTP/1.1",
                        "cookies": [],
                        "headers": [{"name": "Content-Length", "value": "0"}],
                        "content": {"size": 0, "compression": 0, "mimeType": "", "text": ""},
                        "redirectURL": "",
                        "headersSize": 20,
                        "bodySize": 0,
                    },
                    "cache": {},
                    "timings": {"connect": -1.0, "ssl": -1.0, "send": 1, "receive": 1, "wait": 10},
                    "serverIPAddress": "127.0.0.1",
                },
                {
                    "startedDateTime": "2026-11-25T14:00:01.000000+00:00",
                    "time": 0,
                    "request": {
                        "method": "PUT",
                        "url": "https://hooks.example.com/dg",
                        "httpVersion": "HTTP/1.1",
                        "headers": [],
                        "postData": {"mimeType": "", "text": None, "params": []},
                    },
                    "response": {"status": 0, "headers": [], "content": {}, "_error": "reset"},
                    "timings": {"connect": None, "ssl": None, "send": 0, "receive": 0, "wait": 0},
                },
                {
                    "startedDateTime": "2026-11-25T14:00:02+00:00",
                    "time": 3,
                    "request": {"method": "GET", "url": "https://api.example.com/v1/listen"},
                    "response": {"status": 101, "headers": []},
                    "_resourceType": "websocket",
                    "_webSocketMessages": [
                        {"type": "send", "time": 1795615202.5, "opcode": 2, "data": "AAEC"},
                        {"type": "receive", "time": 1795615202.6, "opcode": 1, "data": "{}"},
                    ],
                },
            ],
        }
    }


@pytest.mark.parametrize("packing", ["plain", "zhar", "gzip"])
def test_a_mitmproxy_har_imports_plain_or_compressed(tmp_path, packing):
    raw = json.dumps(_mitmproxy_har(), indent=4).encode()
    path = tmp_path / {"plain": "flows.har", "zhar": "flows.zhar", "gzip": "flows.har.gz"}[packing]
    path.write_bytes(
        {"plain": raw, "zhar": zlib.compress(raw, 9), "gzip": gzip.compress(raw)}[packing]
    )
    library = SessionLibrary(tmp_path / "data")
    session_id, count = import_har(path, library)
    assert count == 3
    with library.open(session_id) as reader:
        posted, reset, ws = reader.exchanges()
        assert (posted.method, posted.target, posted.status) == ("POST", "/dg?job=1", 200)
        assert posted.started == pytest.approx(1795615200.123456)
        assert posted.dg_token == "c0ffee" and posted.request_id == "r-1"
        assert (reset.method, reset.body, reset.status) == ("PUT", b"", None)
        assert ws.kind is ExchangeKind.WEBSOCKET
        assert [(m.kind, m.data) for m in reader.messages(ws.id)] == [
            (WsKind.BINARY, b"\x00\x01\x02"),
            (WsKind.TEXT, b"{}"),
        ]


def test_a_damaged_or_oversized_compressed_har_is_a_har_error(tmp_path, monkeypatch):
    raw = json.dumps(_mitmproxy_har()).encode()
    cases = {
        "cut.zhar": (zlib.compress(raw)[:40], "ends too early"),
        "cut.har.gz": (gzip.compress(raw)[:-12], "ends too early"),
        "bad.zhar": (b"\x78\x9c" + b"\xff" * 40, "damaged zlib data"),
        "big.zhar": (zlib.compress(b" " * 5000 + raw), "unpacks to more than"),
    }
    monkeypatch.setattr(har, "MAX_UNPACKED", 4096)  # the 4 GiB bound, made small to reach
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(HarError, match=message):
            import_har(path, SessionLibrary(tmp_path / "data"))
    assert SessionLibrary(tmp_path / "data").list() == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_entry_keys = st.sampled_from(
    ["request", "response", "method", "url", "headers", "postData", "text", "encoding",
     "_inspector", "id", "started", "kind", "status", "content", "_webSocketMessages",
     "type", "opcode", "data", "time", "ws_end", "by", "name", "value", "startedDateTime"]
)  # fmt: skip
_har_like = st.recursive(
    st.none()
    | st.integers(-2, 2**40)
    | st.text(max_size=10)
    | st.sampled_from(
        ["send", "receive", "base64", "websocket", "http", "/", "http://h/p?q", "client", "GET"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_entry_keys, inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=200, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(_json, st.builds(lambda e: {"log": {"entries": e}}, st.lists(_har_like, max_size=3)))
)
def test_any_json_gives_records_or_a_har_error(data):
    try:
        exchanges, _ = har_to_records(data)
    except HarError:
        return
    assert all(isinstance(x.id, int) for x in exchanges)


_header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    body=st.binary(max_size=300),
    reply=st.binary(max_size=50),
    headers=st.lists(st.tuples(_header_text.filter(bool), _header_text), max_size=5),
    target=st.sampled_from(["/", "/cb?a=1&a=2", "/%E2%9C%93?x=%20", "/a b"]),
    status=st.one_of(st.none(), st.integers(100, 599)),
)
def test_any_exchange_round_trips_through_har(body, reply, headers, target, status):
    x = replace(
        http_exchange(7, status=status, target=target),
        headers=tuple(headers),
        body=body,
        body_size=len(body),
        reply_body=reply,
        view=view_body(body),
    )
    har = json.loads(json.dumps(to_har([x])))
    VALIDATOR.validate(har)
    assert har_to_records(har) == ([x], [])
