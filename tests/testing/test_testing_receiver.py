"""`inspector.testing.CallbackReceiver`: what arrives, the replies it gives, waits that explain;
and the emulator's real callbacks (PUT, basic auth, dg-token, a ws:// stream) reaching it."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse

import pytest
from websockets.sync.client import connect

from inspector.core.rules_file import rule_from_table
from inspector.testing import BasicAuth, CallbackReceiver, WaitTimeout, sample_audio, silence
from tests.emulator_http import post

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")



def _job(request_id: str) -> bytes:
    return json.dumps({"metadata": {"request_id": request_id}, "results": {}}).encode()


def test_a_callback_as_it_arrived_headers_in_wire_order(callback_receiver):
    auth = "Basic " + base64.b64encode(b"dg:s3cret").decode()
    sent = [("X-Twice", "one"), ("dg-token", "key-id"), ("Authorization", auth), ("X-Twice", "2")]
    assert post(callback_receiver.url, "/hook?x=1", _job("r-1"), headers=sent) == 200
    [cb] = callback_receiver.wait_for()
    assert (cb.method, cb.path, cb.target, cb.status, cb.attempt) == (
        "POST", "/hook", "/hook?x=1", 200, 1,
    )  # fmt: skip
    assert [h for h in cb.headers if h[0] in ("X-Twice", "dg-token", "Authorization")] == sent
    assert cb.dg_token == "key-id" and cb.basic_auth == BasicAuth("dg", "s3cret")
    assert cb.request_id == "r-1" and cb.json()["metadata"]["request_id"] == "r-1"
    assert cb.header("x-twice") == "one"


def test_fail_first_answers_the_status_then_200_per_request_id(callback_receiver):
    callback_receiver.reply(status=503, fail_first=2)
    statuses = [post(callback_receiver.url, "/cb", _job("a")) for _ in range(3)]
    statuses.append(post(callback_receiver.url, "/cb", _job("b")))
    assert statuses == [503, 503, 200, 503]
    retried = callback_receiver.wait_for(3, request_id="a")
    assert [(c.attempt, c.status) for c in retried] == [(1, 503), (2, 503), (3, 200)]
    [other] = callback_receiver.wait_for(request_id="b")
    assert other.attempt == 1
    callback_receiver.reply(status=410)
    assert post(callback_receiver.url, "/cb", _job("c")) == 410


def test_reply_rules_answer_in_order_and_each_callback_names_its_rule(callback_receiver):
    callback_receiver.set_rules([
        {"name": "slow put", "match": {"method": "PUT"}, "status": 202},
        {"match": {"path": "/flaky*"}, "fail_first": 1, "status": 503},
        {"match": {"transcript": "refuse me"}, "status": 409},
    ])  # fmt: skip
    refused = json.dumps({"metadata": {"request_id": "t"}, "results": {"channels": [
        {"alternatives": [{"transcript": "please refuse me"}]}]}}).encode()  # fmt: skip
    statuses = [
        post(callback_receiver.url, "/any", _job("p"), method="PUT"),
        post(callback_receiver.url, "/flaky", _job("f")),
        post(callback_receiver.url, "/flaky", _job("f")),
        post(callback_receiver.url, "/other", refused),
        post(callback_receiver.url, "/other", _job("n")),
    ]
    assert statuses == [202, 503, 200, 409, 200]
    arrived = callback_receiver.wait_for(5)
    assert [c.rule for c in arrived] == ["slow put", "#2", None, "#3", None]
    assert [t.get("status") for t in callback_receiver.rules] == [202, 503, 409]
    callback_receiver.set_rules([])  # 200 to everything again
    assert post(callback_receiver.url, "/any", _job("q"), method="PUT") == 200


def test_rules_from_a_file_or_objects_and_mistakes_name_the_rule_and_key(tmp_path):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[[rule]]\nname = "gone"\nmatch = { path = "/old*" }\nstatus = 410\n')
    with CallbackReceiver(rules=rules_file) as receiver:
        assert post(receiver.url, "/old/hook", _job("o")) == 410
        assert receiver.wait_for()[0].rule == "gone"
        receiver.set_rules([rule_from_table({"status": 418})])  # a core Rule object
        assert post(receiver.url, "/new", _job("n")) == 418
        with pytest.raises(ValueError, match=r"match\.path: .*\(in rule 2 \('bad'\)\)"):
            receiver.set_rules([{"status": 200}, {"name": "bad", "match": {"path": "/a["}}])
        with pytest.raises(TypeError, match="a list of rule tables"):
            receiver.set_rules({"status": 500})  # type: ignore[arg-type]
        assert post(receiver.url, "/new", _job("m")) == 418  # a refused list changed nothing
    with pytest.raises(ValueError, match=r"rules\.toml:1: .*not valid TOML"):
        rules_file.write_text("[[rule]\n")
        CallbackReceiver(rules=rules_file)
    with pytest.raises(TypeError, match="unknown receiver setting 'port'"):
        CallbackReceiver(port=8080)


def test_a_wait_that_times_out_lists_what_arrived_instead(callback_receiver):
    with pytest.raises(WaitTimeout, match="nothing arrived"):
        callback_receiver.wait_for(timeout=0.1)
    post(callback_receiver.url, "/cb", _job("x"))
    with pytest.raises(WaitTimeout) as timeout:
        callback_receiver.wait_for(2, request_id="y", timeout=0.2)
    message = str(timeout.value)
    assert "expected 2 callbacks for request_id y" in message
    assert "0 matched, 1 request arrived" in message and "POST /cb (request_id x" in message


def test_a_body_that_is_not_json_says_so(callback_receiver):
    post(callback_receiver.url, "/raw", b"\xff\xfe not json")
    [cb] = callback_receiver.wait_for()
    with pytest.raises(ValueError, match="POST /raw is not JSON"):
        cb.json()
    assert cb.transcript is None and cb.request_id is None


def test_websocket_callback_messages_arrive_in_order(callback_receiver):
    with connect(callback_receiver.ws_url + "/stream") as ws:
        result = {"type": "Results", "channel": {"alternatives": [{"transcript": "hi"}]}}
        ws.send(json.dumps(result))
        ws.send(b"\x00\x01")
        first, second = callback_receiver.wait_for_messages(2)
    assert (first.type, first.transcript) == ("Results", "hi")
    assert (first.path, first.socket) == ("/stream", 1)
    assert second.text is None and second.data == b"\x00\x01"
    with pytest.raises(ValueError, match="binary"):
        second.json()


def test_settings_reach_the_receiver():
    with CallbackReceiver(max_body=10) as small:
        assert post(small.url, "/big", b"x" * 11) == 413
        [refused] = small.wait_for()
    assert refused.status == 413 and "max-body" in refused.note


def test_the_emulators_put_callback_with_basic_auth_and_dg_token(
    deepgram_emulator_session, callback_receiver
):
    emulator = deepgram_emulator_session
    callback = callback_receiver.url.replace("http://", "http://user:pa%3Ass@") + "/put"
    reply = emulator.submit(silence(0.3), callback=callback, callback_method="put")
    assert set(reply) == {"request_id"}
    [cb] = callback_receiver.wait_for(request_id=reply["request_id"], timeout=60)
    assert cb.method == "PUT" and cb.path == "/put"
    assert cb.basic_auth == BasicAuth("user", "pa:ss")
    assert cb.dg_token is not None and UUID.match(cb.dg_token)
    assert emulator.api_key not in cb.body.decode()
    assert emulator.wait_for_job(reply["request_id"]).delivered


def test_a_ws_streaming_callback_gets_every_message(deepgram_emulator_session, callback_receiver):
    emulator = deepgram_emulator_session
    url = (
        emulator.ws_url
        + "/v1/listen?encoding=linear16&sample_rate=16000&callback="
        + urllib.parse.quote(callback_receiver.ws_url + "/live")
    )
    audio = sample_audio("numbers")[44 : 44 + 2 * 32000]  # "one, two": 2 s after the header
    with connect(url, additional_headers={"Authorization": f"Token {emulator.api_key}"}) as ws:
        for i in range(0, len(audio), 3200):
            ws.send(audio[i : i + 3200])
        ws.send(json.dumps({"type": "CloseStream"}))
        for _ in ws:  # the client gets the messages too (until the emulator closes)
            pass
    stream = emulator.wait_for_stream(ws.response.headers["dg-request-id"], timeout=60)
    assert stream.mode == "ws-callback" and stream.close_code == 1000
    messages = callback_receiver.wait_for_messages(stream.messages)
    types = [m.type for m in messages]
    assert types[-1] == "Metadata" and "Results" in types, types
    assert {m.socket for m in messages} == {1} and messages[0].path == "/live"
