"""The emulator and receiver in one real `serve` process, real PocketSphinx, real callbacks."""

from __future__ import annotations

import itertools
import json
import re
import subprocess

import pytest

from tests.samples import shortest_sample, silent_wav, word_overlap
from tests.serve_process import ServeProcess

KEY = "test-key-0123456789abcdef"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _curl(
    url: str, wav, key: str | None = KEY, content_type: str = "audio/wav"
) -> tuple[int, dict]:
    """Deepgram's documented curl line [CB], only the host changed."""
    cmd = [
        "curl",
        "--silent",
        "--show-error",
        "--request",
        "POST",
        "--header",
        f"Content-Type: {content_type}",
        "--data-binary",
        f"@{wav}",
        "--url",
        url,
        "--write-out",
        "\n%{http_code}",
    ]
    if key is not None:
        cmd[5:5] = ["--header", f"Authorization: Token {key}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    body, _, status = out.rpartition("\n")
    return int(status), json.loads(body)


def _retrying_serve(*reply_flags: str) -> ServeProcess:
    """Receiver and emulator with local ports allowed and retries 0.2 s apart."""
    return ServeProcess(
        "--port",
        "0",
        "--emulator-port",
        "0",
        "--relaxed-ports",
        "--retry-delay",
        "0.2",
        *reply_flags,
    )


@pytest.fixture(scope="module")
def serve():
    with _retrying_serve() as s:
        yield s


def test_documented_curl_line_gets_request_id_then_callback_with_transcript(serve):
    wav = shortest_sample()
    callback = f"{serve.url}/hooks/deepgram?source=test"
    status, body = _curl(f"{serve.emulator_url}/v1/listen?callback={callback}&punctuate=true", wav)
    assert status == 200
    assert list(body) == ["request_id"] and UUID_RE.match(body["request_id"])
    line = serve.wait_for("request", timeout=60, request_id=body["request_id"])
    headers = {n.lower(): v for n, v in line["headers"]}
    assert line["method"] == "POST" and line["path"] == "/hooks/deepgram?source=test"
    assert UUID_RE.match(line["dg_token"]) and KEY not in json.dumps(line)
    assert headers["content-type"] == "application/json"
    result = json.loads(line["body"])
    assert result["metadata"]["request_id"] == body["request_id"]
    transcript = result["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert word_overlap(transcript, wav) >= 0.6, transcript


def test_dg_token_is_the_same_uuid_for_the_same_key_and_differs_between_keys(serve, tmp_path):
    wav = silent_wav(tmp_path / "silence.wav")
    tokens = []
    for key in (KEY, KEY, "another-key-xyz"):
        _, body = _curl(f"{serve.emulator_url}/v1/listen?callback={serve.url}/t", wav, key=key)
        tokens.append(
            serve.wait_for("request", timeout=60, request_id=body["request_id"])["dg_token"]
        )
    assert tokens[0] == tokens[1] != tokens[2]


def test_put_callback_and_basic_auth_from_userinfo(serve, tmp_path):
    wav = silent_wav(tmp_path / "silence.wav")
    host = serve.url.removeprefix("http://")
    callback = f"http://alice:s3cret@{host}/put-here"
    _, body = _curl(f"{serve.emulator_url}/v1/listen?callback={callback}&callback_method=PuT", wav)
    line = serve.wait_for("request", timeout=60, request_id=body["request_id"])
    assert line["method"] == "PUT" and line["basic_auth_user"] == "alice"
    auth = dict((n.lower(), v) for n, v in line["headers"])["authorization"]
    import base64

    assert base64.b64decode(auth.split()[1]) == b"alice:s3cret"


def test_undecodable_audio_still_sends_a_callback_with_the_error_body(serve, tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio at all" * 100)
    _, body = _curl(f"{serve.emulator_url}/v1/listen?callback={serve.url}/err", junk)
    line = serve.wait_for("request", timeout=60, request_id=body["request_id"])
    error = json.loads(line["body"])
    assert set(error) == {"err_code", "err_msg", "request_id"}


def test_missing_key_is_401_invalid_auth(serve, tmp_path):
    status, body = _curl(
        f"{serve.emulator_url}/v1/listen", silent_wav(tmp_path / "silence.wav"), key=None
    )
    assert status == 401
    assert body["err_code"] == "INVALID_AUTH" and UUID_RE.match(body["request_id"])


def test_only_the_given_key_with_api_key_and_it_never_leaks(tmp_path):
    with ServeProcess(
        "--port", "0", "--emulator-port", "0", "--relaxed-ports", "--api-key", KEY
    ) as serve:
        wav = silent_wav(tmp_path / "silence.wav")
        assert _curl(f"{serve.emulator_url}/v1/listen", wav, key="wrong-key")[0] == 401
        status, body = _curl(f"{serve.emulator_url}/v1/listen?callback={serve.url}/k", wav, key=KEY)
        assert status == 200
        line = serve.wait_for("request", timeout=60, request_id=body["request_id"])
        serve.wait_for("job_done", timeout=30, request_id=body["request_id"])
    assert all(KEY not in v for _, v in line["headers"])
    assert KEY not in "".join(serve.raw_stdout) and KEY not in "".join(serve.stderr_lines)


def test_bad_callback_urls_are_400_invalid_query_parameter(tmp_path):
    bad = ["http://my_host.example.com/cb", "ftp://example.com/cb", "http://example.com:9000/cb"]
    with ServeProcess("--port", "0", "--emulator-port", "0") as serve:  # Deepgram's port rules
        replies = [
            _curl(f"{serve.emulator_url}/v1/listen?callback={url}", silent_wav(tmp_path / "s.wav"))
            for url in bad
        ]
    for status, body in replies:
        assert status == 400
        assert body["err_code"] == "INVALID_QUERY_PARAMETER" and UUID_RE.match(body["request_id"])


def test_fail_first_three_gives_four_attempts_spaced_by_retry_delay_then_none(tmp_path):
    with _retrying_serve("--fail-first", "3") as serve:
        _, body = _curl(
            f"{serve.emulator_url}/v1/listen?callback={serve.url}/retry",
            silent_wav(tmp_path / "silence.wav"),
        )
        rid = body["request_id"]
        requests = [serve.wait_for("request", timeout=60, request_id=rid) for _ in range(4)]
        done = serve.wait_for("job_done", timeout=30, request_id=rid)
        serve.assert_no_event("request", within=0.6, request_id=rid)  # 3 retry delays
    assert [r["status"] for r in requests] == [500, 500, 500, 200]
    assert [r["attempt"] for r in requests] == [1, 2, 3, 4]
    times = [_epoch(r["time"]) for r in requests]
    assert all(b - a >= 0.199 for a, b in itertools.pairwise(times))
    assert (done["outcome"], done["attempts"]) == ("delivered", 4)


def test_gives_up_after_max_retries_when_every_attempt_fails(tmp_path):
    with _retrying_serve("--max-retries", "2", "--reply-status", "500") as serve:
        _, body = _curl(
            f"{serve.emulator_url}/v1/listen?callback={serve.url}/nope",
            silent_wav(tmp_path / "silence.wav"),
        )
        rid = body["request_id"]
        job = serve.wait_for("job", timeout=30, request_id=rid)
        done = serve.wait_for("job_done", timeout=60, request_id=rid)
    assert (job["max_attempts"], job["retry_delay"]) == (3, 0.2)  # the job's own policy
    assert (done["outcome"], done["attempts"]) == ("gave_up", 3)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_sync_transcription_without_callback_returns_full_response(serve):
    wav = shortest_sample()
    # punctuate, not smart_format: smart_format writes the numbers sample's words in digits.
    status, body = _curl(f"{serve.emulator_url}/v1/listen?punctuate=true&utterances=true", wav)
    assert status == 200
    alt = body["results"]["channels"][0]["alternatives"][0]
    assert word_overlap(alt["transcript"], wav) >= 0.6
    assert body["results"]["utterances"] and body["metadata"]["duration"] > 1
    assert UUID_RE.match(body["metadata"]["request_id"])
