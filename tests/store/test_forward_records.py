"""The user's app's reply on disk and in HAR (issue 13): kept like a request body, exported
as the entry's response, imported back to the same record; the probe stays marked."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from inspector.core.forward import ForwardResult
from inspector.store.har import har_to_records, to_har
from inspector.store.schema import SCHEMA_VERSION, _create_v1
from inspector.store.session import SessionWriter
from inspector.store.session_reader import SessionReader
from tests.factories import BINARY, http_exchange

APP_REPLY = ForwardResult(
    url="http://127.0.0.1:3000/app/callback?job=1",
    status=202,
    headers=(("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")),
    body=BINARY,
    body_size=len(BINARY),
    latency_ms=14.25,
)


def _forwarded(id: int = 1):
    x = http_exchange(id, status=202, reply_body=BINARY)
    return replace(
        x, reply_headers=(("Content-Type", "application/octet-stream"),), forward=APP_REPLY
    )


def test_a_forward_and_a_probe_are_kept_in_the_session_and_read_back(tmp_path):
    path = tmp_path / "s.cisession"
    failed = replace(
        http_exchange(2, status=504),
        forward=ForwardResult("http://127.0.0.1:3000/", error="too slow", timed_out=True),
    )
    probe = replace(http_exchange(3), probe=True, note="probe of the public URL")
    with SessionWriter(path) as writer:
        for x in (_forwarded(), failed, probe, http_exchange(4)):
            writer.submit(x).result(10)
    with SessionReader(path) as reader:
        got = {x.id: x for x in reader.exchanges()}
    assert got[1].forward == APP_REPLY and got[1] == _forwarded()
    assert got[2].forward == failed.forward
    assert got[3].probe and not got[4].probe and got[4].forward is None


def test_a_v1_session_opens_upgraded_with_no_forwards(tmp_path):
    path = tmp_path / "old.cisession"
    db = sqlite3.connect(path)
    _create_v1(db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO exchanges VALUES (1,'http',1.0,2.0,'c','POST','/cb','HTTP/1.1',200,0,1,"
        "NULL,NULL,NULL,NULL,NULL,0,'',NULL,NULL,NULL,0,1,0,'[]','[]')"
    )
    db.execute("INSERT INTO bodies VALUES (1, x'', x'')")
    db.commit()
    db.close()
    with SessionReader(path) as reader:
        (x,) = list(reader.exchanges())
        assert reader.meta().schema_version == SCHEMA_VERSION  # every migration ran
    assert x.forward is None and not x.probe and x.target == "/cb" and x.rule is None


def test_har_uses_the_apps_reply_as_the_response_and_imports_back_the_same_record():
    har = to_har([_forwarded()])
    entry = har["log"]["entries"][0]
    response = entry["response"]
    assert response["status"] == 202
    # The app's headers as it sent them (chunked included), its body as base64 (binary).
    assert {"name": "Transfer-Encoding", "value": "chunked"} in response["headers"]
    assert response["content"]["encoding"] == "base64"
    assert entry["_inspector"]["forward"] == {
        "url": APP_REPLY.url,
        "status": 202,
        "latency_ms": 14.25,
        "error": None,
        "timed_out": False,
    }
    (back,), _ = har_to_records(har)
    assert back.forward == APP_REPLY and back == _forwarded()


def test_har_of_a_forward_that_failed_has_the_receivers_502_and_the_error():
    failed = replace(
        http_exchange(1, status=502, reply_body=b"callback-inspector: refused\n"),
        forward=ForwardResult("http://127.0.0.1:9/", error="refused", latency_ms=1.0),
    )
    har = to_har([failed])
    entry = har["log"]["entries"][0]
    assert entry["response"]["status"] == 502
    assert entry["_inspector"]["forward"]["error"] == "refused"
    (back,), _ = har_to_records(har)
    assert back == failed


def test_masking_reaches_the_apps_reply_too():
    secret = "s3cret-value-in-the-apps-reply"
    x = replace(
        _forwarded(),
        forward=replace(APP_REPLY, body=f"token={secret}".encode(), headers=()),
    )
    har = to_har([x], mask_secrets=True, secrets=[secret])
    assert secret not in str(har)
