"""The app's tests, against callback-inspector's Deepgram emulator: real speech recognition,
real callbacks with Deepgram's retries, and Deepgram's failures on demand. Offline, no key."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from inspector.testing import sample_audio, silence


def call(method: str, url: str, body: bytes | None = None, headers=None) -> tuple[int, Any, Any]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, error.headers, json.loads(raw)
        except ValueError:
            return error.code, error.headers, raw.decode()



def test_the_transcript_arrives_by_callback(app, deepgram_emulator_session):
    status, _, reply = call("POST", app.url + "/transcriptions", sample_audio("numbers"))
    assert status == 202
    job = deepgram_emulator_session.wait_for_job(reply["request_id"], timeout=60)
    assert job.delivered and [a.status for a in job.attempts] == [200]
    status, _, result = call("GET", f"{app.url}/transcriptions/{reply['request_id']}")
    assert status == 200 and result["status"] == "done"
    assert "three" in result["transcript"].lower()


def test_deepgram_retries_while_the_database_is_down(app, deepgram_emulator_session, monkeypatch):
    save, failures = app.store.save, []

    def down_twice(request_id, result):
        if len(failures) < 2:
            failures.append(request_id)
            raise ConnectionError("the database is not answering")
        save(request_id, result)

    monkeypatch.setattr(app.store, "save", down_twice)
    _, _, reply = call("POST", app.url + "/transcriptions", silence())
    job = deepgram_emulator_session.wait_for_job(reply["request_id"], timeout=60)
    assert [a.status for a in job.attempts] == [500, 500, 200]  # 30 s apart at Deepgram
    assert app.store.jobs[reply["request_id"]]["status"] == "done"


def test_a_callback_that_is_not_from_deepgram_is_refused(app):
    body = json.dumps({"metadata": {"request_id": "forged"}, "results": {}}).encode()
    wrong = "Basic " + base64.b64encode(b"deepgram:guess").decode()
    for headers in ({}, {"Authorization": wrong}):
        status, _, _ = call("POST", app.url + "/deepgram/callback", body, headers)
        assert status == 401
    assert "forged" not in app.store.jobs


def test_rate_limited_by_deepgram_the_caller_is_told_when_to_retry(app, deepgram_emulator_session):
    deepgram_emulator_session.fail_next(429, retry_after=7)
    status, headers, reply = call("POST", app.url + "/transcriptions", silence())
    assert status == 503 and headers["Retry-After"] == "7"
    assert "Too many requests" in reply["error"]


def test_out_of_credits_is_our_problem_not_the_callers(app, deepgram_emulator_session):
    deepgram_emulator_session.fail_next(402)
    status, _, reply = call("POST", app.url + "/transcriptions", silence())
    assert status == 502 and "ASR_PAYMENT_REQUIRED" in reply["error"]


def test_a_late_callback_leaves_the_transcription_pending(app, deepgram_emulator_session):
    deepgram_emulator_session.delay_callbacks(2)
    _, _, reply = call("POST", app.url + "/transcriptions", silence())
    url = f"{app.url}/transcriptions/{reply['request_id']}"
    status, _, result = call("GET", url)
    assert (status, result["status"]) == (202, "pending")
    deepgram_emulator_session.wait_for_job(reply["request_id"], timeout=60)
    status, _, result = call("GET", url)
    assert (status, result["status"]) == (200, "done")


def test_audio_deepgram_cannot_decode_is_stored_as_failed(app, deepgram_emulator_session):
    _, _, reply = call("POST", app.url + "/transcriptions", b"these bytes are not audio")
    deepgram_emulator_session.wait_for_job(reply["request_id"], timeout=60)
    result = app.store.jobs[reply["request_id"]]
    assert result["status"] == "failed" and "corrupt or unsupported" in result["error"]
